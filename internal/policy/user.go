package policy

import (
	"slices"
	"strings"
	"time"
)

// The grant types of people's logins.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// The OpenID Connect scopes a login may ask for besides an API's.
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopeOfflineAccess = "offline_access"
)

const (
	// DefaultIDTokenLifetime is the ID token's lifetime when the client sets none (seconds).
	DefaultIDTokenLifetime = 3600
	// userinfoLifetime is the lifetime of an access token asked without an audience (seconds).
	userinfoLifetime = 3600
	// userinfoAlg signs access tokens asked without an audience.
	userinfoAlg = "RS256"
	// DialectAuthz is the token dialect that adds the permissions claim.
	DialectAuthz = "access_token_authz"
)

// The refusals of people's tokens, after those Decide shares with them.
const (
	ReasonUserBlocked Reason = iota + 100 // the user is blocked
	ReasonNotMember                       // the user is not (or no longer) a member of the login's organization
)

// User is the person a token is for, with what an ID token may say of them.
type User struct {
	ID      string
	Blocked bool
	Profile Profile
}

// Profile is what the profile and email scopes put in an ID token; "" and the zero time are left out.
type Profile struct {
	Name, GivenName, FamilyName, Nickname, Picture string
	UpdatedAt                                      time.Time
	Email                                          string
	EmailVerified                                  bool
}

// UserRequest is a person's login as an authorization code or a refresh token carries it, with the facts
// of its moment that the caller read from the store.
type UserRequest struct {
	GrantType string // GrantAuthorizationCode or GrantRefreshToken
	Client    Client
	User      User
	Audience  string   // the API; "" for a token of the userinfo endpoint only
	Scopes    []string // asked at /authorize, or the narrower ones asked at a refresh
	// Organization is the id of the organization the login was made in; "" for a personal login.
	Organization string
	// Member: the user is a member of Organization now.
	Member bool
	// Permissions are the user's permissions for the API in the login's context: the roles they hold as
	// a member of Organization, or their tenant roles without one.
	Permissions []string
	SessionID   string
	AuthTime    time.Time
	Nonce       string
	Now         time.Time
}

// UserTokens is what DecideUser decided to issue.
type UserTokens struct {
	Access AccessToken
	ID     IDToken // Valid only when openid was granted
	// Refresh: a refresh token goes with them (offline_access granted, the client may refresh, and the
	// API allows offline access or there is no API).
	Refresh bool
}

// IDToken is an OpenID Connect ID token DecideUser decided to issue.
type IDToken struct {
	issuer, subject, audience, alg string
	issuedAt, expiresAt, authTime  time.Time
	sessionID, nonce               string
	profile, email                 bool
	claims                         Profile
	organizationID                 string
	organizationName               string
}

// Issuer is the iss claim.
func (t IDToken) Issuer() string { return t.issuer }

// Subject is the sub claim: the user id.
func (t IDToken) Subject() string { return t.subject }

// Audience is the aud claim: the client id.
func (t IDToken) Audience() string { return t.audience }

// SigningAlg is the algorithm the ID token is signed with.
func (t IDToken) SigningAlg() string { return t.alg }

// IssuedAt is the iat claim.
func (t IDToken) IssuedAt() time.Time { return t.issuedAt }

// ExpiresAt is the exp claim.
func (t IDToken) ExpiresAt() time.Time { return t.expiresAt }

// AuthTime is the auth_time claim.
func (t IDToken) AuthTime() time.Time { return t.authTime }

// SessionID is the sid claim.
func (t IDToken) SessionID() string { return t.sessionID }

// Nonce is the nonce claim; "" when none was sent.
func (t IDToken) Nonce() string { return t.nonce }

// Profile is what the token says of the user: the profile claims when Profile reports true, the
// email claims when Email does.
func (t IDToken) Profile() Profile { return t.claims }

