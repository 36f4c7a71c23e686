package dashboard

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/orgauth/orgauth/internal/admins"
)

// contentSecurityPolicy allows nothing inline and nothing from elsewhere, except organization logos
// (https images) in the branding preview.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// maxFormBytes bounds a dashboard form; the largest (an API with many scopes) stays far below.
const maxFormBytes = 64 << 10

// csrfField is the hidden form field every POST carries.
const csrfField = "csrf"

// Cookie names; with TLS they get the __Host- prefix, so that no subdomain can set or shadow them.
const (
	sessionCookie = "orgauth_dashboard" // not orgauth_session: that is the people's login session (internal/login)
	signInCookie  = "orgauth_signin"    // the sign-in form's CSRF token, before there is a session
	secretCookie  = "orgauth_secret"    // a new client secret on its way to the one page that shows it
)

// pageFunc serves a page for a signed-in administrator; an error it returns is rendered by fail.
type pageFunc func(w http.ResponseWriter, r *http.Request, s admins.Session) error

// protect adds the security headers to every dashboard answer and refuses cross-origin form posts
// (by Sec-Fetch-Site and Origin) before any token is even looked at.
func (h *Handler) protect(next http.Handler) http.Handler {
	guarded := h.cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		guarded.ServeHTTP(w, r)
	})
}

// signedIn serves fn to an administrator with a live session, and checks the session's CSRF token on
// every POST. Without a session it sends the browser to the sign-in page, which brings it back.
func (h *Handler) signedIn(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		if c, err := r.Cookie(h.cookieName(sessionCookie)); err == nil {
			token = c.Value
		}
		s, err := h.admins.Session(r.Context(), token)
		if errors.Is(err, admins.ErrSessionNotFound) {
			target := "/dashboard/signin"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if err != nil {
			h.fail(w, r, admins.Session{}, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				h.renderError(w, r, http.StatusBadRequest, "The form could not be read (it may be too large). Reload the page and fill it in again.")
				return
			}
			if !sameToken(r.PostForm.Get(csrfField), s.Session.CSRFToken) {
				h.renderError(w, r, http.StatusForbidden, "This form has expired or did not come from this dashboard. Reload the page and try again.")
				return
			}
		}
		if err := fn(w, r, s); err != nil {
			h.fail(w, r, s, err)
		}
	})
}

// sameToken compares a submitted token with the expected one in constant time; empty never matches.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Handler) cookieName(name string) string {
	if h.secure {
		return "__Host-" + name
	}
	return name
}

// setCookie sets a cookie only this dashboard's pages send back: HttpOnly, SameSite=Lax (a link from
// elsewhere may open a page, never post a form) and, with TLS, Secure and __Host- prefixed.
func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookieName(name),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// maxNextLength bounds a next= value; a dashboard URL is far shorter, and a longer one would only
// make the redirect's Location header larger than proxies accept.
const maxNextLength = 2048

// localPath keeps a post-sign-in redirect inside the dashboard. It normalises next as a browser would
// read it (percent-decoding, dot segments, repeated slashes) and keeps it only if the result is a path
// under /dashboard/; anything else (another host or scheme, a scheme-relative //host, a backslash, a
// control character, a path that leaves /dashboard/ once cleaned, a very long value) becomes the
// dashboard's home. The answer is rebuilt from the decoded parts, so it is exactly what it looks like.
func localPath(next string) string {
	const home = "/dashboard/"
	if len(next) > maxNextLength || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || hasUnsafeByte(next) {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || hasUnsafeByte(u.Path) {
		return home
	}
	p := path.Clean(u.Path)
	if p == "/dashboard" {
		p = home
	} else if !strings.HasPrefix(p, home) {
		return home
	} else if strings.HasSuffix(u.Path, "/") {
		p += "/"
	}
	local := url.URL{Path: p}
	if q, err := url.ParseQuery(u.RawQuery); err == nil {
		local.RawQuery = q.Encode()
	}
	return local.String()
}

// hasUnsafeByte reports a backslash (browsers read it as a slash) or a control character (CR and LF
// would split the header).
func hasUnsafeByte(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f })
}
