package login

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// transaction is a login in progress, from /authorize to the code, as the store keeps it (tenant's
// BeginLogin): the request, the organization once settled, and, after the login in a post-login
// prompt, who logged in.
type transaction struct {
	Request  authorizeRequest `json:"request"`
	OrgID    string           `json:"org_id,omitempty"` // the login's organization, once known
	Prompt   policy.Prompt    `json:"prompt"`           // the organization screen still to show
	Personal bool             `json:"personal"`         // the login may end without an organization
	CSRF     string           `json:"csrf"`             // every form of the transaction carries it
	// After the login, while the user picks an organization:
	UserID     string    `json:"user_id,omitempty"`
	Connection string    `json:"connection_id,omitempty"`
	SessionID  []byte    `json:"session,omitempty"` // the session's hash
	AuthTime   time.Time `json:"auth_time,omitzero"`
}

// appOf is the login flow's view of a client in the snapshot.
func appOf(c *tenant.TokenClient) app {
	return app{id: c.ClientID, name: c.Name, callbacks: c.Callbacks, logoutURLs: c.AllowedLogoutURLs, public: c.IsPublic(),
		policy: c.Policy, requireBehavior: c.OrganizationRequireBehavior}
}

// authorize serves GET /authorize: it validates the request, settles what it can of the organization,
// and either completes at once (a live session, nothing to ask) or starts a login transaction and sends
// the browser to the first page it needs.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	snap, err := h.snapshot(ctx)
	if err != nil {
		h.fault(w, r, "view the tenant", err)
		return
	}
	req, c, aerr := parseAuthorize(r.URL.Query(), func(id string) (app, bool) {
		tc, ok := snap.Client(id)
		if !ok {
			return app{}, false
		}
		return appOf(tc), true
	})
	if aerr != nil {
		if aerr.toPage {
			h.message(w, r, http.StatusBadRequest, "Something went wrong", aerr.description)
		} else {
			h.respondError(w, r, req, aerr.code, aerr.description)
		}
		return
	}
	if req.Audience != "" {
		if api, ok := snap.API(req.Audience); !ok || api.System { // the Management API is for applications only
			h.respondError(w, r, req, "access_denied", "Service not found: "+req.Audience)
			return
		}
	}
	lc, err := policy.LoginOrganization(snap, c.policy, c.requireBehavior, req.Organization)
	if err != nil {
		h.respondError(w, r, req, "invalid_request", organizationRefusal(err, req.Organization))
		return
	}
	t := transaction{Request: req, OrgID: lc.Organization.ID, Prompt: lc.Prompt, Personal: lc.Personal, CSRF: rand.Text()}
	if req.Invitation != "" {
		if _, err := h.invitation(ctx, t); err != nil {
			h.respondError(w, r, req, "invalid_request", "invitation is invalid or has expired")
			return
		}
	}

	// A live session serves unless the request asks to log in again or accepts an invitation, or the
	// session is older than max_age.
	var session *tenant.LoginSession
	if req.Prompt != "login" && req.Invitation == "" {
		if s, err := h.tenant.Session(ctx, h.cookie(r, sessionCookie)); err == nil {
			if req.MaxAge < 0 || h.now().Sub(s.Session.AuthTime) <= time.Duration(req.MaxAge)*time.Second {
				session = &s
			}
		}
	}
	if req.Prompt == "none" {
		switch {
		case session == nil:
			h.respondError(w, r, req, "login_required", "Login required")
		case t.Prompt != policy.PromptNone:
			h.respondError(w, r, req, "interaction_required", "The organization must be chosen on a page")
		default:
			h.complete(w, r, t, "", session.User, session.Session.ConnectionID, session.Session.IDHash, session.Session.AuthTime)
		}
		return
	}
	if session != nil && t.Prompt == policy.PromptNone {
		h.complete(w, r, t, "", session.User, session.Session.ConnectionID, session.Session.IDHash, session.Session.AuthTime)
		return
	}
	first := "/u/login"
	switch {
	case t.Prompt == policy.PromptPreLogin:
		first = "/u/organization"
	case req.ScreenHint == "signup":
		first = "/u/signup"
	}
	data, err := json.Marshal(t)
	if err != nil {
		h.fault(w, r, "encode the login transaction", err)
		return
	}
	id, err := h.tenant.BeginLogin(ctx, h.browserSecret(w, r), data)
	if err != nil {
		h.fault(w, r, "begin the login", err)
		return
	}
	if session != nil { // a post-login prompt over a live session: straight to the picker
		t.UserID, t.Connection, t.SessionID, t.AuthTime = session.User.ID, session.Session.ConnectionID, session.Session.IDHash, session.Session.AuthTime
		h.afterLogin(w, r, id, t, session.User)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, first+"?state="+url.QueryEscape(id), http.StatusFound)
}

