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
	"fmt"
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
	// ErrReused: a single-use secret (an authorization code, a rotated refresh token) was presented
	// again. The store has revoked what it issued (see RedeemAuthorizationCode, RotateRefreshToken).
	ErrReused = errors.New("reused")
)

// ReuseError is the error of RotateRefreshToken for a token that was already used: the store has
// revoked its whole family. Its fields are what the log of the reuse says (details of ferrt). It
// matches ErrReused.
type ReuseError struct {
	FamilyID      string
	LatestCounter int // the counter of the family's current token
	TokenCounter  int // the counter of the token presented
}

func (e *ReuseError) Error() string {
	return fmt.Sprintf("refresh token %d of family %s reused (latest %d): family revoked", e.TokenCounter, e.FamilyID, e.LatestCounter)
}

// Unwrap makes a ReuseError match ErrReused.
func (e *ReuseError) Unwrap() error { return ErrReused }

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
	// EnforcePolicies: a user's granted scopes are those asked for that the user's permissions allow
	// (RBAC); off, the scopes asked for that the API defines.
	EnforcePolicies bool
	TokenDialect    string // access_token or access_token_authz (adds the permissions claim)
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Token dialects of a resource server.
const (
	DialectAccessToken      = "access_token"
	DialectAccessTokenAuthz = "access_token_authz"
)

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

	// User flows (SPEC-users §10, §11).
	Callbacks                    []string // the redirect URIs /authorize accepts, compared exactly
	AllowedLogoutURLs            []string
	InitiateLoginURI             string
	OrganizationDiscoveryMethods []string // email, organization_name
	IDTokenLifetime              int      // seconds: jwt_configuration.lifetime_in_seconds
	RefreshToken                 RefreshTokenConfig

	CreatedAt time.Time
	UpdatedAt time.Time
}

// RefreshTokenConfig is a client's refresh_token configuration. Lifetimes are in seconds.
type RefreshTokenConfig struct {
	RotationType              string // rotating or non-rotating
	ExpirationType            string // expiring or non-expiring
	Leeway                    int    // how long the token before the current one may still be used
	TokenLifetime             int    // absolute, from the family's first token
	IdleTokenLifetime         int    // from the current token's issue
	InfiniteTokenLifetime     bool
	InfiniteIdleTokenLifetime bool
}

