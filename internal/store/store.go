// Package store defines orgauth's persistent entities and the Store interface that every backend
// (SQLite, PostgreSQL) implements. Entities carry no JSON tags: the wire shapes live in mgmt and oauth,
// so a storage change never changes the API by accident.
//
// The store enforces integrity (unique names, foreign keys, cascades); the tenant package owns the rules
// (validation, limits) and passes the ones that must run inside a transaction as check functions.
package store

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Sentinel errors. Backends wrap them with context; callers compare with errors.Is.
var (
	// ErrNotFound: the entity (or one it references) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint would be violated (duplicate name, identifier, grant, association).
	ErrConflict = errors.New("conflict")
	// ErrInvalidCursor: a checkpoint paging cursor that this store did not produce.
	ErrInvalidCursor = errors.New("invalid paging cursor")
	// ErrChangesGone: the changes asked for are no longer all recorded (Store.Changes).
	ErrChangesGone = errors.New("changes no longer recorded")
	// ErrUnavailable: the database cannot be reached (connection refused or lost); the request may
	// succeed later. Callers answer 503.
	ErrUnavailable = errors.New("store unavailable")
)

// Organization usage values of a client grant. The empty string means "unset" and behaves as UsageDeny.
const (
	UsageDeny    = "deny"
	UsageAllow   = "allow"
	UsageRequire = "require"
)

// ResourceServer is an API: its Identifier is the access token audience.
type ResourceServer struct {
	ID                 string // 24 hex characters
	Identifier         string // the audience; immutable
	Name               string
	Scopes             []Scope
	SigningAlg         string // RS256, PS256 or ES256
	TokenLifetime      int    // seconds
	AllowOfflineAccess bool
	IsSystem           bool // the Management API: cannot be changed or deleted
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Scope is one permission an API defines.
type Scope struct {
	Value       string
	Description string
}

// Client is an application (an OAuth client).
type Client struct {
	ClientID                    string // 32 letters/digits
	Name                        string
	Description                 string
	AppType                     string // non_interactive, regular_web, spa, native
	GrantTypes                  []string
	TokenEndpointAuthMethod     string // client_secret_post, client_secret_basic, none
	SecretHash                  []byte // keyed hash of the client secret; the secret itself is never stored
	DefaultOrganization         *DefaultOrganization
	OrganizationUsage           string // for user flows (later issues)
	OrganizationRequireBehavior string // for user flows (later issues)
	// PrivateKeyJWTCredentials are the ids of the credentials that client_authentication_methods.
	// private_key_jwt references: the keys its assertions may be signed with. Nil: not configured.
	PrivateKeyJWTCredentials []string
	CreatedAt                time.Time
	UpdatedAt                time.Time
}

// ClientCredential is a public key with which a client signs the assertions of private_key_jwt client
// authentication. Only ExpiresAt may change after creation.
type ClientCredential struct {
	ID             string // cred_ + 16 letters/digits
	ClientID       string
	Name           string
	CredentialType string // public_key
	KID            string
	Alg            string    // RS256, RS384 or PS256
	PEM            string    // the public key or X.509 certificate as uploaded; never shown again
	ExpiresAt      time.Time // zero: does not expire
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// IsPublic reports whether the client is public (RFC 6749 §2.1): it cannot keep a credential, so it
// may not use the client-credentials grant. Auth0 makes spa and native applications, and any
// application whose token_endpoint_auth_method is none, public.
func (c Client) IsPublic() bool {
	return c.TokenEndpointAuthMethod == "none" || c.AppType == "spa" || c.AppType == "native"
}

// DefaultOrganization is the organization used when a request names none.
type DefaultOrganization struct {
	OrganizationID string
	Flows          []string // e.g. ["client_credentials"]
}

// ClientGrant permits one client to call one API through the client-credentials flow.
type ClientGrant struct {
	ID                   string // cgr_ + 16 letters/digits
	ClientID             string
	Audience             string // a ResourceServer.Identifier
	Scope                []string
	OrganizationUsage    string // "", deny, allow or require
	AllowAnyOrganization bool
	SubjectType          string // "client"
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Organization is one of the provider's business customers.
type Organization struct {
	ID          string // org_ + 16 letters/digits
	Name        string // unique, lowercase
	DisplayName string
	Branding    *Branding
	Metadata    map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Branding is an organization's look on hosted pages.
type Branding struct {
	LogoURL string
	Colors  *BrandingColors
}

// BrandingColors are hex colors such as "#0059d6".
type BrandingColors struct {
	Primary        string
	PageBackground string
}

// TenantSettings are the tenant-wide switches.
type TenantSettings struct {
	AllowOrganizationNameInAuthenticationAPI bool
}

// Signing key states. At any time each algorithm has at most one current key (signs new tokens) and one
// next key (already published, becomes current on rotation); previous keys stay published until RetiredAt
// plus the longest token lifetime has passed.
const (
	KeyNext     = "next"
	KeyCurrent  = "current"
	KeyPrevious = "previous"
)

// SigningKey is a private key used to sign access tokens.
type SigningKey struct {
	KID        string
	Alg        string // RS256, PS256 or ES256
	PrivateKey []byte // PKCS#8 DER sealed under the key-encryption key (package kek); plain DER in older stores
	State      string // KeyNext, KeyCurrent or KeyPrevious
	CreatedAt  time.Time
	RetiredAt  time.Time // zero unless State == KeyPrevious
}

// LogValue keeps the private key out of logs.
func (k SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.KID), slog.String("alg", k.Alg), slog.String("state", k.State))
}

// Admin is a tenant administrator who signs in to the dashboard.
type Admin struct {
	ID           string // adm_ + 16 letters/digits
	Email        string // unique, lowercase
	PasswordHash string // a self-describing encoded hash (e.g. argon2id in PHC format)
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// LogValue keeps the password hash out of logs.
func (a Admin) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID), slog.String("email", a.Email))
}