// looksLikeName is what an organization parameter looks like when it is echoed back in an error.
var looksLikeName = regexp.MustCompile(`^[a-z0-9_-]{1,64}$|^org_[A-Za-z0-9]{1,32}$`)

// organizationRefusal words a refusal of policy.LoginOrganization (docs/compatibility.md).
func organizationRefusal(err error, value string) string {
	var r *policy.Refusal
	if !errors.As(err, &r) {
		return "parameter organization is invalid"
	}
	switch r.Reason {
	case policy.ReasonOrganizationNotAllowed:
		return "parameter organization is not allowed for this client"
	case policy.ReasonOrganizationRequired:
		return "parameter organization is required for this client"
	}
	if looksLikeName.MatchString(value) {
		return "parameter organization is invalid: " + value
	}
	return "parameter organization is invalid"
}

// invitation returns the transaction's invitation when it holds: the ticket exists and has not
// expired, and it is for the request's organization and client.
func (h *Handler) invitation(ctx context.Context, t transaction) (tenant.Invitation, error) {
	inv, err := h.tenant.InvitationByTicket(ctx, t.Request.Invitation)
	if err != nil {
		return inv, err
	}
	if inv.OrganizationID != t.OrgID || inv.ClientID != t.Request.ClientID {
		return tenant.Invitation{}, tenant.ErrLoginNotFound
	}
	return inv, nil
}

// loadTransaction reads the login in progress the page's state names, bound to this browser.
func (h *Handler) loadTransaction(r *http.Request, id string) (transaction, error) {
	var t transaction
	data, err := h.tenant.Login(r.Context(), id, h.cookie(r, transactionCookie))
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return t, fmt.Errorf("decode the login transaction: %w", err)
	}
	return t, nil
}

func (h *Handler) saveTransaction(ctx context.Context, id string, t transaction) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode the login transaction: %w", err)
	}
	return h.tenant.UpdateLogin(ctx, id, data)
}

// checkCSRF compares a form's token with the transaction's, in constant time.
func checkCSRF(r *http.Request, t transaction) bool {
	got := r.PostFormValue("csrf")
	return t.CSRF != "" && subtle.ConstantTimeCompare([]byte(got), []byte(t.CSRF)) == 1
}

// afterLogin goes on once the user is known in a transaction: accept the invitation, settle the
// organization (membership, or the picker), then issue the code.
func (h *Handler) afterLogin(w http.ResponseWriter, r *http.Request, id string, t transaction, u tenant.User) {
	ctx := r.Context()
	if t.Request.Invitation != "" {
		inv, err := h.invitation(ctx, t)
		if err != nil {
			h.finishWithError(w, r, id, t, "invalid_request", "invitation is invalid or has expired")
			return
		}
		if inv.InviteeEmail != u.Email {
			h.log.InfoContext(ctx, "invitation refused", "user", u, "invitation", inv)
			h.finishWithError(w, r, id, t, "access_denied", "the specified account is not allowed to accept the current invitation")
			return
		}
		if err := h.tenant.AcceptInvitation(ctx, inv, u.ID); err != nil {
			h.fault(w, r, "accept the invitation", err)
			return
		}
	}
	if t.Prompt == policy.PromptPostLogin {
		orgs, err := h.tenant.UserOrganizations(ctx, u.ID, 20)
		if err != nil {
			h.fault(w, r, "list the user's organizations", err)
			return
		}
		switch {
		case len(orgs) == 0 && !t.Personal:
			h.finishWithError(w, r, id, t, "access_denied", "client requires organization membership, but user does not belong to any organization")
			return
		case len(orgs) == 1 && !t.Personal:
			t.OrgID, t.Prompt = orgs[0].ID, policy.PromptNone
		case len(orgs) > 0:
			t.UserID = u.ID
			if err := h.saveTransaction(ctx, id, t); err != nil {
				h.fault(w, r, "save the login transaction", err)
				return
			}
			h.renderPicker(w, r, id, t, orgs)
			return
		default: // a personal login
			t.Prompt = policy.PromptNone
		}
	}
	h.complete(w, r, t, id, u, t.Connection, t.SessionID, t.AuthTime)
}

