package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/logattr"
	"github.com/orgauth/orgauth/internal/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

// view is what every page template receives.
type view struct {
	Title   string
	Section string // the navigation entry to highlight
	Admin   string // the signed-in administrator's email; empty on the sign-in and error pages
	CSRF    string
	Notice  string // a confirmation after a redirect, e.g. "Saved."
	Errors  formErrors
	Data    any
}

// pages holds one template set per page: the layout, the shared partials and the page.
type pages map[string]*template.Template

// mustParsePages parses the embedded templates; staticURL names an embedded asset with its version.
func mustParsePages(staticURL func(string) string) pages {
	funcs := template.FuncMap{
		"static":  staticURL,
		"usage":   usageLabel,
		"appType": appTypeLabel,
		"plural":  plural,
		"has":     slices.Contains[[]string],
		"pair":    func(a, b string) [2]string { return [2]string{a, b} },
		"inc":     func(i int) int { return i + 1 },
		"sub":     func(a, b int) int { return a - b },
		"fe":      fieldErrorOf,
		"invalid": invalidAttrs,
		"method":  authMethodLabel,
		"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"day":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	ps := pages{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t := template.New(base).Funcs(funcs)
		t = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/partials.html", name))
		ps[strings.TrimSuffix(base, ".html")] = t
	}
	return ps
}

// render writes a page. The page renders into a buffer first, so a template error becomes a clean 500.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := h.pages[name]
	if !ok {
		h.log.ErrorContext(r.Context(), "dashboard: no such page template", "page", name)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "dashboard: render page", "page", name, "error", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// page renders a page for a signed-in administrator.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, s admins.Session, status int, name string, v view) {
	v.Admin = s.Admin.Email
	v.CSRF = s.Session.CSRFToken
	if v.Notice == "" {
		v.Notice = noticeFor(r.URL.Query().Get("notice"))
	}
	h.render(w, r, status, name, v)
}

type errorView struct {
	Status  int
	Heading string
	Message string
	// Next is where to go from here, with its label; empty: the dashboard's home.
	Next, NextLabel string
}

// renderError shows a refusal page without the navigation (there may be no session).
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	h.render(w, r, status, "error", view{Title: http.StatusText(status),
		Data: errorView{Status: status, Heading: http.StatusText(status), Message: message}})
}

// fail answers an error a page returned: a tenant refusal shows its message, anything else is logged
// and shown as an internal error without details.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s admins.Session, err error) {
	var status int
	var next errorView
	message := "Something went wrong on our side. Try again; if it keeps happening, the server log has the details."
	if e, ok := tenant.AsError(err); ok {
		switch e.Kind {
		case tenant.KindNotFound:
			status = http.StatusNotFound
		case tenant.KindForbidden:
			status = http.StatusForbidden
		case tenant.KindConflict:
			status = http.StatusConflict
		default:
			status = http.StatusBadRequest
		}
		message = e.Message
		if e.Kind == tenant.KindNotFound {
			message, next = notFoundStep(r.URL.Path, message)
		}
	} else {
		status = http.StatusInternalServerError
		h.log.ErrorContext(r.Context(), "dashboard page failed", logattr.Untrusted("method", r.Method), slog.String("path", logattr.Prefix(r.URL.Path, logattr.MaxText)), slog.Any("error", err))
	}
	v := view{Title: http.StatusText(status), Data: errorView{Status: status, Heading: http.StatusText(status), Message: message,
		Next: next.Next, NextLabel: next.NextLabel}}
	if s.Admin.ID != "" {
		h.page(w, r, s, status, "error", v)
		return
	}
	h.render(w, r, status, "error", v)
}

// notFoundStep words a missing application, API or organization by the part of the dashboard it was
// looked for in, with the list to find it in; anything else keeps tenant's message.
func notFoundStep(path, message string) (string, errorView) {
	for _, s := range []struct{ prefix, thing, list, label string }{
		{"/dashboard/applications/", "application", "/dashboard/applications", "Applications"},
		{"/dashboard/apis/", "API", "/dashboard/apis", "APIs"},
		{"/dashboard/organizations/", "organization", "/dashboard/organizations", "Organizations"},
	} {
		if strings.HasPrefix(path, s.prefix) {
			return "This " + s.thing + " does not exist: it may have been deleted. Find it in the list of " + s.label + ".",
				errorView{Next: s.list, NextLabel: "Go to " + s.label}
		}
	}
	return message, errorView{}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "There is no such page in the dashboard. Check the address, or start again from the dashboard's home.")
}

// notices are the confirmations a redirect may ask for; the query names one, never its text.
var noticeTexts = map[string]string{
	"saved":                "Your changes were saved.",
	"api-created":          "API created. Next: authorize an application for it on the application's APIs tab.",
	"organization-created": "Organization created. Next: give an application access on its Machine to Machine Access tab.",
	"deleted":              "Deleted.",
	"signed-out":           "You signed out.",
	"access-added":         "Access added: the application can now get tokens for this organization. Its Quick start tab shows how.",
	"access-remove":        "Access removed.",
	"credential-added":     "Credential added. It takes effect once the application uses private_key_jwt with it.",
	"credential-deleted":   "Credential deleted.",
	"private-key-jwt":      "The application now authenticates with private_key_jwt: its client secret was removed. Its Quick start tab shows how to sign an assertion.",
	"secret-method":        "The application now authenticates with a client secret.",
}

func noticeFor(key string) string { return noticeTexts[key] }

// redirect sends the browser to target after a successful change (post/redirect/get).
func redirect(w http.ResponseWriter, r *http.Request, target, notice string) error {
	if notice != "" {
		target += "?notice=" + notice
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// formErrors are the messages of a refused form: by form field, "" for the form as a whole.
type formErrors map[string]string

// For is the message for a field, if any.
func (e formErrors) For(field string) string { return e[field] }

// Form is the message that concerns no field shown.
func (e formErrors) Form() string { return e[""] }

// fieldError is a field's message and the id of the element that shows it.
type fieldError struct {
	ID  string
	Msg string
}

func fieldErrorOf(e formErrors, field string) fieldError {
	return fieldError{ID: errorID(field), Msg: e.For(field)}
}

// invalidAttrs marks an input whose value was refused and points it at the message, for screen readers.
func invalidAttrs(e formErrors, field string) template.HTMLAttr {
	if e.For(field) == "" {
		return ""
	}
	// The id derives from a field name written in the templates, never from input.
	return template.HTMLAttr(` aria-invalid="true" aria-describedby="` + errorID(field) + `"`)
}

func errorID(field string) string {
	return "error-" + strings.NewReplacer(".", "-", "_", "-").Replace(field)
}

// fieldErrors turns a tenant refusal into form errors: the message goes next to the field whose name
// is the refusal's Property or a prefix of it ("scopes" takes "scopes.value"); a property no field
// shows goes to the top of the form. Any other error is returned for fail.
func fieldErrors(err error, fields ...string) (formErrors, error) {
	e, ok := tenant.AsError(err)
	if !ok || e.Kind == tenant.KindNotFound && e.Property == "" {
		return nil, err
	}
	msg := displayMessage(e)
	for _, f := range fields {
		if e.Property == f || strings.HasPrefix(e.Property, f+".") {
			return formErrors{f: msg}, nil
		}
	}
	return formErrors{"": msg}, nil
}
