package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// User rules (SPEC-users §7).
const (
	maxUserName        = 300
	maxUserGivenName   = 150
	maxUserNickname    = 300
	maxEmailLength     = 254 // RFC 5321's longest path, less its angle brackets
	maxPictureLength   = 2048
	maxImportedIDChars = 64
	// MaxMetadataBytes bounds each of a user's metadata objects, serialized; MaxMetadataDepth its nesting.
	MaxMetadataBytes = 16 << 10
	MaxMetadataDepth = 10
)

var (
	errUserNotFound       = notFound("The user does not exist.", "inexistent_user")
	errUserExists         = conflict("The user already exists.", "auth0_idp_error")
	errUserEmailTaken     = conflict("The specified new email already exists.", "auth0_idp_error")
	errUserConnection     = &Error{Kind: KindInvalid, Message: "The connection does not exist.", Code: "inexistent_connection", Property: "connection"}
	errPasswordTooWeak    = &Error{Kind: KindInvalid, Message: "PasswordStrengthError: Password is too weak", Code: "invalid_password", Property: "password"}
	importedUserID        = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	userMetadataForbidden = "Metadata keys may not contain '.' or '$'"
)

// UserInput creates a user of a database connection.
type UserInput struct {
	Connection    string // the connection's name; it must be an auth0 connection
	Email         string
	Password      string
	EmailVerified *bool
	Name          *string
	GivenName     *string
	FamilyName    *string
	Nickname      *string
	Picture       *string
	Blocked       *bool
	AppMetadata   map[string]json.RawMessage
	UserMetadata  map[string]json.RawMessage
	// UserID, when set, is the part of the id after "auth0|" (an import keeps its users' ids).
	UserID *string
}

// UserPatch changes a user. Top-level attributes are replaced; each metadata object is merged one
// level deep: its keys replace the user's, and a key whose value is JSON null is removed.
type UserPatch struct {
	// Connection, when set, must be the user's connection (Auth0's SDKs send it with an email change).
	Connection    *string
	Email         *string
	Password      *string
	EmailVerified *bool
	Name          *string
	GivenName     *string
	FamilyName    *string
	Nickname      *string
	Picture       *string
	Blocked       *bool
	AppMetadata   map[string]json.RawMessage
	UserMetadata  map[string]json.RawMessage
	// Unset names the attributes given as JSON null: they are removed (email_verified and blocked go
	// back to false and unset; app_metadata and user_metadata are emptied).
	Unset []string
}

// The attributes a UserPatch may unset.
var unsettableUserAttributes = []string{"email_verified", "name", "given_name", "family_name", "nickname", "picture",
	"blocked", "app_metadata", "user_metadata"}

// UserProfile is a user with its identity: the name and strategy of its connection.
type UserProfile struct {
	User
	Connection string // the connection's name
	Provider   string // the connection's strategy: auth0, oidc or samlp
}

// IdentityUserID is the user's id at its connection: its user_id without the provider's prefix.
func (p UserProfile) IdentityUserID() string {
	id, _ := strings.CutPrefix(p.ID, p.Provider+"|")
	return id
}

// CreateUser creates a user of a database connection, its password checked against the connection's
// policy and hashed.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (UserProfile, error) {
	now := s.now()
	// A null first-level metadata value sets nothing, as on a patch.
	u := store.User{ID: newDatabaseUserID(), Email: strings.ToLower(in.Email), AppMetadata: mergeMetadata(nil, in.AppMetadata),
		UserMetadata: mergeMetadata(nil, in.UserMetadata), Blocked: in.Blocked, CreatedAt: now, UpdatedAt: now}
	if err := checkText("connection", in.Connection, 1, maxConnectionName, false); err != nil {
		return UserProfile{}, err
	}
	if err := checkEmail("email", in.Email); err != nil {
		return UserProfile{}, err
	}
	if in.UserID != nil {
		if !importedUserID.MatchString(*in.UserID) {
			return UserProfile{}, invalid("user_id", "String does not match pattern: %s", importedUserID)
		}
		u.ID = databaseUserPrefix + *in.UserID
	}
	if in.EmailVerified != nil {
		u.EmailVerified = *in.EmailVerified
	}
	u.Name = u.Email
	u.Nickname, _, _ = strings.Cut(u.Email, "@")
	patch := UserPatch{Name: in.Name, GivenName: in.GivenName, FamilyName: in.FamilyName, Nickname: in.Nickname,
		Picture: in.Picture}
	if err := validateUserPatch(patch); err != nil {
		return UserProfile{}, err
	}
	applyUserProfile(&u, patch)
	if err := checkMetadataPatch("app_metadata", in.AppMetadata); err != nil {
		return UserProfile{}, err
	}
	if err := checkMetadataPatch("user_metadata", in.UserMetadata); err != nil {
		return UserProfile{}, err
	}
	c, err := s.store.GetConnectionByName(ctx, in.Connection)
	if errors.Is(err, store.ErrNotFound) || err == nil && c.Strategy != store.StrategyAuth0 {
		return UserProfile{}, errUserConnection
	}
	if err != nil {
		return UserProfile{}, fmt.Errorf("get connection %s: %w", in.Connection, err)
	}
	u.ConnectionID = c.ID
	if u.PasswordHash, err = s.hashPassword(ctx, c, in.Password); err != nil {
		return UserProfile{}, err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return UserProfile{}, storeError(err, errUserConnection, errUserExists, "create user")
	}
	return UserProfile{User: u, Connection: c.Name, Provider: c.Strategy}, nil
}

