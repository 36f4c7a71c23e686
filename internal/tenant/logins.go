package tenant

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// The people's login operations (SPEC-users §9–§11): what the login flow and the token endpoint's
// authorization_code and refresh_token grants do with the store. The decisions about tokens are
// policy's; these operations find the facts and keep the records.

// The refusals of a login, shown on the login page or sent to the client as the flow says.
var (
	// ErrWrongCredentials is the one answer to an unknown email and a wrong password.
	ErrWrongCredentials = &Error{Kind: KindInvalid, Message: "Wrong email or password."}
	// ErrUserBlocked: the user may not log in.
	ErrUserBlocked = &Error{Kind: KindForbidden, Message: "user is blocked"}
	// ErrNotMember: the user is not a member of the login's organization, and the connection does not
	// make them one.
	ErrNotMember = &Error{Kind: KindForbidden, Message: "user is not a member of the organization"}
	// ErrNoLoginConnection: no database connection is enabled for the organization (or the client).
	ErrNoLoginConnection = &Error{Kind: KindNotFound, Message: "no connections enabled for the organization are visible"}
	// ErrSignupDisabled: the connection does not let people sign up here.
	ErrSignupDisabled = &Error{Kind: KindForbidden, Message: "Sign up is not enabled for this connection."}
	// ErrUserExists: a user of the connection has the email already.
	ErrUserExists = &Error{Kind: KindConflict, Message: "The user already exists."}
	// ErrLoginNotFound: an unknown, expired or used session, transaction, code or refresh token.
	ErrLoginNotFound = &Error{Kind: KindNotFound, Message: "not found or expired"}
	// ErrPasswordBusy: too many passwords are being hashed now; try again in a moment (429).
	ErrPasswordBusy = password.ErrBusy
)

// The lifetimes of what a login leaves behind.
const (
	// LoginTransactionLifetime bounds a login in progress, from /authorize to the code.
	LoginTransactionLifetime = 10 * time.Minute
	// CodeLifetime is an authorization code's.
	CodeLifetime = 60 * time.Second
)

// newLoginSecret returns 256 random bits in base64url: a session id, a transaction id, a code, a
// refresh token. Only its SHA-256 (loginHash) is stored.
func newLoginSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func loginHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LoginConnection is the database connection a login offers, as the organization (or the client)
// enables it.
type LoginConnection struct {
	Connection store.Connection
	Policy     password.Policy
	MinLength  int
	// SignupAllowed: the connection lets anyone sign up, or the organization's entry does.
	SignupAllowed bool
	// AssignMembership: the organization's entry makes the people who log in through it members.
	AssignMembership bool
}

// databaseOptions are the options of an auth0 connection that a login reads.
type databaseOptions struct {
	PasswordPolicy            password.Policy `json:"passwordPolicy"`
	PasswordComplexityOptions *struct {
		MinLength int `json:"min_length"`
	} `json:"password_complexity_options"`
	DisableSignup bool `json:"disable_signup"`
}

// newLoginConnection reads a database connection's options; entry is the organization's, or nil.
func newLoginConnection(c store.Connection, entry *store.OrganizationConnection) (LoginConnection, error) {
	var o databaseOptions
	if len(c.Options) > 0 {
		if err := json.Unmarshal(c.Options, &o); err != nil {
			return LoginConnection{}, fmt.Errorf("options of connection %s: %w", c.ID, err)
		}
	}
	lc := LoginConnection{Connection: c, Policy: o.PasswordPolicy, MinLength: password.DefaultMinLength, SignupAllowed: !o.DisableSignup}
	if lc.Policy == "" {
		lc.Policy = password.DefaultPolicy
	}
	if o.PasswordComplexityOptions != nil && o.PasswordComplexityOptions.MinLength > 0 {
		lc.MinLength = o.PasswordComplexityOptions.MinLength
	}
	if entry != nil {
		lc.AssignMembership = entry.AssignMembershipOnLogin
		lc.SignupAllowed = lc.SignupAllowed || entry.IsSignupEnabled
	}
	return lc, nil
}