// HasProfile reports whether the profile scope was granted.
func (t IDToken) HasProfile() bool { return t.profile }

// HasEmail reports whether the email scope was granted.
func (t IDToken) HasEmail() bool { return t.email }

// OrganizationID is the org_id claim; "" for a personal login.
func (t IDToken) OrganizationID() string { return t.organizationID }

// OrganizationName is the org_name claim; "" unless the tenant allows names and an organization applies.
func (t IDToken) OrganizationName() string { return t.organizationName }

// Valid reports whether DecideUser made t.
func (t IDToken) Valid() bool { return t.subject != "" && t.audience != "" && t.issuer != "" }

// UserinfoAudience is the audience of the userinfo endpoint: every access token asked with openid names
// it, and a token asked without an API names only it.
func UserinfoAudience(issuer string) string { return issuer + "userinfo" }

// DecideUser decides the tokens of a person's login, when a code is redeemed or a refresh token used:
// the client may use the grant, the user is not blocked, the API exists, the organization still exists
// and the user is still its member, and then what each token says.
func DecideUser(t Tenant, r UserRequest) (UserTokens, error) {
	refuse := func(reason Reason) (UserTokens, error) {
		return UserTokens{}, &Refusal{Reason: reason, Audience: r.Audience, Organization: r.Organization}
	}
	if !slices.Contains(r.Client.GrantTypes, r.GrantType) {
		return refuse(ReasonGrantTypeNotAllowed)
	}
	if r.User.Blocked {
		return refuse(ReasonUserBlocked)
	}
	issuer := t.Issuer()
	api := API{Identifier: UserinfoAudience(issuer), SigningAlg: userinfoAlg, TokenLifetime: userinfoLifetime}
	if r.Audience != "" {
		var ok bool
		// The Management API is no person's audience: it does not even exist for them.
		if api, ok = t.API(r.Audience); !ok || api.System {
			return refuse(ReasonUnknownAudience)
		}
	}
	var org Organization
	if r.Organization != "" {
		var ok bool
		switch org, ok = t.OrganizationByID(r.Organization); {
		case !ok:
			return refuse(ReasonOrganizationDenied)
		case !r.Client.OrganizationUsage.AdmitsOrganizations():
			return refuse(ReasonOrganizationNotAllowed)
		case !r.Member:
			return refuse(ReasonNotMember)
		}
	}

	scopes := grantedScopes(r, api)
	openID := slices.Contains(scopes, ScopeOpenID)
	out := UserTokens{
		Refresh: slices.Contains(scopes, ScopeOfflineAccess) && slices.Contains(r.Client.GrantTypes, GrantRefreshToken) &&
			(r.Audience == "" || api.AllowOfflineAccess),
	}
	if !out.Refresh {
		scopes = slices.DeleteFunc(scopes, func(s string) bool { return s == ScopeOfflineAccess })
	}
	names := t.OrganizationNamesAllowed()
	a := AccessToken{
		issuer:         issuer,
		subject:        r.User.ID,
		clientID:       r.Client.ID,
		audiences:      []string{api.Identifier},
		alg:            api.SigningAlg,
		scopes:         scopes,
		scope:          strings.Join(scopes, " "),
		organizationID: org.ID,
		issuedAt:       r.Now,
		expiresAt:      r.Now.Add(time.Duration(api.TokenLifetime) * time.Second),
	}
	if openID && r.Audience != "" {
		a.audiences = append(a.audiences, UserinfoAudience(issuer))
	}
	if r.Audience != "" && api.TokenDialect == DialectAuthz {
		a.hasPermissions = true
		a.permissions = slices.Clone(r.Permissions)
		if a.permissions == nil {
			a.permissions = []string{}
		}
	}
	if names && org.ID != "" {
		a.organizationName = org.Name
	}
	out.Access = a

	if openID {
		lifetime := r.Client.IDTokenLifetime
		if lifetime <= 0 {
			lifetime = DefaultIDTokenLifetime
		}
		out.ID = IDToken{
			issuer: issuer, subject: r.User.ID, audience: r.Client.ID, alg: userinfoAlg,
			issuedAt: r.Now, expiresAt: r.Now.Add(time.Duration(lifetime) * time.Second), authTime: r.AuthTime,
			sessionID: r.SessionID, nonce: r.Nonce,
			profile: slices.Contains(scopes, ScopeProfile), email: slices.Contains(scopes, ScopeEmail),
			claims:         r.User.Profile,
			organizationID: org.ID, organizationName: a.organizationName,
		}
	}
	return out, nil
}

