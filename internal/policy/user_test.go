package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	apiAuthz  = "https://authz.example"
	apiSystem = "https://issuer.example/api/v2/" // the Management API
)

// peopleTenant is the fake tenant with two more APIs: one that enforces policies and sends
// permissions, one that allows offline access.
func peopleTenant() *fakeTenant {
	t := tenantWith(nil, false)
	t.apis[audience] = API{Identifier: audience, SigningAlg: "ES256", TokenLifetime: 600, Scopes: []string{"read", "write"}, AllowOfflineAccess: true}
	t.apis[apiSystem] = API{Identifier: apiSystem, SigningAlg: "RS256", TokenLifetime: 86400, Scopes: []string{"read:clients", "create:clients"}, System: true}
	t.apis[apiAuthz] = API{Identifier: apiAuthz, SigningAlg: "PS256", TokenLifetime: 900, Scopes: []string{"read", "write", "admin"},
		EnforcePolicies: true, TokenDialect: DialectAuthz}
	return t
}

var webApp = Client{ID: "web", GrantTypes: []string{GrantAuthorizationCode, GrantRefreshToken}, OrganizationUsage: UsageAllow}

var ann = User{ID: "auth0|ann", Profile: Profile{Name: "Ann", Email: "ann@acme.test", EmailVerified: true, UpdatedAt: now}}

func annRequest(change func(*UserRequest)) UserRequest {
	r := UserRequest{GrantType: GrantAuthorizationCode, Client: webApp, User: ann, Audience: audience,
		Scopes: []string{"openid", "profile", "read"}, Organization: acme.ID, Member: true,
		SessionID: "sid1", AuthTime: now.Add(-time.Minute), Nonce: "n-0S6", Now: now}
	if change != nil {
		change(&r)
	}
	return r
}

