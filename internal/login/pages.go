package login

import (
	"bytes"
	"crypto/rand"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
)

//go:embed templates static
var files embed.FS

// pageCSP is the Content-Security-Policy of every page under /u/ and of /authorize's answers. Styles
// come from the page's own stylesheet and from one style block per page, whose nonce the CSP names; the
// block holds only colors validated as hex (Branding.colors). A script runs only in the form_post page,
// by nonce. Images may come from https (an organization's logo). Forms post to this origin, and the
// form_post page to the client's redirect_uri.
const pageCSP = "default-src 'self'; img-src 'self' https:; style-src 'self' 'nonce-%[1]s'; script-src 'nonce-%[1]s'; " +
	"frame-ancestors 'none'; form-action 'self'%[2]s; base-uri 'none'"

// pages holds each page's template: the layout with the page's content.
type pages map[string]*template.Template

func mustParsePages() pages {
	p := pages{}
	for _, name := range []string{"login", "signup", "organization", "picker", "message", "logout"} {
		p[name] = template.Must(template.ParseFS(files, "templates/layout.html", "templates/"+name+".html"))
	}
	p["formpost"] = template.Must(template.ParseFS(files, "templates/formpost.html"))
	return p
}

// view is what the layout needs; Data is the page's own.
type view struct {
	Title                          string
	Brand                          Branding
	Primary, Background, OnPrimary string
	Nonce                          string
	CSRF                           string
	State                          string // the login transaction's id, carried by every form
	Error                          string
	Data                           any
	// redirectURI is the transaction's: the login's form posts end in a redirect there, which the
	// CSP's form-action must allow (browsers apply it to a form's redirects).
	redirectURI string
}

// render writes a page with the security headers.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Nonce = rand.Text()
	v.Primary, v.Background, v.OnPrimary = v.Brand.colors()
	if v.Brand.Name == "" {
		v.Brand.Name = h.tenantName
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "render login page", "page", name, "error", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w, v.Nonce, originOf(v.redirectURI))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// setPageHeaders sets the headers of every page: no caching, no framing, the CSP. formOrigin is an
// origin the page's form may post to besides this one ("" for none).
func setPageHeaders(w http.ResponseWriter, nonce, formOrigin string) {
	if formOrigin != "" {
		formOrigin = " " + formOrigin
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("Content-Security-Policy", fmt.Sprintf(pageCSP, nonce, formOrigin))
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
}

// message shows a page with a sentence and nothing to do: an error the user cannot fix here, or the end
// of a logout.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	h.render(w, r, status, "message", view{Title: title, Data: text})
}

// originOf returns the scheme://host of a URL, "" when there is none.
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}
