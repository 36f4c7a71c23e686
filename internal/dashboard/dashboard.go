// Package dashboard serves the administrators' web UI under /dashboard/: server-rendered html/template
// pages, with their stylesheet and script embedded in the binary. It is a face of the tenant package,
// like the Management API: every change goes through tenant.Service, and a refusal is shown next to the
// field its Property names; no rule is written here. Administrators sign in through package admins,
// which keeps their accounts and sessions.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

// Tenant is what the dashboard changes: the tenant's operations.
type Tenant interface {
	tenant.Operations
}

var _ Tenant = (*tenant.Service)(nil)

// Admins lets administrators in: their sign-in and sessions (package admins).
type Admins interface {
	// SignIn: admins.ErrWrongCredentials for a wrong email or password, admins.ErrBusy when the password
	// cannot be checked now.
	SignIn(ctx context.Context, email, password string) (admins.Session, error)
	// Session: admins.ErrSessionNotFound when the token has no live session.
	Session(ctx context.Context, token string) (admins.Session, error)
	SignOut(ctx context.Context, token string) error
}

var _ Admins = (*admins.Service)(nil)

// Config is what the dashboard needs.
type Config struct {
	Issuer string // the public base URL with a trailing slash; https makes the cookies Secure
	Tenant Tenant
	Admins Admins
	Logger *slog.Logger     // nil: discard
	Now    func() time.Time // the sign-in rate limit's clock; nil: time.Now
}

// Handler serves the dashboard; Mount puts its routes on a mux.
type Handler struct {
	issuer  string
	secure  bool
	tenant  Tenant
	admins  Admins
	log     *slog.Logger
	pages   pages
	static  staticFiles
	limiter *limiter
	// cop refuses cross-origin form posts by their Sec-Fetch-Site and Origin headers.
	cop *http.CrossOriginProtection
}

// Sign-in rate limit: failures per email and client address within the window.
const (
	maxSignInFailures = 5
	signInWindow      = 15 * time.Minute
)

// New returns the dashboard for cfg. It panics if the embedded templates do not parse, which the
// package's tests rule out.
func New(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	static := newStaticFiles()
	h := &Handler{
		issuer:  cfg.Issuer,
		secure:  strings.HasPrefix(cfg.Issuer, "https://"),
		tenant:  cfg.Tenant,
		admins:  cfg.Admins,
		log:     log,
		pages:   mustParsePages(static.url),
		static:  static,
		limiter: newLimiter(maxSignInFailures, signInWindow, now),
		cop:     http.NewCrossOriginProtection(),
	}
	// Browsers that send Origin but not Sec-Fetch-Site are judged by Origin against Host, which a
	// reverse proxy may rewrite: the issuer's own origin is always this dashboard.
	if u, err := url.Parse(cfg.Issuer); err == nil && u.Host != "" {
		h.cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, "This form was sent from another site and was refused. To make this change, open the dashboard at its own address and send the form from there.")
	}))
	return h
}

// Mount registers the dashboard's routes on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	handle := func(pattern string, next http.Handler) { mux.Handle(pattern, h.protect(next)) }
	page := func(pattern string, fn pageFunc) { handle(pattern, h.signedIn(fn)) }

	mux.Handle("GET /dashboard/static/{file}", h.static)
	handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusMovedPermanently))
	handle("GET /dashboard/signin", http.HandlerFunc(h.signInPage))
	handle("POST /dashboard/signin", http.HandlerFunc(h.signIn))
	page("POST /dashboard/signout", h.signOut)
	page("GET /dashboard/{$}", h.home)

	page("GET /dashboard/apis", h.listAPIs)
	page("GET /dashboard/apis/new", h.newAPI)
	page("POST /dashboard/apis", h.createAPI)
	page("GET /dashboard/apis/{id}", h.editAPI)
	page("POST /dashboard/apis/{id}", h.updateAPI)
	page("GET /dashboard/apis/{id}/delete", h.confirmDeleteAPI)
	page("POST /dashboard/apis/{id}/delete", h.deleteAPI)

	page("GET /dashboard/applications", h.listApplications)
	page("GET /dashboard/applications/new", h.newApplication)
	page("POST /dashboard/applications", h.createApplication)
	page("GET /dashboard/applications/{id}", h.editApplication)
	page("POST /dashboard/applications/{id}", h.updateApplication)
	page("POST /dashboard/applications/{id}/rotate-secret", h.rotateSecret)
	page("GET /dashboard/applications/{id}/secret", h.showSecret)
	page("GET /dashboard/applications/{id}/delete", h.confirmDeleteApplication)
	page("POST /dashboard/applications/{id}/delete", h.deleteApplication)
	page("GET /dashboard/applications/{id}/apis", h.applicationAPIs)
	page("POST /dashboard/applications/{id}/apis/{api}", h.updateApplicationAPI)
	page("GET /dashboard/applications/{id}/credentials", h.applicationCredentials)
	page("POST /dashboard/applications/{id}/credentials", h.addCredential)
	page("POST /dashboard/applications/{id}/credentials/{credential}/delete", h.deleteCredential)
	page("POST /dashboard/applications/{id}/authentication", h.setAuthentication)
	page("GET /dashboard/applications/{id}/quickstart", h.quickStart)

	page("GET /dashboard/organizations", h.listOrganizations)
	page("GET /dashboard/organizations/new", h.newOrganization)
	page("GET /dashboard/organizations/search", h.searchOrganizations)
	page("POST /dashboard/organizations", h.createOrganization)
	page("GET /dashboard/organizations/{id}", h.editOrganization)
	page("POST /dashboard/organizations/{id}", h.updateOrganization)
	page("GET /dashboard/organizations/{id}/delete", h.confirmDeleteOrganization)
	page("POST /dashboard/organizations/{id}/delete", h.deleteOrganization)
	page("GET /dashboard/organizations/{id}/access", h.organizationAccess)
	page("GET /dashboard/organizations/{id}/access/add", h.addAccessPage)
	page("POST /dashboard/organizations/{id}/access", h.addAccess)
	page("POST /dashboard/organizations/{id}/access/{grant}/remove", h.removeAccess)

	page("GET /dashboard/settings", h.settingsPage)
	page("POST /dashboard/settings", h.updateSettings)

	handle("/dashboard/", http.HandlerFunc(h.notFound))
}

// home is the landing page after sign-in: the applications, where most work starts.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	http.Redirect(w, r, "/dashboard/applications", http.StatusSeeOther)
	return nil
}
