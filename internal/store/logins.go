package store

import (
	"log/slog"
	"time"
)

// What a person's login leaves behind (SPEC-users §11): login sessions, authorization codes and refresh
// tokens. Only SHA-256 hashes of their secrets are stored; the caller hashes. They are written often
// and concern one user, so their writes neither bump the tenant version nor notify other instances
// (as the dashboard's sessions); neither does RecordUserLogin.

// LoginSession is a person's session at orgauth, held by the browser as a random id. It is not tied
// to an organization.
type LoginSession struct {
	IDHash        []byte // SHA-256 of the cookie's id
	UserID        string
	ConnectionID  string // the connection the user authenticated with
	AuthTime      time.Time
	LastSeen      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time // absolute: created_at + session_lifetime
	IdleExpiresAt time.Time // last_seen + idle_session_lifetime; TouchLoginSession moves it
}

// LogValue keeps the session's hash out of logs.
func (s LoginSession) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user_id", s.UserID))
}

// AuthorizationCode is what /authorize issued, to be redeemed once at the token endpoint.
type AuthorizationCode struct {
	CodeHash            []byte // SHA-256 of the code
	ClientID            string
	RedirectURI         string
	CodeChallenge       string // "" when none was sent
	CodeChallengeMethod string // S256, or ""
	UserID              string
	SessionIDHash       []byte // the login session it was issued in; nil for none
	OrganizationID      string // "" for none
	Audience            string // "" for none
	Scopes              []string
	Nonce               string
	AuthTime            time.Time
	CreatedAt           time.Time
	ExpiresAt           time.Time
	// Set by the first redemption: when, and the refresh-token family it may issue.
	UsedAt   time.Time
	FamilyID string
}

// LogValue keeps the code's hash out of logs.
func (c AuthorizationCode) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", c.ClientID), slog.String("user_id", c.UserID))
}

// RefreshToken is one token of a family: the tokens that rotation issued one after the other from one
// grant (one redeemed code). The family's fields are shared by its tokens; the current token is the
// latest, the others have been used.
type RefreshToken struct {
	TokenHash      []byte // SHA-256 of the token
	FamilyID       string
	Counter        int // 0 for the family's first token, then one more per rotation
	ClientID       string
	UserID         string
	OrganizationID string // "" for none
	Audience       string // "" for none
	Scopes         []string
	SessionIDHash  []byte    // the login session the grant was made in; nil for none
	CreatedAt      time.Time // of this token
	ExpiresAt      time.Time // the family's absolute expiry; zero: never
	IdleExpiresAt  time.Time // the current token's idle expiry; zero: never
	// Read only: Used when a later token of the family exists; RevokedAt when the family was revoked.
	Used      bool
	RevokedAt time.Time
}

// LogValue keeps the token's hash out of logs.
func (t RefreshToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("family_id", t.FamilyID), slog.Int("counter", t.Counter),
		slog.String("client_id", t.ClientID), slog.String("user_id", t.UserID))
}

// RefreshTokenUse is one use of a refresh token (RotateRefreshToken).
type RefreshTokenUse struct {
	TokenHash []byte // the token presented
	// NextHash is the hash of the token that replaces it (rotating clients); nil keeps the token
	// (non-rotating clients).
	NextHash      []byte
	Now           time.Time
	IdleExpiresAt time.Time     // the idle expiry from now on; zero: never
	Leeway        time.Duration // how long after its rotation the token before the current one may be used again
}

// LoginTransaction is a person's login in progress, from /authorize to the code (at most ten minutes).
// Data is the login flow's own encoding of what it carries; the store keeps it as it is.
type LoginTransaction struct {
	IDHash      []byte // SHA-256 of the id the login pages carry
	BrowserHash []byte // SHA-256 of the secret of the browser that started it (its transaction cookie)
	Data        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}
