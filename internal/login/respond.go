package login

import (
	"bytes"
	"crypto/rand"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// respond sends the authorization response to the client's redirect_uri (which parseAuthorize proved
// is one of its callbacks): the parameters in the query, or, with response_mode form_post, in a form
// the browser posts there (OAuth 2.0 Form Post Response Mode). Every response carries iss (RFC 9207),
// and state when the request had one.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, req authorizeRequest, params url.Values) {
	params.Set("iss", h.issuer)
	if req.State != "" {
		params.Set("state", req.State)
	}
	if req.ResponseMode == "form_post" {
		h.formPost(w, r, req.RedirectURI, params)
		return
	}
	target := req.RedirectURI
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target+sep+params.Encode(), http.StatusFound)
}

// respondError sends an OAuth error to the redirect_uri.
func (h *Handler) respondError(w http.ResponseWriter, r *http.Request, req authorizeRequest, code, description string) {
	h.log.InfoContext(r.Context(), "authorization refused", "client_id", req.ClientID, "error", code, "description", description)
	h.respond(w, r, req, url.Values{"error": {code}, "error_description": {description}})
}

type formField struct{ Name, Value string }

// formPost renders the page that posts params to target.
func (h *Handler) formPost(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	v := struct {
		Action string
		Fields []formField
		Nonce  string
	}{Action: target, Nonce: rand.Text()}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		for _, value := range params[name] {
			v.Fields = append(v.Fields, formField{name, value})
		}
	}
	var buf bytes.Buffer
	if err := h.pages["formpost"].ExecuteTemplate(&buf, "formpost", v); err != nil {
		h.log.ErrorContext(r.Context(), "render the form_post page", "error", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w, v.Nonce, originOf(target))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}