// LoginConnection returns the database connection a login offers: with an organization, the one the
// organization enables (the client's own connections do not matter then); without, the one enabled for
// the client. ErrNoLoginConnection when there is none.
func (s *Service) LoginConnection(ctx context.Context, clientID, orgID string) (LoginConnection, error) {
	if orgID != "" {
		l, err := s.store.ListOrganizationConnections(ctx, orgID, store.Page{})
		if err != nil {
			return LoginConnection{}, storeError(err, ErrNoLoginConnection, nil, "organization connections")
		}
		for _, oc := range l.Items {
			c, err := s.store.GetConnection(ctx, oc.ConnectionID)
			if err != nil {
				return LoginConnection{}, fmt.Errorf("connection %s: %w", oc.ConnectionID, err)
			}
			if c.Strategy == store.StrategyAuth0 {
				return newLoginConnection(c, &oc)
			}
		}
		return LoginConnection{}, ErrNoLoginConnection
	}
	l, err := s.store.ListClientConnections(ctx, clientID, store.Page{})
	if err != nil {
		return LoginConnection{}, storeError(err, ErrNoLoginConnection, nil, "client connections")
	}
	for _, c := range l.Items {
		if c.Strategy == store.StrategyAuth0 {
			return newLoginConnection(c, nil)
		}
	}
	return LoginConnection{}, ErrNoLoginConnection
}

// Authenticate checks a database user's email and password. An unknown email costs the same hashing
// as a known one and gets the same ErrWrongCredentials; ErrPasswordBusy when the password could not be
// checked now; ErrUserBlocked for a blocked user with the right password. A stored hash weaker than the
// hasher's parameters is replaced. The login is counted (last_login, logins_count).
func (s *Service) Authenticate(ctx context.Context, conn LoginConnection, email, pw string) (store.User, error) {
	email = normalizeEmail(email)
	u, err := s.store.GetUserByEmail(ctx, conn.Connection.ID, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := s.hasher.VerifyUnknown(ctx, pw); err != nil {
			return store.User{}, err
		}
		return store.User{}, ErrWrongCredentials
	case err != nil:
		return store.User{}, fmt.Errorf("find user: %w", err)
	}
	ok, rehash, err := s.hasher.Verify(ctx, u.PasswordHash, pw)
	switch {
	case err != nil:
		return store.User{}, err
	case !ok:
		return store.User{}, ErrWrongCredentials
	case u.Blocked != nil && *u.Blocked:
		return store.User{}, ErrUserBlocked
	}
	if rehash {
		s.rehash(ctx, u, pw)
	}
	return s.recordLogin(ctx, u)
}

// rehash stores a stronger hash of a password that just verified, unless the hash changed meanwhile;
// a failure is logged, and the login goes on.
func (s *Service) rehash(ctx context.Context, u store.User, pw string) {
	hash, err := s.hasher.Hash(ctx, pw)
	if err == nil {
		_, err = s.store.UpdateUser(ctx, u.ID, func(cur *store.User) error {
			if cur.PasswordHash == u.PasswordHash {
				cur.PasswordHash = hash
			}
			return nil
		})
	}
	if err != nil {
		s.log.WarnContext(ctx, "re-hash a password with stronger parameters", "user", u, "error", err)
	}
}

func (s *Service) recordLogin(ctx context.Context, u store.User) (store.User, error) {
	now := s.now()
	if err := s.store.RecordUserLogin(ctx, u.ID, now); err != nil {
		return store.User{}, fmt.Errorf("record login: %w", err)
	}
	u.LastLogin, u.LoginsCount = now, u.LoginsCount+1
	return u, nil
}

// PasswordRules describes a connection's password policy to the person choosing a password.
func (c LoginConnection) PasswordRules() string {
	rules := fmt.Sprintf("At least %d characters", c.MinLength)
	switch c.Policy {
	case password.PolicyFair:
		rules += ", with a lowercase letter, an uppercase letter and a digit"
	case password.PolicyGood:
		rules += ", with three of: a lowercase letter, an uppercase letter, a digit, a special character (!@#$%^&*)"
	case password.PolicyExcellent:
		rules += ", with three of: a lowercase letter, an uppercase letter, a digit, a special character (!@#$%^&*), and no character more than twice in a row"
	}
	return rules + "."
}

