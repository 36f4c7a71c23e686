package login

import (
	"net/http"
	"slices"
)

// logout serves GET /v2/logout: it ends the login session, then goes to returnTo when it is one of the
// client's allowed logout URLs (client_id sent) or the tenant's; otherwise it says the person is logged
// out, without redirecting anywhere (no open redirect). federated is ignored.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	if err := h.tenant.EndSession(ctx, h.cookie(r, sessionCookie)); err != nil {
		h.fault(w, r, "end the session", err)
		return
	}
	h.setCookie(w, sessionCookie, "", -1)
	h.log.InfoContext(ctx, "logged out", "client_id", q.Get("client_id"))
	returnTo := q.Get("returnTo")
	if returnTo != "" && len(q["returnTo"]) == 1 && len(q["client_id"]) <= 1 {
		snap, err := h.snapshot(ctx)
		if err != nil {
			h.fault(w, r, "view the tenant", err)
			return
		}
		allowed := snap.AllowedLogoutURLs()
		if id := q.Get("client_id"); id != "" {
			allowed = nil
			if c, ok := snap.Client(id); ok {
				allowed = c.AllowedLogoutURLs
			}
		}
		if slices.Contains(allowed, returnTo) {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, returnTo, http.StatusFound)
			return
		}
	}
	text := "You are logged out."
	if returnTo != "" {
		text += " The page that asked for it is not among the allowed logout URLs, so you were not sent back to it."
	}
	h.message(w, r, http.StatusOK, "Logged out", text)
}
