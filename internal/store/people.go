package store

import (
	"encoding/json"
	"log/slog"
	"time"
)

// The people half of the tenant (SPEC-users §7-§10): connections and their users, organization members
// and roles, organization connections and invitations. None of it is in the token endpoint's snapshot,
// so its writes record no Change (they do bump the version).

// Connection strategies.
const (
	StrategyAuth0 = "auth0" // the database connection: users with passwords
	StrategyOIDC  = "oidc"
	StrategySAMLP = "samlp"
)

// Connection is where users authenticate.
type Connection struct {
	ID                 string // con_ + 16 letters/digits
	Name               string // unique; immutable
	DisplayName        string
	Strategy           string // StrategyAuth0, StrategyOIDC or StrategySAMLP; immutable
	Options            json.RawMessage
	ShowAsButton       bool
	Realms             []string
	Metadata           map[string]string
	IsDomainConnection bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// ConnectionFilter narrows ListConnections; zero fields match all.
type ConnectionFilter struct {
	Strategies []string // any of them
	Name       string   // exactly
}

// User is a person, one identity of one connection.
type User struct {
	ID            string // auth0|<24 hex>, oidc|<connection name>|<sub>, ...
	ConnectionID  string // immutable
	Email         string // stored in lowercase; unique per connection unless empty
	EmailVerified bool
	Name          string // "" is unset, as for the fields below
	GivenName     string
	FamilyName    string
	Nickname      string
	Picture       string
	Blocked       *bool // nil until it has been set
	AppMetadata   map[string]json.RawMessage
	UserMetadata  map[string]json.RawMessage
	PasswordHash  string // PHC string; "" for users of other connections than the database
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// LastLogin and LoginsCount change through RecordUserLogin; zero: never logged in.
	LastLogin         time.Time
	LastPasswordReset time.Time // zero: never reset
	LoginsCount       int
}

// LogValue keeps the password hash and the profile out of logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user_id", u.ID), slog.String("connection_id", u.ConnectionID))
}

// UserFilter narrows ListUsers; zero fields match all.
type UserFilter struct {
	Email        string // compared in lowercase
	ConnectionID string
}

// Member is a user in an organization, with the time they joined it.
type Member struct {
	User     User
	JoinedAt time.Time
}

// UserOrganization is an organization a user is a member of, with the time they joined it.
type UserOrganization struct {
	Organization Organization
	JoinedAt     time.Time
}

// Role is a named set of permissions, assigned to users in the tenant or as members of organizations.
type Role struct {
	ID          string // rol_ + 16 letters/digits
	Name        string // unique
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Permission is a scope of an API that a role grants.
type Permission struct {
	ResourceServerIdentifier string
	PermissionName           string
}

// OrganizationConnection is a connection enabled for an organization.
type OrganizationConnection struct {
	OrganizationID          string
	ConnectionID            string
	AssignMembershipOnLogin bool
	ShowAsButton            bool
	IsSignupEnabled         bool
}

// Invitation invites a person, by email, to join an organization.
type Invitation struct {
	ID                  string // uinv_ + 16 letters/digits
	OrganizationID      string
	InviterName         string
	InviteeEmail        string // stored in lowercase
	ClientID            string
	ConnectionID        string   // "": any of the organization's connections
	Roles               []string // role ids, in the order given; a deleted role leaves them
	AppMetadata         map[string]json.RawMessage
	UserMetadata        map[string]json.RawMessage
	TicketID            string // 32 letters/digits, unique
	SendInvitationEmail bool
	CreatedAt           time.Time
	ExpiresAt           time.Time
}

// LogValue keeps the ticket, which accepts the invitation, out of logs.
func (i Invitation) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", i.ID), slog.String("organization_id", i.OrganizationID))
}
