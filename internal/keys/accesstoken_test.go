package keys

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
)

// oneGrant is a policy.Tenant with one API (its algorithm chosen by the test), one client granted it
// with organizations required, and one organization linked to the grant.
type oneGrant struct{ alg string }

func (o oneGrant) Issuer() string                 { return testIssuer }
func (o oneGrant) OrganizationNamesAllowed() bool { return true }
func (o oneGrant) API(aud string) (policy.API, bool) {
	return policy.API{Identifier: testAudience, SigningAlg: o.alg, TokenLifetime: 3600}, aud == testAudience
}
func (o oneGrant) ClientGrant(clientID, aud string) (policy.Grant, bool) {
	return policy.Grant{ID: "cgr_1", Usage: policy.UsageRequire, Scopes: []string{"read:x", "write:x"}}, clientID == "bot" && aud == testAudience
}
func (o oneGrant) OrganizationByID(id string) (policy.Organization, bool) {
	return policy.Organization{ID: "org_acme", Name: "acme"}, id == "org_acme"
}
func (o oneGrant) OrganizationByName(name string) (policy.Organization, bool) {
	return policy.Organization{ID: "org_acme", Name: "acme"}, name == "acme"
}
func (o oneGrant) Associated(orgID, grantID string) bool {
	return orgID == "org_acme" && grantID == "cgr_1"
}