// hashPassword checks password against the database connection's policy, then hashes it.
func (s *Service) hashPassword(ctx context.Context, c store.Connection, pw string) (string, error) {
	o, err := DatabaseOptionsOf(c)
	if err != nil {
		return "", err
	}
	if err := password.Check(o.PasswordPolicy, o.PasswordComplexityOptions.MinLength, pw); err != nil {
		if errors.Is(err, password.ErrTooWeak) {
			return "", errPasswordTooWeak
		}
		return "", fmt.Errorf("check password: %w", err)
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// UserProfile finds a user by id, with its identity (the login flow's view is User, in logins.go).
func (s *Service) UserProfile(ctx context.Context, id string) (UserProfile, error) {
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return UserProfile{}, storeError(err, errUserNotFound, nil, "get user")
	}
	return s.profile(ctx, u, nil)
}

// profile is u with its identity; known caches the connections already read.
func (s *Service) profile(ctx context.Context, u store.User, known map[string]store.Connection) (UserProfile, error) {
	c, ok := known[u.ConnectionID]
	if !ok {
		var err error
		if c, err = s.store.GetConnection(ctx, u.ConnectionID); err != nil {
			// A connection deleted meanwhile took the user along.
			return UserProfile{}, storeError(err, errUserNotFound, nil, "get the connection of a user")
		}
		if known != nil {
			known[u.ConnectionID] = c
		}
	}
	return UserProfile{User: u, Connection: c.Name, Provider: c.Strategy}, nil
}

func (s *Service) profiles(ctx context.Context, users []store.User) ([]UserProfile, error) {
	known := map[string]store.Connection{}
	out := make([]UserProfile, 0, len(users))
	for _, u := range users {
		p, err := s.profile(ctx, u, known)
		if err != nil {
			if e, ok := AsError(err); ok && e == errUserNotFound {
				continue
			}
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// UserByEmail finds the user of a connection with the email, compared in lowercase (a login's lookup).
func (s *Service) UserByEmail(ctx context.Context, connectionID, email string) (UserProfile, error) {
	u, err := s.store.GetUserByEmail(ctx, connectionID, strings.ToLower(email))
	if err != nil {
		return UserProfile{}, storeError(err, errUserNotFound, nil, "get user by email")
	}
	return s.profile(ctx, u, nil)
}

// UsersByEmail lists the users with the email (compared in lowercase), of every connection.
func (s *Service) UsersByEmail(ctx context.Context, email string) ([]UserProfile, error) {
	users, err := s.store.ListUsersByEmail(ctx, strings.ToLower(email))
	if err != nil {
		return nil, fmt.Errorf("list users by email: %w", err)
	}
	return s.profiles(ctx, users)
}

// UpdateUser changes a user. A new password, or blocked:true, ends the user's login sessions and revokes
// its refresh tokens.
func (s *Service) UpdateUser(ctx context.Context, id string, in UserPatch) (UserProfile, error) {
	if err := validateUserPatch(in); err != nil { // the body first, as Auth0: 400 before 404
		return UserProfile{}, err
	}
	current, err := s.store.GetUser(ctx, id)
	if err != nil {
		return UserProfile{}, storeError(err, errUserNotFound, nil, "get user")
	}
	c, err := s.store.GetConnection(ctx, current.ConnectionID)
	if err != nil {
		return UserProfile{}, storeError(err, errUserNotFound, nil, "get the connection of a user")
	}
	if in.Connection != nil && *in.Connection != c.Name {
		return UserProfile{}, invalidMessage("connection", "The user does not belong to the connection "+*in.Connection+".")
	}
	if c.Strategy != store.StrategyAuth0 {
		for _, given := range []struct {
			name string
			set  bool
		}{{"email", in.Email != nil}, {"email_verified", in.EmailVerified != nil || slices.Contains(in.Unset, "email_verified")},
			{"password", in.Password != nil}} {
			if given.set {
				return UserProfile{}, invalidMessage(given.name, fmt.Sprintf(
					"The %s of a user of a %s connection cannot be changed: the identity provider owns it.", given.name, c.Strategy))
			}
		}
	}
	var hash string
	if in.Password != nil {
		if hash, err = s.hashPassword(ctx, c, *in.Password); err != nil {
			return UserProfile{}, err
		}
	}
	now := s.now()
	u, err := s.store.UpdateUser(ctx, id, func(u *store.User) error {
		applyUserPatch(u, in)
		if hash != "" {
			u.PasswordHash, u.LastPasswordReset = hash, now
		}
		u.UpdatedAt = now
		if err := checkMetadata("app_metadata", u.AppMetadata); err != nil {
			return err
		}
		return checkMetadata("user_metadata", u.UserMetadata)
	})
	if err != nil {
		return UserProfile{}, storeError(err, errUserNotFound, errUserEmailTaken, "update user")
	}
	if hash != "" || in.Blocked != nil && *in.Blocked {
		if err := s.endUserSessions(ctx, id); err != nil {
			return UserProfile{}, err
		}
	}
	return UserProfile{User: u, Connection: c.Name, Provider: c.Strategy}, nil
}

// endUserSessions ends a user's login sessions and revokes its refresh tokens.
func (s *Service) endUserSessions(ctx context.Context, id string) error {
	if err := s.store.DeleteUserLoginSessions(ctx, id); err != nil {
		return fmt.Errorf("end the login sessions of user %s: %w", id, err)
	}
	if err := s.store.RevokeUserRefreshTokens(ctx, id, s.now()); err != nil {
		return fmt.Errorf("revoke the refresh tokens of user %s: %w", id, err)
	}
	return nil
}

// DeleteUser deletes a user with its memberships, roles, login sessions, authorization codes and refresh
// tokens; deleting a user that does not exist is no error.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	err := s.store.DeleteUser(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

// applyUserProfile applies the profile attributes of a patch that are given.
func applyUserProfile(u *store.User, in UserPatch) {
	for _, f := range []struct {
		dst *string
		src *string
	}{{&u.Name, in.Name}, {&u.GivenName, in.GivenName}, {&u.FamilyName, in.FamilyName}, {&u.Nickname, in.Nickname},
		{&u.Picture, in.Picture}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
}

func applyUserPatch(u *store.User, in UserPatch) {
	applyUserProfile(u, in)
	if in.Email != nil && strings.ToLower(*in.Email) != u.Email {
		u.Email = strings.ToLower(*in.Email)
		u.EmailVerified = false // a new address is unverified unless the patch says otherwise
	}
	if in.EmailVerified != nil {
		u.EmailVerified = *in.EmailVerified
	}
	if in.Blocked != nil {
		b := *in.Blocked
		u.Blocked = &b
	}
	for _, attr := range in.Unset {
		switch attr {
		case "email_verified":
			u.EmailVerified = false
		case "name":
			u.Name = ""
		case "given_name":
			u.GivenName = ""
		case "family_name":
			u.FamilyName = ""
		case "nickname":
			u.Nickname = ""
		case "picture":
			u.Picture = ""
		case "blocked":
			u.Blocked = nil
		case "app_metadata":
			u.AppMetadata = nil
		case "user_metadata":
			u.UserMetadata = nil
		}
	}
	u.AppMetadata = mergeMetadata(u.AppMetadata, in.AppMetadata)
	u.UserMetadata = mergeMetadata(u.UserMetadata, in.UserMetadata)
}

// mergeMetadata merges patch into m one level deep: a key of patch replaces m's, whole, and a null
// removes it. The result is nil when empty.
func mergeMetadata(m, patch map[string]json.RawMessage) map[string]json.RawMessage {
	if len(patch) == 0 {
		return m
	}
	out := make(map[string]json.RawMessage, len(m)+len(patch))
	for k, v := range m {
		out[k] = v
	}
	for k, v := range patch {
		if isJSONNull(v) {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isJSONNull(v json.RawMessage) bool { return strings.TrimSpace(string(v)) == "null" }

// validateUserPatch checks each attribute given on its own.
func validateUserPatch(in UserPatch) error {
	for _, attr := range in.Unset {
		switch {
		case attr == "email" || attr == "password" || attr == "connection":
			return invalid(attr, "Expected type string but found type null")
		case !slices.Contains(unsettableUserAttributes, attr):
			return invalid(attr, "Cannot be null")
		}
	}
	if in.Email != nil {
		if err := checkEmail("email", *in.Email); err != nil {
			return err
		}
	}
	if in.Password != nil && *in.Password == "" {
		return errPasswordTooWeak
	}
	texts := []struct {
		property string
		value    *string
		max      int
	}{
		{"name", in.Name, maxUserName}, {"given_name", in.GivenName, maxUserGivenName},
		{"family_name", in.FamilyName, maxUserGivenName}, {"nickname", in.Nickname, maxUserNickname},
	}
	for _, t := range texts {
		if t.value != nil {
			if err := checkText(t.property, *t.value, 1, t.max, false); err != nil {
				return err
			}
		}
	}
	if in.Picture != nil {
		if err := checkPicture("picture", *in.Picture); err != nil {
			return err
		}
	}
	if err := checkMetadataPatch("app_metadata", in.AppMetadata); err != nil {
		return err
	}
	return checkMetadataPatch("user_metadata", in.UserMetadata)
}

// checkEmail: an address local@domain, without spaces or control characters, of at most 254 characters.
func checkEmail(property, email string) error {
	if err := checkLength(property, email, 1, maxEmailLength); err != nil {
		return err
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") ||
		strings.IndexFunc(email, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return invalid(property, "Object didn't pass validation for format email: %s", email)
	}
	return nil
}

// checkPicture: an absolute http or https URL (a picture is shown in pages: no other scheme).
func checkPicture(property, value string) error {
	if err := checkText(property, value, 1, maxPictureLength, false); err != nil {
		return err
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid(property, "Object didn't pass validation for format uri: %s", value)
	}
	return nil
}

// checkMetadataPatch checks the keys and values a patch gives to a metadata object; null values are
// removals.
func checkMetadataPatch(property string, m map[string]json.RawMessage) error {
	for k, v := range m {
		if err := checkMetadataKey(property, k); err != nil {
			return err
		}
		if !isJSONNull(v) {
			if err := checkMetadataValue(property+"."+k, v); err != nil {
				return err
			}
		}
	}
	return checkMetadata(property, m)
}

// checkMetadata checks a metadata object as stored: its keys at every level, its size and its depth.
func checkMetadata(property string, m map[string]json.RawMessage) error {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return invalid(property, "Invalid JSON")
	}
	if len(b) > MaxMetadataBytes {
		return invalid(property, "The object is larger than %d bytes serialized (%d)", MaxMetadataBytes, len(b))
	}
	for k, v := range m {
		if err := checkMetadataKey(property, k); err != nil {
			return err
		}
		if err := checkMetadataValue(property+"."+k, v); err != nil {
			return err
		}
	}
	return nil
}

func checkMetadataKey(property, k string) error {
	if err := checkText(property, k, 1, maxMetadataKeyLength, false); err != nil {
		return err
	}
	if strings.ContainsAny(k, ".$") {
		return invalid(property+"."+k, "%s", userMetadataForbidden)
	}
	return nil
}

// checkMetadataValue checks a value of a metadata object: its nested keys and its depth (the object
// holding it is level 1).
func checkMetadataValue(property string, v json.RawMessage) error {
	var value any
	if err := json.Unmarshal(v, &value); err != nil {
		return invalid(property, "Invalid JSON")
	}
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		switch v := v.(type) {
		case map[string]any:
			if depth+1 > MaxMetadataDepth {
				return invalid(property, "The object is nested more than %d levels deep", MaxMetadataDepth)
			}
			for k, el := range v {
				if strings.ContainsAny(k, ".$") {
					return invalid(property, "%s", userMetadataForbidden)
				}
				if err := walk(el, depth+1); err != nil {
					return err
				}
			}
		case []any:
			if depth+1 > MaxMetadataDepth {
				return invalid(property, "The object is nested more than %d levels deep", MaxMetadataDepth)
			}
			for _, el := range v {
				if err := walk(el, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(value, 1)
}