// complete issues the code of a login whose organization is settled: a user in an organization must be
// its member (or become one, when the connection assigns membership on login); then the code goes to
// the redirect_uri, and the transaction (id, "" when there is none) ends.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, t transaction, id string, u tenant.User, connectionID string, sessionID []byte, authTime time.Time) {
	ctx := r.Context()
	if u.Blocked != nil && *u.Blocked {
		h.finishWithError(w, r, id, t, "access_denied", "user is blocked")
		return
	}
	if t.OrgID != "" {
		lc, err := h.tenant.LoginConnection(ctx, t.Request.ClientID, t.OrgID)
		switch {
		case errors.Is(err, tenant.ErrNoLoginConnection):
			lc = tenant.LoginConnection{} // no connection assigns membership: members only
		case err != nil:
			h.fault(w, r, "find the organization's connection", err)
			return
		}
		if lc.Connection.ID != connectionID {
			lc.AssignMembership = false // the user logged in through another connection
		}
		switch err := h.tenant.EnsureMember(ctx, t.OrgID, u.ID, lc); {
		case errors.Is(err, tenant.ErrNotMember):
			h.log.InfoContext(ctx, "login refused: not a member", "user", u, "organization_id", t.OrgID)
			h.finishWithError(w, r, id, t, "access_denied", "user is not a member of the organization")
			return
		case err != nil:
			h.fault(w, r, "check the membership", err)
			return
		}
	}
	req := t.Request
	code := tenant.AuthorizationCode{ClientID: req.ClientID, RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge,
		UserID: u.ID, SessionIDHash: sessionID, OrganizationID: t.OrgID, Audience: req.Audience, Scopes: req.Scopes,
		Nonce: req.Nonce, AuthTime: authTime}
	if req.CodeChallenge != "" {
		code.CodeChallengeMethod = "S256"
	}
	c, err := h.tenant.IssueCode(ctx, code)
	if err != nil {
		h.fault(w, r, "issue the code", err)
		return
	}
	if id != "" {
		h.endTransaction(ctx, id)
	}
	h.log.InfoContext(ctx, "login succeeded", "user", u, "client_id", req.ClientID, "organization_id", t.OrgID)
	h.respond(w, r, req, url.Values{"code": {c}})
}

// finishWithError ends the transaction and sends an error to the client.
func (h *Handler) finishWithError(w http.ResponseWriter, r *http.Request, id string, t transaction, code, description string) {
	if id != "" {
		h.endTransaction(r.Context(), id)
	}
	h.respondError(w, r, t.Request, code, description)
}

func (h *Handler) endTransaction(ctx context.Context, id string) {
	if err := h.tenant.EndLogin(ctx, id); err != nil {
		h.log.WarnContext(ctx, "end the login transaction", "error", err)
	}
}

// fault answers a server fault on a page, without its cause, which goes to the log.
func (h *Handler) fault(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, tenant.ErrUnavailable) {
		h.log.WarnContext(r.Context(), "login: "+what, "error", err)
		h.message(w, r, http.StatusServiceUnavailable, "Try again in a moment", "The service cannot reach its database right now. Try again in a moment.")
		return
	}
	h.log.ErrorContext(r.Context(), "login: "+what, "error", err)
	h.message(w, r, http.StatusInternalServerError, "Something went wrong", "Something went wrong on our side. Go back to the application and try again.")
}