// SignUp creates a database user of the connection with the email and password, as a login's sign-up
// page does: ErrSignupDisabled unless signupAllowed, a refusal for an invalid email or a weak password,
// ErrUserExists for a taken email. The new user has logged in once.
func (s *Service) SignUp(ctx context.Context, conn LoginConnection, email, pw string, signupAllowed bool) (store.User, error) {
	if !signupAllowed {
		return store.User{}, ErrSignupDisabled
	}
	email = normalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return store.User{}, &Error{Kind: KindInvalid, Message: "Enter a valid email address.", Property: "email"}
	}
	if err := password.Check(conn.Policy, conn.MinLength, pw); err != nil {
		return store.User{}, &Error{Kind: KindInvalid, Message: "The password is too weak. " + conn.PasswordRules(), Property: "password"}
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return store.User{}, err
	}
	now := s.now()
	id := make([]byte, 12)
	rand.Read(id)
	u := store.User{
		ID: "auth0|" + hex.EncodeToString(id), ConnectionID: conn.Connection.ID, Email: email,
		Name: email, Nickname: email[:strings.IndexByte(email, '@')], PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return store.User{}, storeError(err, nil, ErrUserExists, "create user")
	}
	return s.recordLogin(ctx, u)
}

// User returns a user by id (the token endpoint's and userinfo's view of a person).
func (s *Service) User(ctx context.Context, id string) (store.User, error) {
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return u, storeError(err, ErrLoginNotFound, nil, "get user")
	}
	return u, nil
}

// EnsureMember makes sure the user is a member of the organization after a login through conn (rule 6
// of /authorize): a member is; a non-member becomes one when the organization's entry of the connection
// assigns membership on login; otherwise ErrNotMember.
func (s *Service) EnsureMember(ctx context.Context, orgID, userID string, conn LoginConnection) error {
	ok, err := s.store.IsOrganizationMember(ctx, orgID, userID)
	switch {
	case err != nil:
		return fmt.Errorf("membership: %w", err)
	case ok:
		return nil
	case !conn.AssignMembership:
		return ErrNotMember
	}
	if _, err := s.store.AddOrganizationMembers(ctx, orgID, []string{userID}, s.now()); err != nil {
		return fmt.Errorf("join organization %s on login: %w", orgID, err)
	}
	s.log.InfoContext(ctx, "organization_member_added", "organization_id", orgID, "user_id", userID, "reason", "auto_membership")
	return nil
}

// IsMember reports whether the user is a member of the organization.
func (s *Service) IsMember(ctx context.Context, orgID, userID string) (bool, error) {
	return s.store.IsOrganizationMember(ctx, orgID, userID)
}

