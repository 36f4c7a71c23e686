package dashboard

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/admins"
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
		if _, err := h.admins.Session(r.Context(), c.Value); err == nil {
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
	s, err := h.admins.SignIn(r.Context(), v.Email, r.PostForm.Get("password"))
	switch {
	case errors.Is(err, admins.ErrWrongCredentials):
		h.log.InfoContext(r.Context(), "dashboard sign-in refused", "ip", clientAddress(r))
		v.Error = admins.ErrWrongCredentials.Message
		h.renderSignIn(w, r, http.StatusUnauthorized, v, "")
		return
	case errors.Is(err, admins.ErrBusy):
		// The password was not checked: no guess was made, so the attempt does not count as a failure.
		h.limiter.abandon(key)
		h.log.WarnContext(r.Context(), "dashboard sign-in refused: too many passwords being hashed at once", "ip", clientAddress(r))
		v.Error = busyMessage
		w.Header().Set("Retry-After", strconv.Itoa(busyRetryAfter))
		h.renderSignIn(w, r, http.StatusTooManyRequests, v, "")
		return
	case err != nil:
		h.fail(w, r, admins.Session{}, err)
		return
	}
	h.limiter.succeeded(key)
	h.log.InfoContext(r.Context(), "dashboard sign-in", "session", s)
	h.setCookie(w, signInCookie, "", -1)
	// No MaxAge: the cookie ends with the browser; the store ends the session after admins.SessionLifetime.
	h.setCookie(w, sessionCookie, s.Token, 0)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// A sign-in the server could not check now, because too many passwords are being hashed at once (the
// hasher bounds them, so that a burst of sign-ins cannot take all memory and CPU): the person waits a
// moment and sends the form again.
const (
	busyMessage    = "Too many sign-ins are being checked right now. Wait a few seconds and sign in again."
	busyRetryAfter = 5 // seconds
)

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	if c, err := r.Cookie(h.cookieName(sessionCookie)); err == nil {
		if err := h.admins.SignOut(r.Context(), c.Value); err != nil {
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