func TestSignAccessToken(t *testing.T) {
	clk := newClock()
	m := open(t, seededStore(t), clk)
	for _, alg := range Algorithms() {
		t.Run(alg+" signs the decided claims", func(t *testing.T) {
			tok, err := policy.Decide(oneGrant{alg}, policy.Request{
				Client:   policy.Client{ID: "bot", GrantTypes: []string{policy.GrantClientCredentials}},
				Audience: testAudience, Organization: "org_acme", Scopes: []string{"write:x"}, Now: clk.Now(),
			})
			if err != nil {
				t.Fatal(err)
			}
			jwt, err := m.SignAccessToken(tok)
			if err != nil {
				t.Fatal(err)
			}
			if got := tokenKID(t, jwt); got != kids(m.Keys(), "current")[alg][0] {
				t.Errorf("kid %s, want the current %s key", got, alg)
			}
			c := verifyWithJWKS(t, m.JWKS(), jwt)
			want := map[string]any{"iss": testIssuer, "sub": "bot@clients", "aud": testAudience, "azp": "bot",
				"scope": "write:x", "gty": "client-credentials", "org_id": "org_acme", "org_name": "acme",
				"iat": float64(clk.Now().Unix()), "exp": float64(clk.Now().Add(time.Hour).Unix())}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
			if jti, _ := c["jti"].(string); len(jti) != 22 {
				t.Errorf("jti %q, want 16 random bytes in base64url", jti)
			}
			if len(c) != len(want)+1 {
				t.Errorf("claims %v: want exactly %d", c, len(want)+1)
			}
		})
	}
	t.Run("a token policy.Decide did not make is refused", func(t *testing.T) {
		if jwt, err := m.SignAccessToken(policy.AccessToken{}); !errors.Is(err, errUndecided) || jwt != "" {
			t.Fatalf("SignAccessToken(zero) = %q, %v; want errUndecided", jwt, err)
		}
	})
	t.Run("claims are escaped", func(t *testing.T) {
		tok, err := policy.Decide(oneGrant{ES256}, policy.Request{
			Client:   policy.Client{ID: "bot", GrantTypes: []string{policy.GrantClientCredentials}},
			Audience: testAudience, Organization: "ACME", Now: clk.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
		jwt, err := m.SignAccessToken(tok)
		if err != nil || strings.Count(jwt, ".") != 2 {
			t.Fatalf("SignAccessToken = %q, %v", jwt, err)
		}
		if c := verifyWithJWKS(t, m.JWKS(), jwt); c["scope"] != "read:x write:x" {
			t.Errorf("scope %v, want every granted scope", c["scope"])
		}
	})
}

func BenchmarkAppendAccessClaims(b *testing.B) {
	tok, err := policy.Decide(oneGrant{ES256}, policy.Request{
		Client:   policy.Client{ID: "bot", GrantTypes: []string{policy.GrantClientCredentials}},
		Audience: testAudience, Organization: "org_acme", Now: time.Unix(1_800_000_000, 0),
	})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendAccessClaims(buf[:0], tok)
	}
}

// anything is a policy.Tenant in which every lookup succeeds: an API, a grant that requires an
// organization, and an organization, whatever was asked, with the names it was built with.
type anything struct{ audience, orgID, orgName string }

func (a anything) Issuer() string                 { return testIssuer }
func (a anything) OrganizationNamesAllowed() bool { return true }
func (a anything) API(string) (policy.API, bool) {
	return policy.API{Identifier: a.audience, SigningAlg: ES256, TokenLifetime: 60}, true
}
func (a anything) ClientGrant(string, string) (policy.Grant, bool) {
	return policy.Grant{ID: "cgr", Usage: policy.UsageRequire, Scopes: []string{"read:data"}}, true
}
func (a anything) OrganizationByID(string) (policy.Organization, bool) {
	return policy.Organization{ID: a.orgID, Name: a.orgName}, true
}
func (a anything) OrganizationByName(n string) (policy.Organization, bool) {
	return a.OrganizationByID(n)
}
func (a anything) Associated(string, string) bool { return true }

func TestClaimsEscapeHostileValues(t *testing.T) {
	ten := anything{audience: "https://x/\"},\"admin\":true,\"x\":\"\xff\u2028", orgID: "org_\"x", orgName: "<name>&"}
	clientID := "a\"b\\c\x00\n"
	tok, err := policy.Decide(ten, policy.Request{
		Client:   policy.Client{ID: clientID, GrantTypes: []string{policy.GrantClientCredentials}},
		Audience: ten.audience, Organization: "org_1", Now: time.Unix(1, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(appendAccessClaims(nil, tok), &got); err != nil {
		t.Fatalf("claims are not JSON: %v", err)
	}
	for k, want := range map[string]any{
		"sub":      clientID + "@clients",
		"azp":      clientID,
		"aud":      strings.ToValidUTF8(ten.audience, "\ufffd"),
		"org_id":   ten.orgID,
		"org_name": ten.orgName,
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if _, injected := got["admin"]; injected {
		t.Error("a value injected a claim")
	}
}

func TestSignUserAccessToken(t *testing.T) {
	clk := newClock()
	m := open(t, seededStore(t), clk)
	authz := oneGrant{RS256}
	u, err := policy.DecideUser(authzAPI{authz}, policy.UserRequest{
		GrantType: policy.GrantAuthorizationCode,
		Client:    policy.Client{ID: "web", GrantTypes: []string{policy.GrantAuthorizationCode}, OrganizationUsage: policy.UsageRequire},
		User:      policy.User{ID: "auth0|ann"}, Audience: testAudience, Scopes: []string{"openid", "read:x"},
		Organization: "org_acme", Member: true, Permissions: []string{"read:x", "write:x"}, Now: clk.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := m.SignAccessToken(u.Access)
	if err != nil {
		t.Fatal(err)
	}
	c := verifyWithJWKS(t, m.JWKS(), jwt)
	aud, _ := c["aud"].([]any)
	perms, _ := c["permissions"].([]any)
	if c["sub"] != "auth0|ann" || len(aud) != 2 || aud[0] != testAudience || aud[1] != testIssuer+"userinfo" || c["azp"] != "web" {
		t.Errorf("claims %v", c)
	}
	if _, ok := c["gty"]; ok || len(perms) != 2 || perms[0] != "read:x" || c["scope"] != "openid read:x" || c["org_id"] != "org_acme" {
		t.Errorf("claims %v", c)
	}
}

// authzAPI is a tenant whose API sends permissions and defines read:x and write:x.
type authzAPI struct{ oneGrant }

func (a authzAPI) API(aud string) (policy.API, bool) {
	api, ok := a.oneGrant.API(aud)
	api.TokenDialect, api.Scopes = policy.DialectAuthz, []string{"read:x", "write:x"}
	return api, ok
}