// Session is a signed-in dashboard session. Only a hash of the session's token is stored, so a copy
// of the store does not let anyone take over a session.
type Session struct {
	TokenHash []byte // SHA-256 of the cookie's token
	AdminID   string
	CSRFToken string // bound to the session; every form must send it back
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Page selects a page of a list. Offset paging uses Offset and Limit; checkpoint paging (Checkpoint true)
// uses From (a cursor returned as List.Next, "" for the first page) and Limit.
type Page struct {
	Offset     int
	Limit      int
	Checkpoint bool
	From       string
	WantTotal  bool // compute List.Total (offset paging only)
}

// List is one page of results. Items are in creation order.
type List[T any] struct {
	Items []T
	Total int    // set when Page.WantTotal
	Next  string // checkpoint paging: cursor of the next page, "" on the last page
}

// ClientGrantFilter narrows ListClientGrants and ListOrganizationClientGrants; zero fields match all.
type ClientGrantFilter struct {
	Audience             string
	ClientID             string
	AllowAnyOrganization *bool
	GrantIDs             []string
}

// Bootstrap is what a store with no Management API yet receives on first start: the Management API
// itself, the admin application and its grant, created together or not at all.
type Bootstrap struct {
	API    ResourceServer
	Client Client
	Grant  ClientGrant
}

// ChangeKind says what a write changed, for the readers that keep a copy of the tenant in memory
// (tenant.Directory): each kind names one entry of such a copy by its key.
type ChangeKind string

// The kinds of change. Every write records the entries it changes, cascades included, in its own
// transaction; the conformance suite checks that a copy kept by reading them again stays equal to one
// read whole.
const (
	ChangeSettings     ChangeKind = "settings"     // the tenant settings; Key is ""
	ChangeAPI          ChangeKind = "api"          // a resource server; Key is its id
	ChangeClient       ChangeKind = "client"       // a client, its credentials or its default organization; Key is the client id
	ChangeClientGrant  ChangeKind = "client_grant" // a client grant; Key is its id
	ChangeOrganization ChangeKind = "organization" // an organization or its associations; Key is its id
)

// Change is one entry a write changed, and the version that write committed.
type Change struct {
	Version int64
	Kind    ChangeKind
	Key     string
}

// ChangeSet is what Store.Changes returns.
type ChangeSet struct {
	Items   []Change
	Through int64 // the version the changes bring a reader to
}

// Store is the full set of persistence operations. Every method is safe for concurrent use.
// Update methods run fn on the current value inside a transaction and store what fn leaves, so
// read-modify-write never loses a concurrent update; an error from fn aborts the update and is returned.
type Store interface {
	// Bootstrap creates the Management API, admin client and grant atomically. When the store already
	// has a system API it creates nothing and returns false; if that API's identifier differs from
	// b.API.Identifier (the issuer changed), it moves the API and its grants to the new identifier.
	// When an ordinary resource server already has b.API.Identifier it changes nothing and returns an
	// error wrapping ErrConflict: the Management API is never confused with an API an admin created.
	Bootstrap(ctx context.Context, b Bootstrap) (created bool, err error)

	CreateResourceServer(ctx context.Context, rs ResourceServer) error // ErrConflict: identifier taken
	GetResourceServer(ctx context.Context, id string) (ResourceServer, error)
	GetResourceServerByIdentifier(ctx context.Context, identifier string) (ResourceServer, error)
	// GetSystemResourceServer returns the Management API (IsSystem); ErrNotFound before Bootstrap.
	GetSystemResourceServer(ctx context.Context) (ResourceServer, error)
	ListResourceServers(ctx context.Context, p Page) (List[ResourceServer], error)
	UpdateResourceServer(ctx context.Context, id string, fn func(*ResourceServer) error) (ResourceServer, error)
	// DeleteResourceServer also deletes its client grants and their organization associations.
	DeleteResourceServer(ctx context.Context, id string) error

	CreateClient(ctx context.Context, c Client) error // ErrNotFound: default organization missing
	GetClient(ctx context.Context, clientID string) (Client, error)
	ListClients(ctx context.Context, p Page) (List[Client], error)
	UpdateClient(ctx context.Context, clientID string, fn func(*Client) error) (Client, error)
	// DeleteClient also deletes its client grants and their organization associations, and its credentials.
	DeleteClient(ctx context.Context, clientID string) error

	// CreateClientWithCredentials creates c and its credentials together or not at all.
	CreateClientWithCredentials(ctx context.Context, c Client, creds []ClientCredential) error
	// CreateClientCredential adds a credential to its client. check runs inside the transaction with the
	// client's current number of credentials; its error aborts. ErrNotFound: client missing.
	CreateClientCredential(ctx context.Context, cred ClientCredential, check func(count int) error) error
	GetClientCredential(ctx context.Context, clientID, id string) (ClientCredential, error)
	// ListClientCredentials lists a client's credentials in creation order; ErrNotFound: client missing.
	ListClientCredentials(ctx context.Context, clientID string) ([]ClientCredential, error)
	UpdateClientCredential(ctx context.Context, clientID, id string, fn func(*ClientCredential) error) (ClientCredential, error)
	// DeleteClientCredential deletes a credential and removes it from its client's
	// PrivateKeyJWTCredentials (nil when it was the last). ErrNotFound: no such credential of that client.
	DeleteClientCredential(ctx context.Context, clientID, id string) error

	// CreateClientGrant: ErrConflict when the client already has a grant for the audience,
	// ErrNotFound when the client or the audience does not exist.
	CreateClientGrant(ctx context.Context, g ClientGrant) error
	GetClientGrant(ctx context.Context, id string) (ClientGrant, error)
	GetClientGrantByClientAudience(ctx context.Context, clientID, audience string) (ClientGrant, error)
	ListClientGrants(ctx context.Context, f ClientGrantFilter, p Page) (List[ClientGrant], error)
	UpdateClientGrant(ctx context.Context, id string, fn func(*ClientGrant) error) (ClientGrant, error)
	// DeleteClientGrant also deletes the grant's organization associations.
	DeleteClientGrant(ctx context.Context, id string) error

	CreateOrganization(ctx context.Context, o Organization) error // ErrConflict: name taken
	GetOrganization(ctx context.Context, id string) (Organization, error)
	GetOrganizationByName(ctx context.Context, name string) (Organization, error)
	ListOrganizations(ctx context.Context, p Page) (List[Organization], error)
	// SearchOrganizations lists the organizations whose name starts with namePrefix (compared byte by
	// byte; "" matches all), in creation order.
	SearchOrganizations(ctx context.Context, namePrefix string, p Page) (List[Organization], error)
	UpdateOrganization(ctx context.Context, id string, fn func(*Organization) error) (Organization, error)
	// DeleteOrganization also deletes its associations and clears every client's default organization
	// that pointed at it.
	DeleteOrganization(ctx context.Context, id string) error

	// AddOrganizationClientGrant associates a grant with an organization. check runs inside the
	// transaction with the grant and the organization's current number of associations; its error aborts.
	// ErrNotFound: organization or grant missing; ErrConflict: already associated.
	AddOrganizationClientGrant(ctx context.Context, orgID, grantID string, check func(g ClientGrant, count int) error) error
	// RemoveOrganizationClientGrant deletes the association; removing one that does not exist is no error.
	RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error
	HasOrganizationClientGrant(ctx context.Context, orgID, grantID string) (bool, error)
	// ListOrganizationClientGrants lists the grants associated with an organization.
	ListOrganizationClientGrants(ctx context.Context, orgID string, f ClientGrantFilter, p Page) (List[ClientGrant], error)
	// ListClientGrantOrganizations lists the organizations a grant is associated with.
	ListClientGrantOrganizations(ctx context.Context, grantID string, p Page) (List[Organization], error)

	GetTenantSettings(ctx context.Context) (TenantSettings, error)
	UpdateTenantSettings(ctx context.Context, fn func(*TenantSettings) error) (TenantSettings, error)

	// TenantSecret returns the secret stored under name, storing generated first when there is none;
	// concurrent callers all get the value that won.
	TenantSecret(ctx context.Context, name string, generated []byte) ([]byte, error)

	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// InsertSigningKey: ErrConflict when k is current or next and the algorithm already has a key in that state.
	InsertSigningKey(ctx context.Context, k SigningKey) error
	// RotateSigningKeys atomically, for alg: current -> previous (RetiredAt = now), next -> current,
	// newNext inserted as next. ErrNotFound when alg has no next key.
	RotateSigningKeys(ctx context.Context, alg string, newNext SigningKey, now time.Time) error
	// DeletePreviousSigningKeys deletes previous keys retired before t.
	DeletePreviousSigningKeys(ctx context.Context, retiredBefore time.Time) error
	// TrimPreviousSigningKeys keeps, for each algorithm, the keep most recently retired previous keys
	// and deletes the others.
	TrimPreviousSigningKeys(ctx context.Context, keep int) error
	// ResealSigningKeys runs reseal on every signing key inside one transaction and stores the private
	// key it returns in place of the old one (nil: unchanged); an error from reseal aborts, changing nothing.
	ResealSigningKeys(ctx context.Context, reseal func(SigningKey) ([]byte, error)) error

	// CreateAdmin: ErrConflict when the email is taken.
	CreateAdmin(ctx context.Context, a Admin) error
	GetAdmin(ctx context.Context, id string) (Admin, error)
	GetAdminByEmail(ctx context.Context, email string) (Admin, error)
	ListAdmins(ctx context.Context) ([]Admin, error)
	UpdateAdmin(ctx context.Context, id string, fn func(*Admin) error) (Admin, error)
	// DeleteAdmin also deletes the admin's sessions.
	DeleteAdmin(ctx context.Context, id string) error

	// CreateSession: ErrNotFound when the admin does not exist.
	CreateSession(ctx context.Context, s Session) error
	// GetSession finds a session by token hash; expired sessions are ErrNotFound.
	GetSession(ctx context.Context, tokenHash []byte, now time.Time) (Session, error)
	// DeleteSession deletes a session; deleting one that does not exist is no error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteExpiredSessions deletes sessions that expired before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) error

	// Version grows with every committed write (sessions aside), by any process sharing the store; it is
	// bumped inside the writing transaction, so whoever reads a new version also reads the data written
	// with it.
	Version(ctx context.Context) (int64, error)
	// WatchChanges calls onChange soon after another process sharing the store commits a write, until
	// ctx ends or the notification channel breaks; it returns the error that stopped it. A backend
	// without cross-process notifications blocks until ctx ends: callers poll Version as well.
	WatchChanges(ctx context.Context, onChange func()) error
	// Changes returns what the writes after version after changed, in version order, and the version
	// they bring a reader to: a reader holding the state of version after, that reads again every entry
	// the changes name, holds the state of Through (or later). ErrChangesGone when the store no longer
	// keeps all of them (they were pruned, or a version of orgauth that did not record them wrote), or
	// when more than limit versions were written since: the reader reads the whole tenant instead.
	Changes(ctx context.Context, after int64, limit int) (ChangeSet, error)
	// Committed returns the highest version committed through this Store value (0 before its first
	// write), without I/O: a reader that keeps a copy of the tenant knows when this process wrote.
	Committed() int64

	Close() error
}