// DefaultRefreshTokenConfig is the configuration of a client that sets none (SPEC-users §11's secure
// defaults); migration 0005 gave it to the clients that existed before.
func DefaultRefreshTokenConfig() RefreshTokenConfig {
	return RefreshTokenConfig{
		RotationType:      "rotating",
		ExpirationType:    "expiring",
		TokenLifetime:     2592000,
		IdleTokenLifetime: 1296000,
	}
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
	DefaultRedirectionURI                    string // the invitation URL's base when the client has no initiate_login_uri
	AllowedLogoutURLs                        []string
	SessionLifetime                          int // hours: a login session's absolute lifetime (168 in a new store)
	IdleSessionLifetime                      int // hours: a login session's lifetime without activity (72 in a new store)
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
	// DeleteResourceServer also deletes its client grants and their organization associations, and
	// removes its permissions from roles.
	DeleteResourceServer(ctx context.Context, id string) error

	CreateClient(ctx context.Context, c Client) error // ErrNotFound: default organization missing
	GetClient(ctx context.Context, clientID string) (Client, error)
	ListClients(ctx context.Context, p Page) (List[Client], error)
	UpdateClient(ctx context.Context, clientID string, fn func(*Client) error) (Client, error)
	// DeleteClient also deletes its client grants and their organization associations, its credentials,
	// its invitations, authorization codes and refresh tokens, and its place among connections' clients.
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
	// DeleteOrganization also deletes its associations, its members and their roles in it, its
	// connection entries, its invitations, and the authorization codes and refresh tokens issued with
	// it, and clears every client's default organization that pointed at it.
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
	// EachOrganizationClientGrant calls fn with every association (organization id, grant id), in one
	// read, stopping at fn's first error: what a reader loading the whole tenant needs, without the
	// records.
	EachOrganizationClientGrant(ctx context.Context, fn func(orgID, grantID string) error) error

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

	// Connections. DeleteConnection also deletes the connection's users (with everything that goes with
	// a user: see DeleteUser), its organization entries, its invitations and its enabled clients.

	// CreateConnection stores c, enabled for the clients named. ErrConflict: id or name taken;
	// ErrNotFound: a client does not exist (nothing is stored).
	CreateConnection(ctx context.Context, c Connection, enabledClients []string) error
	GetConnection(ctx context.Context, id string) (Connection, error)
	GetConnectionByName(ctx context.Context, name string) (Connection, error)
	ListConnections(ctx context.Context, f ConnectionFilter, p Page) (List[Connection], error)
	// UpdateConnection keeps the id, name, strategy and creation time whatever fn does.
	UpdateConnection(ctx context.Context, id string, fn func(*Connection) error) (Connection, error)
	DeleteConnection(ctx context.Context, id string) error
	// UpdateConnectionClients enables the connection for the clients of enable and disables it for those
	// of disable, together. ErrNotFound: the connection or a client to enable does not exist (nothing
	// changes); a client to disable that does not exist or is not enabled is no error.
	UpdateConnectionClients(ctx context.Context, id string, enable, disable []string) error
	// ListConnectionClients lists the ids of the clients a connection is enabled for, in the clients'
	// creation order. ErrNotFound: no such connection.
	ListConnectionClients(ctx context.Context, id string, p Page) (List[string], error)
	// ListClientConnections lists the connections enabled for a client, in creation order.
	// ErrNotFound: no such client.
	ListClientConnections(ctx context.Context, clientID string, p Page) (List[Connection], error)

	// Users. Emails are stored, and compared, in lowercase.

	// CreateUser: ErrConflict when the id is taken or the connection has a user with the email;
	// ErrNotFound when the connection does not exist.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByEmail(ctx context.Context, connectionID, email string) (User, error)
	// ListUsersByEmail lists the users with the email, of every connection, in creation order.
	ListUsersByEmail(ctx context.Context, email string) ([]User, error)
	ListUsers(ctx context.Context, f UserFilter, p Page) (List[User], error)
	// SearchUsers lists the users that q selects, in its order (offset paging; a checkpoint page is
	// ErrInvalidCursor when q sorts).
	SearchUsers(ctx context.Context, q UserSearch, p Page) (List[User], error)
	// UpdateUser keeps the id, connection and creation time whatever fn does. ErrConflict: fn gives the
	// user an email another user of the connection has.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (User, error)
	// DeleteUser also deletes the user's memberships, member roles, tenant roles, login sessions,
	// authorization codes and refresh tokens.
	DeleteUser(ctx context.Context, id string) error
	// RecordUserLogin sets the user's last login to at and adds one to its logins count, atomically,
	// without bumping the version (see LoginSession).
	RecordUserLogin(ctx context.Context, id string, at time.Time) error

	// Organization members, in join order.

	// AddOrganizationMembers makes the users members of the organization, joined at joinedAt, and
	// returns those who were not members yet (existing members are left as they are). ErrNotFound: the
	// organization or a user does not exist (no one is added).
	AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string, joinedAt time.Time) (added []string, err error)
	// RemoveOrganizationMembers removes the users from the organization together with their roles in it,
	// and revokes (at now) their refresh tokens issued with the organization. A user who is not a member,
	// or does not exist, is no error; ErrNotFound: the organization does not exist.
	RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string, now time.Time) error
	// ListOrganizationMembers: ErrNotFound when the organization does not exist.
	ListOrganizationMembers(ctx context.Context, orgID string, p Page) (List[Member], error)
	// ListUserOrganizations: ErrNotFound when the user does not exist.
	ListUserOrganizations(ctx context.Context, userID string, p Page) (List[UserOrganization], error)
	// IsOrganizationMember: unknown organizations and users are simply not members.
	IsOrganizationMember(ctx context.Context, orgID, userID string) (bool, error)

	// Roles. DeleteRole removes the role everywhere: tenant roles, member roles, invitations.

	CreateRole(ctx context.Context, r Role) error // ErrConflict: id or name taken
	GetRole(ctx context.Context, id string) (Role, error)
	// ListRoles lists the roles whose name contains nameFilter, ignoring case ("" matches all), in
	// creation order.
	ListRoles(ctx context.Context, nameFilter string, p Page) (List[Role], error)
	// UpdateRole keeps the id and creation time whatever fn does; ErrConflict: the new name is taken.
	UpdateRole(ctx context.Context, id string, fn func(*Role) error) (Role, error)
	DeleteRole(ctx context.Context, id string) error

	// AddRolePermissions adds permissions to a role (those it has already are left as they are). check
	// runs inside the transaction with the number of permissions the role would then have; its error
	// aborts. ErrNotFound: the role or an API does not exist (nothing is added).
	AddRolePermissions(ctx context.Context, roleID string, perms []Permission, check func(count int) error) error
	// RemoveRolePermissions: a permission the role does not have is no error; ErrNotFound: no such role.
	RemoveRolePermissions(ctx context.Context, roleID string, perms []Permission) error
	// ListRolePermissions lists a role's permissions in the order they were added; ErrNotFound: no such role.
	ListRolePermissions(ctx context.Context, roleID string, p Page) (List[Permission], error)

	// AssignUserRoles gives a user tenant roles (those it has already are left as they are). check runs
	// inside the transaction with the number of tenant roles the user would then have; its error aborts.
	// ErrNotFound: the user or a role does not exist (nothing is assigned).
	AssignUserRoles(ctx context.Context, userID string, roleIDs []string, check func(count int) error) error
	// RemoveUserRoles: a role the user does not have is no error; ErrNotFound: no such user.
	RemoveUserRoles(ctx context.Context, userID string, roleIDs []string) error
	// ListUserRoles lists a user's tenant roles in the roles' creation order; ErrNotFound: no such user.
	ListUserRoles(ctx context.Context, userID string, p Page) (List[Role], error)

	// AssignMemberRoles gives a user roles in an organization, member or not yet (they count only once
	// the user is a member). check runs inside the transaction with the number of roles the user would
	// then have there; its error aborts. ErrNotFound: the organization, the user or a role does not exist.
	AssignMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string, check func(count int) error) error
	// RemoveMemberRoles: a role the user does not have there is no error; ErrNotFound: no such
	// organization or user.
	RemoveMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string) error
	// ListMemberRoles lists a user's roles in an organization in the roles' creation order;
	// ErrNotFound: no such organization or user.
	ListMemberRoles(ctx context.Context, orgID, userID string, p Page) (List[Role], error)

	// UserPermissions returns, sorted and without duplicates, the permissions for the API audience of
	// the roles the user holds as a member of the organization orgID (none when not a member), or, when
	// orgID is "", of the user's tenant roles. Unknown users, organizations and APIs have none.
	UserPermissions(ctx context.Context, userID, orgID, audience string) ([]string, error)

	// Organization connections, in the connections' creation order.

	// AddOrganizationConnection enables a connection for an organization. check runs inside the
	// transaction with the number of connections the organization would then have; its error aborts.
	// ErrNotFound: the organization or the connection does not exist; ErrConflict: already enabled.
	AddOrganizationConnection(ctx context.Context, oc OrganizationConnection, check func(count int) error) error
	GetOrganizationConnection(ctx context.Context, orgID, connectionID string) (OrganizationConnection, error)
	// UpdateOrganizationConnection keeps the organization and the connection whatever fn does.
	UpdateOrganizationConnection(ctx context.Context, orgID, connectionID string, fn func(*OrganizationConnection) error) (OrganizationConnection, error)
	// RemoveOrganizationConnection: ErrNotFound when the connection is not enabled for the organization.
	RemoveOrganizationConnection(ctx context.Context, orgID, connectionID string) error
	// ListOrganizationConnections: ErrNotFound when the organization does not exist.
	ListOrganizationConnections(ctx context.Context, orgID string, p Page) (List[OrganizationConnection], error)
	// ListConnectionOrganizations lists the organizations a connection is enabled for, in their creation
	// order; ErrNotFound when the connection does not exist.
	ListConnectionOrganizations(ctx context.Context, connectionID string, p Page) (List[OrganizationConnection], error)

	// Invitations.

	// CreateInvitation stores inv; with replace, it first deletes the organization's invitations for the
	// same email, in the same transaction. ErrNotFound: the organization, the client, the connection or a
	// role does not exist; ErrConflict: id or ticket taken.
	CreateInvitation(ctx context.Context, inv Invitation, replace bool) error
	// GetInvitation finds an invitation of an organization; another organization's is ErrNotFound.
	GetInvitation(ctx context.Context, orgID, id string) (Invitation, error)
	GetInvitationByTicket(ctx context.Context, ticketID string) (Invitation, error)
	// ListInvitations lists an organization's invitations by creation time, the newest first unless
	// oldestFirst (offset paging only: a checkpoint page is ErrInvalidCursor). ErrNotFound: no such
	// organization.
	ListInvitations(ctx context.Context, orgID string, oldestFirst bool, p Page) (List[Invitation], error)
	// DeleteInvitation: ErrNotFound when the organization has no such invitation.
	DeleteInvitation(ctx context.Context, orgID, id string) error
	// DeleteExpiredInvitations deletes the invitations that expired before cutoff.
	DeleteExpiredInvitations(ctx context.Context, cutoff time.Time) error
	// AcceptInvitation accepts an invitation of an organization for a user, in one transaction: the
	// user becomes a member (joined at now) if not one already, gets the invitation's roles in the
	// organization and a verified email, and the invitation is deleted. It returns the invitation.
	// ErrNotFound: no such invitation of the organization, expired at now, or no such user (nothing
	// changes); concurrent acceptances of one invitation: one succeeds.
	AcceptInvitation(ctx context.Context, orgID, id, userID string, now time.Time) (Invitation, error)

	// Login transactions (no version bump).

	// CreateLoginTransaction: ErrConflict when the hash is taken.
	CreateLoginTransaction(ctx context.Context, t LoginTransaction) error
	// GetLoginTransaction finds a transaction that has not expired at now.
	GetLoginTransaction(ctx context.Context, idHash []byte, now time.Time) (LoginTransaction, error)
	// UpdateLoginTransaction replaces a live transaction's data; ErrNotFound when none has the hash.
	UpdateLoginTransaction(ctx context.Context, idHash, data []byte, now time.Time) error
	// DeleteLoginTransaction: deleting one that does not exist is no error.
	DeleteLoginTransaction(ctx context.Context, idHash []byte) error
	// DeleteExpiredLoginTransactions deletes the transactions that expired before now.
	DeleteExpiredLoginTransactions(ctx context.Context, now time.Time) error

	// Login sessions (see LoginSession: no version bump).

	// CreateLoginSession: ErrNotFound when the user does not exist; ErrConflict when the hash is taken.
	CreateLoginSession(ctx context.Context, s LoginSession) error
	// GetLoginSession finds a session that has not expired at now (absolutely or idly).
	GetLoginSession(ctx context.Context, idHash []byte, now time.Time) (LoginSession, error)
	// TouchLoginSession sets a live session's last seen time to now and its idle expiry to
	// idleExpiresAt; ErrNotFound when no live session has the hash.
	TouchLoginSession(ctx context.Context, idHash []byte, now, idleExpiresAt time.Time) error
	// DeleteLoginSession: deleting one that does not exist is no error.
	DeleteLoginSession(ctx context.Context, idHash []byte) error
	DeleteUserLoginSessions(ctx context.Context, userID string) error
	// DeleteExpiredLoginSessions deletes the sessions GetLoginSession no longer returns at now.
	DeleteExpiredLoginSessions(ctx context.Context, now time.Time) error

	// Authorization codes (no version bump).

	// CreateAuthorizationCode: ErrNotFound when the client, the user or the organization does not
	// exist; ErrConflict when the hash is taken.
	CreateAuthorizationCode(ctx context.Context, c AuthorizationCode) error
	// RedeemAuthorizationCode redeems a code once, atomically. The first redemption before the code
	// expires marks it used at now with familyID, the refresh-token family it may issue, and returns it.
	// A later one (expired or not) returns the code with an error matching ErrReused, having revoked
	// the family the first recorded: a refresh token already issued in it stops working, and
	// CreateRefreshToken refuses to start it (ErrConflict). ErrNotFound: unknown, or expired unused.
	RedeemAuthorizationCode(ctx context.Context, codeHash []byte, now time.Time, familyID string) (AuthorizationCode, error)
	// DeleteExpiredAuthorizationCodes deletes the codes that expired before cutoff.
	DeleteExpiredAuthorizationCodes(ctx context.Context, cutoff time.Time) error

	// Refresh tokens (no version bump).

	// CreateRefreshToken starts the family t.FamilyID with t as its token 0 (t.Counter, Used and
	// RevokedAt are ignored). ErrConflict: the family exists (or was revoked by a code's reuse) or the
	// hash is taken; ErrNotFound: the client, the user or the organization does not exist.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// GetRefreshToken finds a token whatever its state (used, revoked, expired: see its fields).
	GetRefreshToken(ctx context.Context, tokenHash []byte) (RefreshToken, error)
	// RotateRefreshToken uses a refresh token, atomically, and returns it as it was presented.
	//   - The current token of a live family: with u.NextHash, the token is used and NextHash becomes the
	//     current one (counter + 1, same family and absolute expiry); without, the token stays current.
	//     Either way the family's idle expiry becomes u.IdleExpiresAt.
	//   - The token just before the current one, less than u.Leeway after its rotation: as above, in
	//     place of the current one (which the client never got), which is used.
	//   - Any other used token: the whole family is revoked, and the error is a *ReuseError.
	//   - Unknown, revoked, or expired at u.Now (absolutely, or idly for the current token): ErrNotFound.
	RotateRefreshToken(ctx context.Context, u RefreshTokenUse) (RefreshToken, error)
	// RevokeRefreshTokenFamily revokes a family at now; an unknown or revoked family is no error.
	RevokeRefreshTokenFamily(ctx context.Context, familyID string, now time.Time) error
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error
	// RevokeUserOrganizationRefreshTokens revokes the user's refresh tokens issued with the organization.
	RevokeUserOrganizationRefreshTokens(ctx context.Context, userID, orgID string, now time.Time) error
	// DeleteExpiredRefreshTokens deletes the families that expired (absolutely, or idly) or were revoked
	// before cutoff, with their tokens.
	DeleteExpiredRefreshTokens(ctx context.Context, cutoff time.Time) error

	// Version grows with every committed write (sessions, login sessions, codes, refresh tokens and
	// RecordUserLogin aside), by any process sharing the store; it is bumped inside the writing
	// transaction, so whoever reads a new version also reads the data written with it.
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
