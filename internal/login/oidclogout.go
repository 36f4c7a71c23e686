package login

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/internal/tenant"
)

// IDTokenHint is what an id_token_hint says once its signature is verified (keys.Manager).
type IDTokenHint struct {
	Issuer, Subject, SessionID string
	Audience                   []string
}

// logoutParams are the parameters of /oidc/logout, each read once.
var logoutParams = []string{"id_token_hint", "logout_hint", "post_logout_redirect_uri", "client_id", "state"}

// logoutConfirmCookie holds the token the logout confirmation page's form sends back (double submit):
// the page is the only place that learns it.
const logoutConfirmCookie = "orgauth_logout"

// oidcLogout serves GET and POST /oidc/logout (OpenID Connect RP-Initiated Logout 1.0): it checks the
// id_token_hint (signed by this server; an expired one is accepted), that client_id is its audience and
// logout_hint its sid, and that post_logout_redirect_uri is an allowed logout URL of the client (else
// the tenant's); without one, the client's first allowed logout URL. With a hint, or a logout_hint that
// names the browser's session, the session ends at once; otherwise the person confirms on a page.
func (h *Handler) oidcLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.message(w, r, http.StatusBadRequest, "Something went wrong", "The logout request could not be read.")
		return
	}
	p := map[string]string{}
	for _, name := range logoutParams {
		switch vs := r.Form[name]; {
		case len(vs) > 1:
			h.message(w, r, http.StatusBadRequest, "Something went wrong", "Parameter "+name+" must be sent once.")
			return
		case len(vs) == 1:
			p[name] = vs[0]
		}
	}
	bad := func(text string) { h.message(w, r, http.StatusBadRequest, "Something went wrong", text) }
	var hint *IDTokenHint
	if p["id_token_hint"] != "" {
		if h.readHint == nil {
			bad("The id_token_hint is invalid.")
			return
		}
		got, err := h.readHint(p["id_token_hint"])
		if err != nil || got.Issuer != h.issuer {
			h.log.InfoContext(ctx, "logout refused: id_token_hint", "error", err)
			bad("The id_token_hint is invalid.")
			return
		}
		hint = &got
	}
	clientID := p["client_id"]
	if hint != nil {
		switch {
		case clientID != "" && !slices.Contains(hint.Audience, clientID):
			bad("The client_id is not the id_token_hint's audience.")
			return
		case p["logout_hint"] != "" && p["logout_hint"] != hint.SessionID:
			bad("The logout_hint is not the id_token_hint's session.")
			return
		case clientID == "" && len(hint.Audience) == 1:
			clientID = hint.Audience[0]
		}
	}
	snap, err := h.snapshot(ctx)
	if err != nil {
		h.fault(w, r, "view the tenant", err)
		return
	}
	allowed := snap.AllowedLogoutURLs()
	if clientID != "" {
		c, ok := snap.Client(clientID)
		if !ok {
			bad("Unknown client: the client_id names no application.")
			return
		}
		allowed = c.AllowedLogoutURLs
	}
	target := p["post_logout_redirect_uri"]
	switch {
	case target == "" && clientID != "" && len(allowed) > 0:
		target = allowed[0]
	case target != "" && !slices.Contains(allowed, target):
		bad("The post_logout_redirect_uri is not one of the allowed logout URLs.")
		return
	}

	session, sessionErr := h.tenant.Session(ctx, h.cookie(r, sessionCookie))
	confirmed := hint != nil || sessionErr != nil || // nothing to confirm without a session
		(p["logout_hint"] != "" && p["logout_hint"] == tenant.SessionID(session.Session.IDHash))
	if !confirmed && r.URL.Path == "/u/logout" {
		confirmed = r.Method == http.MethodPost && sameToken(r.PostFormValue("confirm"), h.cookie(r, logoutConfirmCookie))
	}
	if !confirmed {
		token := rand.Text()
		h.setCookie(w, logoutConfirmCookie, token, 600)
		h.render(w, r, http.StatusOK, "logout", view{Title: "Log out?", Data: logoutView{Token: token, Params: p}})
		return
	}
	if err := h.tenant.EndSession(ctx, h.cookie(r, sessionCookie)); err != nil {
		h.fault(w, r, "end the session", err)
		return
	}
	h.setCookie(w, sessionCookie, "", -1)
	h.setCookie(w, logoutConfirmCookie, "", -1)
	h.log.InfoContext(ctx, "logged out", "client_id", clientID)
	if target == "" {
		h.message(w, r, http.StatusOK, "Logged out", "You are logged out.")
		return
	}
	if s := p["state"]; s != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + url.Values{"state": {s}}.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// logoutView is the data of the logout confirmation page.
type logoutView struct {
	Token  string
	Params map[string]string
}

// sameToken compares a submitted token with the expected one in constant time; empty never matches.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
