// Package dashboard serves the administrators' web UI under /dashboard/: server-rendered html/template
// pages, with their stylesheet and script embedded in the binary. It is a face of the tenant package,
// like the Management API: every change goes through tenant.Service, and a refusal is shown next to the
// field its Property names; no rule is written here.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

// Tenant is the set of tenant operations the dashboard calls.
type Tenant interface {
	SignIn(ctx context.Context, email, password string) (tenant.AdminSession, error)
	AdminSession(ctx context.Context, token string) (tenant.AdminSession, error)
	SignOut(ctx context.Context, token string) error

	CreateResourceServer(ctx context.Context, in tenant.ResourceServerInput) (store.ResourceServer, error)
	ResourceServer(ctx context.Context, idOrIdentifier string) (store.ResourceServer, error)
	ResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error)
	UpdateResourceServer(ctx context.Context, idOrIdentifier string, in tenant.ResourceServerPatch) (store.ResourceServer, error)
	DeleteResourceServer(ctx context.Context, idOrIdentifier string) error

	CreateClient(ctx context.Context, in tenant.ClientInput) (store.Client, string, error)
	Client(ctx context.Context, clientID string) (store.Client, error)
	Clients(ctx context.Context, p store.Page) (store.List[store.Client], error)
	UpdateClient(ctx context.Context, clientID string, in tenant.ClientPatch) (store.Client, error)
	DeleteClient(ctx context.Context, clientID string) error
	RotateClientSecret(ctx context.Context, clientID string) (store.Client, string, error)

	CreateClientCredential(ctx context.Context, clientID string, in tenant.ClientCredentialInput) (store.ClientCredential, error)
	ClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error)
	DeleteClientCredential(ctx context.Context, clientID, id string) error

	CreateClientGrant(ctx context.Context, in tenant.ClientGrantInput) (store.ClientGrant, error)
	ClientGrant(ctx context.Context, id string) (store.ClientGrant, error)
	ClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error)
	UpdateClientGrant(ctx context.Context, id string, in tenant.ClientGrantPatch) (store.ClientGrant, error)
	DeleteClientGrant(ctx context.Context, id string) error
	ClientGrantOrganizations(ctx context.Context, grantID string, p store.Page) (store.List[store.Organization], error)

	CreateOrganization(ctx context.Context, in tenant.OrganizationInput) (store.Organization, error)
	Organization(ctx context.Context, id string) (store.Organization, error)
	OrganizationByName(ctx context.Context, name string) (store.Organization, error)
	Organizations(ctx context.Context, p store.Page) (store.List[store.Organization], error)
	SearchOrganizations(ctx context.Context, prefix string, p store.Page) (store.List[store.Organization], error)
	UpdateOrganization(ctx context.Context, id string, in tenant.OrganizationPatch) (store.Organization, error)
	DeleteOrganization(ctx context.Context, id string) error

	AddOrganizationClientGrant(ctx context.Context, orgID, grantID string) (store.ClientGrant, error)
	OrganizationClientGrants(ctx context.Context, orgID string, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error)
	RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error

	Settings(ctx context.Context) (store.TenantSettings, error)
	UpdateSettings(ctx context.Context, in tenant.SettingsPatch) (store.TenantSettings, error)
}

var _ Tenant = (*tenant.Service)(nil)

// Config is what the dashboard needs.
type Config struct {
	Issuer string // the public base URL with a trailing slash; https makes the cookies Secure
	Tenant Tenant
	Logger *slog.Logger     // nil: discard
	Now    func() time.Time // the sign-in rate limit's clock; nil: time.Now
}

// Handler serves the dashboard; Mount puts its routes on a mux.
type Handler struct {
	issuer  string
	secure  bool
	tenant  Tenant
	log     *slog.Logger
	pages   pages
	static  staticFiles
	limiter *limiter
	// hashSlots bounds concurrent sign-ins: each costs an argon2id hash of 19 MiB.
	hashSlots chan struct{}
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
		issuer:    cfg.Issuer,
		secure:    strings.HasPrefix(cfg.Issuer, "https://"),
		tenant:    cfg.Tenant,
		log:       log,
		pages:     mustParsePages(static.url),
		static:    static,
		limiter:   newLimiter(maxSignInFailures, signInWindow, now),
		hashSlots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
		cop:       http.NewCrossOriginProtection(),
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
func (h *Handler) home(w http.ResponseWriter, r *http.Request, _ tenant.AdminSession) error {
	http.Redirect(w, r, "/dashboard/applications", http.StatusSeeOther)
	return nil
}