// UserOrganizations returns the first organizations of a user, by join date (the post-login picker).
func (s *Service) UserOrganizations(ctx context.Context, userID string, limit int) ([]store.Organization, error) {
	l, err := s.store.ListUserOrganizations(ctx, userID, store.Page{Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("organizations of user %s: %w", userID, err)
	}
	out := make([]store.Organization, len(l.Items))
	for i, uo := range l.Items {
		out[i] = uo.Organization
	}
	return out, nil
}

// UserPermissions returns the user's permissions for an API in an organization ("" for the tenant's).
func (s *Service) UserPermissions(ctx context.Context, userID, orgID, audience string) ([]string, error) {
	return s.store.UserPermissions(ctx, userID, orgID, audience)
}

// InvitationByTicket finds a live invitation by its ticket; ErrLoginNotFound when unknown or expired.
func (s *Service) InvitationByTicket(ctx context.Context, ticket string) (store.Invitation, error) {
	inv, err := s.store.GetInvitationByTicket(ctx, ticket)
	if err != nil {
		return inv, storeError(err, ErrLoginNotFound, nil, "invitation")
	}
	if !s.now().Before(inv.ExpiresAt) {
		return store.Invitation{}, ErrLoginNotFound
	}
	return inv, nil
}

// AcceptInvitation makes the user a member with the invitation's roles and a verified email, and
// deletes the invitation, in one transaction.
func (s *Service) AcceptInvitation(ctx context.Context, inv store.Invitation, userID string) error {
	if _, err := s.store.AcceptInvitation(ctx, inv.OrganizationID, inv.ID, userID, s.now()); err != nil {
		return storeError(err, ErrLoginNotFound, nil, "accept invitation")
	}
	s.log.InfoContext(ctx, "organization_member_added", "organization_id", inv.OrganizationID, "user_id", userID, "reason", "invitation")
	return nil
}

// SessionID is the sid of a login session (in ID tokens, and logout_hint): a short, stable name of
// the session's hash that reveals nothing of its cookie; "" for none.
func SessionID(sessionHash []byte) string {
	if len(sessionHash) == 0 {
		return ""
	}
	h := sha256.Sum256(append([]byte("sid\x00"), sessionHash...))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// LoginSession is a person's live login session.
type LoginSession struct {
	Token   string // the cookie's value; set only by StartSession
	Session store.LoginSession
	User    store.User
}

// sessionLifetimes returns the tenant's session lifetimes, absolute and idle.
func (s *Service) sessionLifetimes(ctx context.Context) (absolute, idle time.Duration, err error) {
	set, err := s.store.GetTenantSettings(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("tenant settings: %w", err)
	}
	absolute, idle = 168*time.Hour, 72*time.Hour
	if set.SessionLifetime > 0 {
		absolute = time.Duration(set.SessionLifetime) * time.Hour
	}
	if set.IdleSessionLifetime > 0 {
		idle = time.Duration(set.IdleSessionLifetime) * time.Hour
	}
	return absolute, min(idle, absolute), nil
}

// StartSession opens a login session for the user, authenticated through the connection now.
func (s *Service) StartSession(ctx context.Context, u store.User, connectionID string) (LoginSession, error) {
	absolute, idle, err := s.sessionLifetimes(ctx)
	if err != nil {
		return LoginSession{}, err
	}
	now := s.now()
	token := newLoginSecret()
	ls := store.LoginSession{IDHash: loginHash(token), UserID: u.ID, ConnectionID: connectionID, AuthTime: now,
		LastSeen: now, CreatedAt: now, ExpiresAt: now.Add(absolute), IdleExpiresAt: now.Add(idle)}
	if err := s.store.CreateLoginSession(ctx, ls); err != nil {
		return LoginSession{}, fmt.Errorf("create login session: %w", err)
	}
	return LoginSession{Token: token, Session: ls, User: u}, nil
}

// Session finds the live session of a cookie's token and its user, and records the activity;
// ErrLoginNotFound when there is none (or its user is gone).
func (s *Service) Session(ctx context.Context, token string) (LoginSession, error) {
	if token == "" || len(token) > 128 {
		return LoginSession{}, ErrLoginNotFound
	}
	now := s.now()
	ls, err := s.store.GetLoginSession(ctx, loginHash(token), now)
	if err != nil {
		return LoginSession{}, storeError(err, ErrLoginNotFound, nil, "login session")
	}
	u, err := s.User(ctx, ls.UserID)
	if err != nil {
		return LoginSession{}, err
	}
	_, idle, err := s.sessionLifetimes(ctx)
	if err != nil {
		return LoginSession{}, err
	}
	ls.LastSeen, ls.IdleExpiresAt = now, now.Add(idle)
	if ls.IdleExpiresAt.After(ls.ExpiresAt) {
		ls.IdleExpiresAt = ls.ExpiresAt
	}
	if err := s.store.TouchLoginSession(ctx, ls.IDHash, now, ls.IdleExpiresAt); err != nil {
		return LoginSession{}, storeError(err, ErrLoginNotFound, nil, "touch login session")
	}
	return LoginSession{Session: ls, User: u}, nil
}

// EndSession ends the session of a cookie's token, if there is one.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return nil
	}
	return s.store.DeleteLoginSession(ctx, loginHash(token))
}