func TestDecideUser(t *testing.T) {
	tests := []struct {
		name   string
		req    UserRequest
		names  bool
		reason Reason
		check  func(t *testing.T, u UserTokens)
	}{
		{name: "token/member of acme, openid and an API scope", req: annRequest(nil), check: func(t *testing.T, u UserTokens) {
			a := u.Access
			if a.Subject() != ann.ID || a.ClientID() != "web" || !slices.Equal(a.Audiences(), []string{audience, "https://issuer.example/userinfo"}) {
				t.Errorf("access token sub %q azp %q aud %v", a.Subject(), a.ClientID(), a.Audiences())
			}
			if a.OrganizationID() != acme.ID || a.OrganizationName() != "" || a.GrantType() != "" || a.HasPermissions() {
				t.Errorf("access token org %q name %q gty %q permissions %v", a.OrganizationID(), a.OrganizationName(), a.GrantType(), a.HasPermissions())
			}
			if a.Scope() != "openid profile read" || a.SigningAlg() != "ES256" || a.Lifetime() != 600*time.Second || !a.Valid() {
				t.Errorf("access token scope %q alg %s lifetime %v", a.Scope(), a.SigningAlg(), a.Lifetime())
			}
			id := u.ID
			if !id.Valid() || id.Audience() != "web" || id.Subject() != ann.ID || id.Nonce() != "n-0S6" || id.SessionID() != "sid1" ||
				!id.AuthTime().Equal(now.Add(-time.Minute)) || id.ExpiresAt().Sub(id.IssuedAt()) != time.Hour {
				t.Errorf("ID token %+v", id)
			}
			if !id.HasProfile() || id.HasEmail() || id.Profile().Name != "Ann" || id.OrganizationID() != acme.ID {
				t.Errorf("ID token claims %+v", id)
			}
			if u.Refresh {
				t.Error("a refresh token without offline_access")
			}
		}},
		{name: "token/org_name when names are allowed", req: annRequest(nil), names: true, check: func(t *testing.T, u UserTokens) {
			if u.Access.OrganizationName() != "acme" || u.ID.OrganizationName() != "acme" {
				t.Errorf("org_name %q, %q", u.Access.OrganizationName(), u.ID.OrganizationName())
			}
		}},
		{name: "token/personal login, no organization", req: annRequest(func(r *UserRequest) { r.Organization, r.Member = "", false }),
			check: func(t *testing.T, u UserTokens) {
				if u.Access.OrganizationID() != "" || u.ID.OrganizationID() != "" {
					t.Error("an organization in a personal login's tokens")
				}
			}},
		{name: "token/no openid: no ID token, no userinfo audience", req: annRequest(func(r *UserRequest) { r.Scopes = []string{"read"} }),
			check: func(t *testing.T, u UserTokens) {
				if u.ID.Valid() || !slices.Equal(u.Access.Audiences(), []string{audience}) {
					t.Errorf("ID token %v, aud %v", u.ID.Valid(), u.Access.Audiences())
				}
			}},
		{name: "token/no audience: a userinfo token for an hour", req: annRequest(func(r *UserRequest) { r.Audience, r.Scopes = "", []string{"openid", "email", "read"} }),
			check: func(t *testing.T, u UserTokens) {
				a := u.Access
				if !slices.Equal(a.Audiences(), []string{"https://issuer.example/userinfo"}) || a.Lifetime() != time.Hour || a.Scope() != "openid email" || a.SigningAlg() != "RS256" {
					t.Errorf("aud %v lifetime %v scope %q alg %s", a.Audiences(), a.Lifetime(), a.Scope(), a.SigningAlg())
				}
				if !u.ID.HasEmail() || u.ID.HasProfile() {
					t.Error("ID token scopes")
				}
			}},
		{name: "token/offline_access with an API that allows it: a refresh token", req: annRequest(func(r *UserRequest) { r.Scopes = append(r.Scopes, "offline_access") }),
			check: func(t *testing.T, u UserTokens) {
				if !u.Refresh || !strings.Contains(u.Access.Scope(), "offline_access") {
					t.Errorf("refresh %v scope %q", u.Refresh, u.Access.Scope())
				}
			}},
		{name: "token/offline_access with an API that does not allow it: none", req: annRequest(func(r *UserRequest) {
			r.Audience, r.Scopes = apiAuthz, []string{"openid", "offline_access"}
		}), check: func(t *testing.T, u UserTokens) {
			if u.Refresh || strings.Contains(u.Access.Scope(), "offline_access") {
				t.Errorf("refresh %v scope %q", u.Refresh, u.Access.Scope())
			}
		}},
		{name: "token/offline_access without the refresh_token grant type: none", req: annRequest(func(r *UserRequest) {
			r.Client.GrantTypes, r.Scopes = []string{GrantAuthorizationCode}, []string{"openid", "offline_access"}
		}), check: func(t *testing.T, u UserTokens) {
			if u.Refresh {
				t.Error("a refresh token without the grant type")
			}
		}},
		{name: "token/enforce_policies: the scopes held, all permissions in the claim", req: annRequest(func(r *UserRequest) {
			r.Audience, r.Scopes, r.Permissions = apiAuthz, []string{"read", "write", "unknown"}, []string{"admin", "read"}
		}), check: func(t *testing.T, u UserTokens) {
			if u.Access.Scope() != "read" || !slices.Equal(u.Access.Permissions(), []string{"admin", "read"}) || !u.Access.HasPermissions() {
				t.Errorf("scope %q permissions %v", u.Access.Scope(), u.Access.Permissions())
			}
		}},
		{name: "token/access_token_authz with no permission: an empty claim", req: annRequest(func(r *UserRequest) { r.Audience, r.Permissions = apiAuthz, nil }),
			check: func(t *testing.T, u UserTokens) {
				if !u.Access.HasPermissions() || u.Access.Permissions() == nil || len(u.Access.Permissions()) != 0 {
					t.Errorf("permissions %#v", u.Access.Permissions())
				}
			}},
		{name: "refused/the client lacks the grant type", req: annRequest(func(r *UserRequest) {
			r.GrantType = GrantRefreshToken
			r.Client.GrantTypes = []string{GrantAuthorizationCode}
		}), reason: ReasonGrantTypeNotAllowed},
		{name: "refused/blocked user", req: annRequest(func(r *UserRequest) { r.User.Blocked = true }), reason: ReasonUserBlocked},
		{name: "refused/unknown API", req: annRequest(func(r *UserRequest) { r.Audience = "https://nowhere" }), reason: ReasonUnknownAudience},
		{name: "refused/the Management API is no person's audience", req: annRequest(func(r *UserRequest) {
			r.Audience, r.Scopes = apiSystem, []string{"openid", "create:clients"}
		}), reason: ReasonUnknownAudience},
		{name: "refused/the organization is gone", req: annRequest(func(r *UserRequest) { r.Organization = "org_gone" }), reason: ReasonOrganizationDenied},
		{name: "refused/no longer a member", req: annRequest(func(r *UserRequest) { r.Member = false }), reason: ReasonNotMember},
		{name: "refused/the client denies organizations now", req: annRequest(func(r *UserRequest) { r.Client.OrganizationUsage = UsageDeny }), reason: ReasonOrganizationNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := peopleTenant()
			ten.namesAllowed = tt.names
			u, err := DecideUser(ten, tt.req)
			if tt.reason != 0 {
				r, ok := errors.AsType[*Refusal](err)
				if !ok || r.Reason != tt.reason || u.Access.Valid() || u.ID.Valid() {
					t.Fatalf("DecideUser = %+v, %v; want refusal %d", u, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, u)
		})
	}
}

// FuzzDecideUser decides random logins and checks what must hold of every person's token: never for a
// blocked user, a missing API or organization, or a non-member; the organization the login was made in
// and no other; scopes among those asked; permissions only for the authz dialect; a refresh token only
// with offline_access.
func FuzzDecideUser(f *testing.F) {
	f.Add(uint64(0), "openid read")
	f.Add(uint64(0xffff), "openid profile email offline_access read write admin")
	f.Add(uint64(0x1f3), "read offline_access")
	f.Add(uint64(0x1060), "openid create:clients") // the Management API, member of acme
	f.Fuzz(func(t *testing.T, bits uint64, scope string) {
		bit := func(i int) bool { return bits>>i&1 == 1 }
		ten := peopleTenant()
		ten.namesAllowed = bit(0)
		r := annRequest(nil)
		r.Scopes = strings.Fields(scope)
		r.Audience = [...]string{audience, apiAuthz, "", "https://nowhere"}[bits>>1&3]
		if bit(12) {
			r.Audience = apiSystem
		}
		r.Organization = [...]string{acme.ID, "", "org_gone", globex.ID}[bits>>3&3]
		r.Member, r.User.Blocked = bit(5), bit(6)
		r.Client.OrganizationUsage = Usages[bits>>7&3]
		if bit(9) {
			r.GrantType = GrantRefreshToken
		}
		if bit(10) {
			r.Client.GrantTypes = []string{GrantAuthorizationCode}
		}
		if bit(11) {
			r.Permissions = []string{"read", "admin"}
		}
		u, err := DecideUser(ten, r)
		if err != nil {
			if _, ok := errors.AsType[*Refusal](err); !ok {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		a := u.Access
		switch {
		case r.User.Blocked:
			t.Fatal("a token for a blocked user")
		case r.Audience == apiSystem:
			t.Fatal("a person's token for the Management API")
		case !slices.Contains(r.Client.GrantTypes, r.GrantType):
			t.Fatal("a token by a grant the client lacks")
		case a.OrganizationID() != r.Organization:
			t.Fatalf("org_id %q for a login in %q", a.OrganizationID(), r.Organization)
		case r.Organization != "" && (!r.Member || !r.Client.OrganizationUsage.AdmitsOrganizations()):
			t.Fatal("an organization token for a non-member, or by a client that denies organizations")
		case a.HasPermissions() != (r.Audience == apiAuthz):
			t.Fatal("the permissions claim outside the authz dialect")
		case u.Refresh && !slices.Contains(a.Scopes(), ScopeOfflineAccess):
			t.Fatal("a refresh token without offline_access")
		case u.ID.Valid() != slices.Contains(a.Scopes(), ScopeOpenID):
			t.Fatal("an ID token without openid, or openid without one")
		}
		if r.Organization != "" {
			if _, ok := ten.OrganizationByID(r.Organization); !ok {
				t.Fatal("a token for an organization that does not exist")
			}
		}
		if r.Audience != "" {
			if _, ok := ten.API(r.Audience); !ok {
				t.Fatal("a token for an API that does not exist")
			}
		}
		for _, s := range a.Scopes() {
			if !slices.Contains(r.Scopes, s) {
				t.Fatalf("scope %q was not asked", s)
			}
			if r.Audience == apiAuthz && s != ScopeOpenID && s != ScopeProfile && s != ScopeEmail && s != ScopeOfflineAccess && !slices.Contains(r.Permissions, s) {
				t.Fatalf("scope %q without its permission under enforce_policies", s)
			}
		}
	})
}

func TestLoginOrganization(t *testing.T) {
	tests := []struct {
		name     string
		usage    Usage
		behavior string
		value    string
		names    bool
		want     LoginContext
		reason   Reason
	}{
		{name: "deny/no organization: a personal login", usage: UsageDeny, want: LoginContext{Personal: true}},
		{name: "unset/no organization: a personal login", usage: UsageUnset, behavior: BehaviorPostLoginPrompt, want: LoginContext{Personal: true}},
		{name: "deny/organization sent: refused", usage: UsageDeny, value: acme.ID, reason: ReasonOrganizationNotAllowed},
		{name: "allow/by id", usage: UsageAllow, value: acme.ID, want: LoginContext{Organization: acme}},
		{name: "require/by id", usage: UsageRequire, value: acme.ID, want: LoginContext{Organization: acme}},
		{name: "require/by name in another case, names on", usage: UsageRequire, value: "ACME", names: true, want: LoginContext{Organization: acme}},
		{name: "require/by name, names off: invalid", usage: UsageRequire, value: "acme", reason: ReasonOrganizationInvalid},
		{name: "require/unknown id: invalid", usage: UsageRequire, value: "org_nobody", reason: ReasonOrganizationInvalid},
		{name: "require/no_prompt without organization: required", usage: UsageRequire, behavior: BehaviorNoPrompt, reason: ReasonOrganizationRequired},
		{name: "require/unset behavior is no_prompt", usage: UsageRequire, reason: ReasonOrganizationRequired},
		{name: "require/pre_login_prompt asks first", usage: UsageRequire, behavior: BehaviorPreLoginPrompt, want: LoginContext{Prompt: PromptPreLogin}},
		{name: "require/post_login_prompt picks after", usage: UsageRequire, behavior: BehaviorPostLoginPrompt, want: LoginContext{Prompt: PromptPostLogin}},
		{name: "allow/post_login_prompt offers the personal account", usage: UsageAllow, behavior: BehaviorPostLoginPrompt, want: LoginContext{Prompt: PromptPostLogin, Personal: true}},
		{name: "allow/no_prompt logs in without organization", usage: UsageAllow, behavior: BehaviorNoPrompt, want: LoginContext{Personal: true}},
		{name: "allow/pre_login_prompt logs in without organization", usage: UsageAllow, behavior: BehaviorPreLoginPrompt, want: LoginContext{Personal: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := tenantWith(nil, false)
			ten.namesAllowed = tt.names
			got, err := LoginOrganization(ten, Client{ID: "web", OrganizationUsage: tt.usage}, tt.behavior, tt.value)
			if tt.reason != 0 {
				if r, ok := errors.AsType[*Refusal](err); !ok || r.Reason != tt.reason || r.Organization != tt.value {
					t.Fatalf("LoginOrganization = %+v, %v; want refusal %d", got, err, tt.reason)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("LoginOrganization = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