// grantedScopes returns the scopes of a person's token, in the order asked, each once: the OpenID
// Connect scopes asked, and the API's scopes asked that the API defines (or, when it enforces
// policies, that the user holds a permission for). Anything else is dropped.
func grantedScopes(r UserRequest, api API) []string {
	var out []string
	for _, s := range r.Scopes {
		switch {
		case slices.Contains(out, s):
		case s == ScopeOpenID || s == ScopeProfile || s == ScopeEmail || s == ScopeOfflineAccess:
			out = append(out, s)
		case r.Audience == "" || !slices.Contains(api.Scopes, s):
		case !api.EnforcePolicies || slices.Contains(r.Permissions, s):
			out = append(out, s)
		}
	}
	return out
}

// The organization_require_behavior values: how a login gets an organization the request did not name.
const (
	BehaviorNoPrompt        = "no_prompt"         // the application sends organization
	BehaviorPreLoginPrompt  = "pre_login_prompt"  // ask for the organization, then log in
	BehaviorPostLoginPrompt = "post_login_prompt" // log in, then pick among the user's organizations
)

// ReasonOrganizationInvalid: the organization parameter names no organization.
const ReasonOrganizationInvalid Reason = 110

// Prompt is the screen a login needs to settle its organization.
type Prompt int

// The prompts of LoginOrganization.
const (
	PromptNone      Prompt = iota // the organization is settled (or there is none)
	PromptPreLogin                // ask for the organization before the login
	PromptPostLogin               // let the user pick among their organizations after the login
)

// LoginContext is the organization context LoginOrganization settles at /authorize.
type LoginContext struct {
	Organization Organization // zero: none yet (see Prompt), or a personal login
	Prompt       Prompt
	// Personal: the login may end without an organization (organization_usage allow); in the
	// post-login picker, "Continue with personal account".
	Personal bool
}

// LoginOrganization settles the organization of a person's login from the organization parameter
// (value: an id, or a name when the tenant allows names, compared in lowercase; "" when absent), the
// client's organization_usage and its organization_require_behavior (docs/compatibility.md, /authorize
// rules 1–4). Membership is checked after the login.
func LoginOrganization(t Tenant, c Client, behavior, value string) (LoginContext, error) {
	refuse := func(reason Reason) (LoginContext, error) {
		return LoginContext{}, &Refusal{Reason: reason, Organization: value}
	}
	usage := c.OrganizationUsage
	if !usage.AdmitsOrganizations() {
		if value != "" {
			return refuse(ReasonOrganizationNotAllowed)
		}
		return LoginContext{Personal: true}, nil
	}
	if value != "" {
		o, ok := lookupOrganization(t, value, t.OrganizationNamesAllowed())
		if !ok {
			return refuse(ReasonOrganizationInvalid)
		}
		return LoginContext{Organization: o}, nil
	}
	personal := usage == UsageAllow
	switch {
	case behavior == BehaviorPostLoginPrompt:
		return LoginContext{Prompt: PromptPostLogin, Personal: personal}, nil
	case personal:
		return LoginContext{Personal: true}, nil
	case behavior == BehaviorPreLoginPrompt:
		return LoginContext{Prompt: PromptPreLogin}, nil
	}
	return refuse(ReasonOrganizationRequired)
}