// BeginLogin stores a login in progress, bound to the browser whose secret it is, and returns its id.
func (s *Service) BeginLogin(ctx context.Context, browserSecret string, data []byte) (string, error) {
	now := s.now()
	id := newLoginSecret()
	t := store.LoginTransaction{IDHash: loginHash(id), BrowserHash: loginHash(browserSecret), Data: data,
		CreatedAt: now, ExpiresAt: now.Add(LoginTransactionLifetime)}
	if err := s.store.CreateLoginTransaction(ctx, t); err != nil {
		return "", fmt.Errorf("begin login: %w", err)
	}
	return id, nil
}

// Login returns the data of a live login in progress that the browser began; ErrLoginNotFound for an
// unknown, expired or finished one, or one another browser began.
func (s *Service) Login(ctx context.Context, id, browserSecret string) ([]byte, error) {
	if id == "" || len(id) > 128 || browserSecret == "" {
		return nil, ErrLoginNotFound
	}
	t, err := s.store.GetLoginTransaction(ctx, loginHash(id), s.now())
	if err != nil {
		return nil, storeError(err, ErrLoginNotFound, nil, "login transaction")
	}
	if !sameHash(t.BrowserHash, loginHash(browserSecret)) {
		return nil, ErrLoginNotFound
	}
	return t.Data, nil
}

// UpdateLogin replaces the data of a login in progress.
func (s *Service) UpdateLogin(ctx context.Context, id string, data []byte) error {
	err := s.store.UpdateLoginTransaction(ctx, loginHash(id), data, s.now())
	return storeError(err, ErrLoginNotFound, nil, "update login transaction")
}

// EndLogin forgets a login in progress.
func (s *Service) EndLogin(ctx context.Context, id string) error {
	return s.store.DeleteLoginTransaction(ctx, loginHash(id))
}

// IssueCode stores an authorization code for what c says (its hash and times are set here) and
// returns the code.
func (s *Service) IssueCode(ctx context.Context, c store.AuthorizationCode) (string, error) {
	code := newLoginSecret()
	now := s.now()
	c.CodeHash, c.CreatedAt, c.ExpiresAt = loginHash(code), now, now.Add(CodeLifetime)
	if err := s.store.CreateAuthorizationCode(ctx, c); err != nil {
		return "", fmt.Errorf("issue code: %w", err)
	}
	return code, nil
}

// RedeemCode redeems a code once and returns what it was issued for, with the refresh-token family it
// may start (familyID). A second redemption revokes what the first issued and returns an error matching
// store.ErrReused; an unknown or expired code is ErrLoginNotFound.
func (s *Service) RedeemCode(ctx context.Context, code string) (c store.AuthorizationCode, familyID string, err error) {
	if code == "" || len(code) > 128 {
		return c, "", ErrLoginNotFound
	}
	familyID = newLoginSecret()
	c, err = s.store.RedeemAuthorizationCode(ctx, loginHash(code), s.now(), familyID)
	switch {
	case errors.Is(err, store.ErrReused):
		return c, "", err
	case err != nil:
		return c, "", storeError(err, ErrLoginNotFound, nil, "redeem code")
	}
	return c, familyID, nil
}

// StartRefreshTokens starts a refresh-token family for a redeemed code, with the client's refresh-token
// configuration, and returns its first token.
func (s *Service) StartRefreshTokens(ctx context.Context, c store.Client, code store.AuthorizationCode, familyID string, scopes []string) (string, error) {
	token := newLoginSecret()
	now := s.now()
	t := store.RefreshToken{TokenHash: loginHash(token), FamilyID: familyID, ClientID: c.ClientID, UserID: code.UserID,
		OrganizationID: code.OrganizationID, Audience: code.Audience, Scopes: scopes, SessionIDHash: code.SessionIDHash, CreatedAt: now}
	t.ExpiresAt, t.IdleExpiresAt = refreshExpiry(c.RefreshToken, now, now)
	if err := s.store.CreateRefreshToken(ctx, t); err != nil {
		return "", fmt.Errorf("start refresh tokens: %w", err)
	}
	return token, nil
}

