package dashboard

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

type signInView struct {
	Email string
	Next  string
	Error string
}

// signInPage shows the sign-in form, with a CSRF token that a cookie of the same value vouches for
// (double submit): there is no session yet to bind it to, and another site can neither read this
// cookie nor set it (SameSite, and __Host- with TLS).
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(h.cookieName(sessionCookie)); err == nil {
		if _, err := h.tenant.AdminSession(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	v := signInView{Next: localPath(r.URL.Query().Get("next"))}
	h.renderSignIn(w, r, http.StatusOK, v, noticeFor(r.URL.Query().Get("notice")))
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, v signInView, notice string) {
	// One token per browser, kept across renders, so that two open sign-in tabs both work.
	token := rand.Text()
	if c, err := r.Cookie(h.cookieName(signInCookie)); err == nil && len(c.Value) == len(token) {
		token = c.Value
	}
	h.setCookie(w, signInCookie, token, int(time.Hour/time.Second))
	h.render(w, r, status, "signin", view{Title: "Sign in", CSRF: token, Notice: notice, Data: v})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "The form could not be read (it may be too large). Reload the page and fill it in again.")
		return
	}
	c, err := r.Cookie(h.cookieName(signInCookie))
	if err != nil || !sameToken(r.PostForm.Get(csrfField), c.Value) {
		h.renderError(w, r, http.StatusForbidden, "This sign-in form has expired or did not come from this dashboard. Reload the page and try again.")
		return
	}
	v := signInView{Email: strings.TrimSpace(r.PostForm.Get("email")), Next: localPath(r.PostForm.Get("next"))}
	key := strings.ToLower(v.Email) + "\x00" + clientAddress(r)
	if wait := h.limiter.begin(key); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		v.Error = fmt.Sprintf("Too many failed attempts. Try again in %d minute%s.", minutes, plural(minutes))
		h.renderSignIn(w, r, http.StatusTooManyRequests, v, "")
		return
	}
	s, err := h.signInSlot(r, v.Email, r.PostForm.Get("password"))
	if errors.Is(err, tenant.ErrWrongCredentials) {
		h.log.InfoContext(r.Context(), "dashboard sign-in refused", "ip", clientAddress(r))
		v.Error = tenant.ErrWrongCredentials.Message
		h.renderSignIn(w, r, http.StatusUnauthorized, v, "")
		return
	}
	if err != nil {
		h.fail(w, r, tenant.AdminSession{}, err)
		return
	}
	h.limiter.succeeded(key)
	h.log.InfoContext(r.Context(), "dashboard sign-in", "session", s)
	h.setCookie(w, signInCookie, "", -1)
	// No MaxAge: the cookie ends with the browser; the store ends the session after tenant.SessionLifetime.
	h.setCookie(w, sessionCookie, s.Token, 0)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// signInSlot runs a sign-in once one of the hashing slots is free, so that a burst of sign-ins cannot
// take more memory than the slots allow.
func (h *Handler) signInSlot(r *http.Request, email, password string) (tenant.AdminSession, error) {
	select {
	case h.hashSlots <- struct{}{}:
		defer func() { <-h.hashSlots }()
	case <-r.Context().Done():
		return tenant.AdminSession{}, r.Context().Err()
	}
	return h.tenant.SignIn(r.Context(), email, password)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, _ tenant.AdminSession) error {
	if c, err := r.Cookie(h.cookieName(sessionCookie)); err == nil {
		if err := h.tenant.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	h.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/dashboard/signin?notice=signed-out", http.StatusSeeOther)
	return nil
}

// clientAddress is the peer's IP. Forwarding headers are not trusted: anyone can send them.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
