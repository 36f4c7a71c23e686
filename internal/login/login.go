// Package login signs people in: GET /authorize (the OAuth 2.0 authorization code flow with PKCE, in
// the context of an organization), the login pages under /u/ (log in, sign up, the organization prompt
// and picker, invitations), the login session, and logout. It is a face of tenant, as mgmt and the
// dashboard are; the tokens themselves are issued by oauth's authorization_code and refresh_token
// grants, as policy.DecideUser decides.
package login

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/authlimit"
	"github.com/orgauth/orgauth/internal/tenant"
)

// Tenant is what the login flow needs of the tenant (tenant.Service).
type Tenant interface {
	Organization(ctx context.Context, id string) (tenant.Organization, error)
	LoginConnection(ctx context.Context, clientID, orgID string) (tenant.LoginConnection, error)
	Authenticate(ctx context.Context, conn tenant.LoginConnection, email, password string) (tenant.User, error)
	SignUp(ctx context.Context, conn tenant.LoginConnection, email, password string, signupAllowed bool) (tenant.User, error)
	EnsureMember(ctx context.Context, orgID, userID string, conn tenant.LoginConnection) error
	IsMember(ctx context.Context, orgID, userID string) (bool, error)
	UserOrganizations(ctx context.Context, userID string, limit int) ([]tenant.Organization, error)
	InvitationByTicket(ctx context.Context, ticket string) (tenant.Invitation, error)
	AcceptInvitation(ctx context.Context, inv tenant.Invitation, userID string) error
	StartSession(ctx context.Context, u tenant.User, connectionID string) (tenant.LoginSession, error)
	Session(ctx context.Context, token string) (tenant.LoginSession, error)
	EndSession(ctx context.Context, token string) error
	BeginLogin(ctx context.Context, browserSecret string, data []byte) (string, error)
	Login(ctx context.Context, id, browserSecret string) ([]byte, error)
	UpdateLogin(ctx context.Context, id string, data []byte) error
	EndLogin(ctx context.Context, id string) error
	IssueCode(ctx context.Context, c tenant.AuthorizationCode) (string, error)
}

// Config is what New needs. Issuer, Tenant and Snapshot are required.
type Config struct {
	Issuer string // the public base URL, with a trailing slash
	Tenant Tenant
	// Snapshot returns the tenant's current state (tenant.Directory.Snapshot): applications, APIs,
	// organizations by id and name, settings.
	Snapshot func(ctx context.Context) (*tenant.Snapshot, error)
	// ReadIDTokenHint verifies an id_token_hint's signature (keys.Manager); nil refuses every hint.
	ReadIDTokenHint func(token string) (IDTokenHint, error)
	Logger          *slog.Logger     // nil discards
	Now             func() time.Time // nil: time.Now
}

// Handler serves the login flow.
type Handler struct {
	issuer     string // the iss of every authorization response
	tenant     Tenant
	snapshot   func(ctx context.Context) (*tenant.Snapshot, error)
	log        *slog.Logger
	now        func() time.Time
	pages      pages
	tenantName string // the name on pages no organization brands
	secure     bool   // the issuer is https: cookies are Secure and __Host- prefixed
	cop        *http.CrossOriginProtection
	limiter    *authlimit.Limiter
	readHint   func(token string) (IDTokenHint, error)
}

// The limits of failed logins (SPEC-users §11): 10 in a row for one account from one address block that
// address for that account for 15 minutes; 100 from one address in an hour block it for an hour.
func newLimiter(now func() time.Time) *authlimit.Limiter {
	return authlimit.New(authlimit.Options{PairFree: 10, PairLock: 10, PairLockFor: 15 * time.Minute,
		SourceLock: 100, SourceLockFor: time.Hour, Now: now})
}

// New builds a Handler. It panics when a required field is missing, as that is a wiring mistake.
func New(cfg Config) *Handler {
	if !strings.HasSuffix(cfg.Issuer, "/") || cfg.Tenant == nil || cfg.Snapshot == nil {
		panic("login.New: Issuer (with a trailing slash), Tenant and Snapshot are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	u, err := url.Parse(cfg.Issuer)
	if err != nil {
		panic("login.New: " + err.Error())
	}
	h := &Handler{issuer: cfg.Issuer, tenant: cfg.Tenant, snapshot: cfg.Snapshot, log: cfg.Logger, now: cfg.Now,
		pages: mustParsePages(), tenantName: u.Hostname(), secure: u.Scheme == "https",
		cop: http.NewCrossOriginProtection(), limiter: newLimiter(cfg.Now), readHint: cfg.ReadIDTokenHint}
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.message(w, r, http.StatusForbidden, "Something went wrong", "This form did not come from this site. Go back to the application and log in again.")
	}))
	return h
}

// Mount registers the endpoints on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /authorize", h.authorize)
	mux.Handle("GET /u/login", h.pageHandler(h.loginPage))
	mux.Handle("POST /u/login", h.protect(h.pageHandler(h.loginSubmit)))
	mux.Handle("GET /u/signup", h.pageHandler(h.signupPage))
	mux.Handle("POST /u/signup", h.protect(h.pageHandler(h.signupSubmit)))
	mux.Handle("GET /u/organization", h.pageHandler(h.organizationPage))
	mux.Handle("POST /u/organization", h.protect(h.pageHandler(h.organizationSubmit)))
	mux.Handle("POST /u/organization-picker", h.protect(h.pageHandler(h.pickerSubmit)))
	mux.HandleFunc("GET /v2/logout", h.logout)
	// RP-initiated logout: the relying party may post from its own origin, so no cross-origin check
	// here; the confirmation page posts to /u/logout, which has one.
	mux.HandleFunc("GET /oidc/logout", h.oidcLogout)
	mux.HandleFunc("POST /oidc/logout", h.oidcLogout)
	mux.Handle("POST /u/logout", h.protect(http.HandlerFunc(h.oidcLogout)))
	mux.HandleFunc("GET /u/static/login.css", h.stylesheet)
}

// protect refuses cross-origin form posts (by Sec-Fetch-Site and Origin) and bounds the body.
func (h *Handler) protect(next http.Handler) http.Handler {
	guarded := h.cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		guarded.ServeHTTP(w, r)
	})
}

// Cookie names; over https they get the __Host- prefix, so that no subdomain can set or shadow them.
const (
	sessionCookie     = "orgauth_session"     // the login session's id
	transactionCookie = "orgauth_transaction" // the browser's secret, which binds its logins in progress
)

func (h *Handler) cookieName(name string) string {
	if h.secure {
		return "__Host-" + name
	}
	return name
}

// setCookie sets an HttpOnly, SameSite=Lax cookie on the whole site; Secure over https. maxAge < 0
// deletes it.
func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) cookie(r *http.Request, name string) string {
	if c, err := r.Cookie(h.cookieName(name)); err == nil {
		return c.Value
	}
	return ""
}

// browserSecret returns the secret that binds this browser's logins in progress, making one when the
// browser has none; the cookie lasts as long as a login may.
func (h *Handler) browserSecret(w http.ResponseWriter, r *http.Request) string {
	secret := h.cookie(r, transactionCookie)
	if len(secret) != 26 {
		secret = rand.Text()
	}
	h.setCookie(w, transactionCookie, secret, int(tenant.LoginTransactionLifetime/time.Second))
	return secret
}

// clientAddress is the address a request came from, for the login limits.
func clientAddress(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a
}

func (h *Handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	b, err := files.ReadFile("static/login.css")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}