// refreshExpiry returns a family's absolute expiry (from its start) and the idle expiry of a token used
// now, by the client's configuration; zero is never.
func refreshExpiry(rt store.RefreshTokenConfig, start, now time.Time) (absolute, idle time.Time) {
	if rt.ExpirationType == "non-expiring" {
		return time.Time{}, time.Time{}
	}
	if !rt.InfiniteTokenLifetime && rt.TokenLifetime > 0 {
		absolute = start.Add(time.Duration(rt.TokenLifetime) * time.Second)
	}
	if !rt.InfiniteIdleTokenLifetime && rt.IdleTokenLifetime > 0 {
		idle = now.Add(time.Duration(rt.IdleTokenLifetime) * time.Second)
		if !absolute.IsZero() && idle.After(absolute) {
			idle = absolute
		}
	}
	return absolute, idle
}

// UseRefreshToken uses a refresh token of the client: it returns the token as presented and, for a
// rotating client, the token that replaces it ("" for a non-rotating one, whose token stays). A used
// token presented again revokes its family: the error matches store.ErrReused (a *store.ReuseError).
// An unknown, revoked or expired token, or another client's, is ErrLoginNotFound.
func (s *Service) UseRefreshToken(ctx context.Context, c store.Client, token string) (used store.RefreshToken, next string, err error) {
	if token == "" || len(token) > 128 {
		return used, "", ErrLoginNotFound
	}
	now := s.now()
	cur, err := s.store.GetRefreshToken(ctx, loginHash(token))
	if err != nil {
		return used, "", storeError(err, ErrLoginNotFound, nil, "find refresh token")
	}
	if cur.ClientID != c.ClientID {
		return used, "", ErrLoginNotFound
	}
	u := store.RefreshTokenUse{TokenHash: loginHash(token), Now: now, Leeway: time.Duration(c.RefreshToken.Leeway) * time.Second}
	_, u.IdleExpiresAt = refreshExpiry(c.RefreshToken, now, now)
	if !cur.ExpiresAt.IsZero() && !u.IdleExpiresAt.IsZero() && u.IdleExpiresAt.After(cur.ExpiresAt) {
		u.IdleExpiresAt = cur.ExpiresAt
	}
	if c.RefreshToken.RotationType != "non-rotating" {
		next = newLoginSecret()
		u.NextHash = loginHash(next)
	}
	used, err = s.store.RotateRefreshToken(ctx, u)
	switch {
	case errors.Is(err, store.ErrReused):
		return used, "", err
	case err != nil:
		return used, "", storeError(err, ErrLoginNotFound, nil, "use refresh token")
	}
	return used, next, nil
}

// RevokeRefreshTokens revokes a family (after a check at a refresh failed, or at /oauth/revoke).
func (s *Service) RevokeRefreshTokens(ctx context.Context, familyID string) error {
	return s.store.RevokeRefreshTokenFamily(ctx, familyID, s.now())
}

// normalizeEmail is how emails are compared and stored: trimmed, in lowercase.
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// sameHash compares two SHA-256 hashes.
func sameHash(a, b []byte) bool {
	return len(a) == sha256.Size && string(a) == string(b)
}

// expiredKept is how long what a login left behind stays after it expired: a code or a refresh token
// presented shortly after is still recognised as one (and its reuse revokes its family).
const expiredKept = 24 * time.Hour

// PruneLogins deletes what people's logins left behind and no longer serves: login transactions and
// sessions that expired, and codes and refresh-token families that expired (or were revoked) a day ago.
func (s *Service) PruneLogins(ctx context.Context) error {
	now := s.now()
	return errors.Join(
		s.store.DeleteExpiredLoginTransactions(ctx, now),
		s.store.DeleteExpiredLoginSessions(ctx, now),
		s.store.DeleteExpiredAuthorizationCodes(ctx, now.Add(-expiredKept)),
		s.store.DeleteExpiredRefreshTokens(ctx, now.Add(-expiredKept)),
	)
}
