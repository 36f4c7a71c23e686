package keys

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
)

func TestSignIDToken(t *testing.T) {
	clk := newClock()
	m := open(t, seededStore(t), clk)
	updated := time.Date(2023, 1, 25, 19, 0, 26, 187_000_000, time.UTC)
	req := policy.UserRequest{
		GrantType: policy.GrantAuthorizationCode,
		Client:    policy.Client{ID: "web", GrantTypes: []string{policy.GrantAuthorizationCode}, OrganizationUsage: policy.UsageRequire, IDTokenLifetime: 600},
		User: policy.User{ID: "auth0|0123456789abcdef01234567", Profile: policy.Profile{Name: "Ann \"A\" Lee", Nickname: "ann",
			Email: "ann@acme.test", EmailVerified: true, UpdatedAt: updated}},
		Scopes: []string{"openid", "profile", "email"}, Organization: "org_acme", Member: true,
		SessionID: "sid-1", AuthTime: clk.Now().Add(-time.Minute), Nonce: "n-0S6_WzA2Mj", Now: clk.Now(),
	}
	u, err := policy.DecideUser(oneGrant{RS256}, req)
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := m.SignIDToken(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := verifyWithJWKS(t, m.JWKS(), jwt)
	want := map[string]any{"iss": testIssuer, "sub": req.User.ID, "aud": "web", "iat": float64(clk.Now().Unix()),
		"exp": float64(clk.Now().Add(600 * time.Second).Unix()), "auth_time": float64(clk.Now().Add(-time.Minute).Unix()),
		"sid": "sid-1", "nonce": "n-0S6_WzA2Mj", "name": "Ann \"A\" Lee", "nickname": "ann", "updated_at": "2023-01-25T19:00:26.187Z",
		"email": "ann@acme.test", "email_verified": true, "org_id": "org_acme", "org_name": "acme"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if len(c) != len(want) {
		t.Errorf("claims %v: want exactly %d (no given_name, family_name or picture: never set)", c, len(want))
	}

	t.Run("without profile and email: neither kind of claim", func(t *testing.T) {
		r := req
		r.Scopes = []string{"openid"}
		u, err := policy.DecideUser(oneGrant{RS256}, r)
		if err != nil {
			t.Fatal(err)
		}
		jwt, err := m.SignIDToken(u.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := verifyWithJWKS(t, m.JWKS(), jwt)
		for _, k := range []string{"name", "nickname", "updated_at", "email", "email_verified"} {
			if _, ok := c[k]; ok {
				t.Errorf("claim %s without its scope", k)
			}
		}
	})
	t.Run("a token DecideUser did not make is refused", func(t *testing.T) {
		if _, err := m.SignIDToken(policy.IDToken{}); !errors.Is(err, errUndecided) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestReadIDTokenHint(t *testing.T) {
	clk := newClock()
	m := open(t, seededStore(t), clk)
	u, err := policy.DecideUser(oneGrant{RS256}, policy.UserRequest{GrantType: policy.GrantAuthorizationCode,
		Client: policy.Client{ID: "web", GrantTypes: []string{policy.GrantAuthorizationCode}}, User: policy.User{ID: "auth0|ann"},
		Scopes: []string{"openid"}, SessionID: "sid-1", Now: clk.Now().Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := m.SignIDToken(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.ReadIDTokenHint(jwt)
	if err != nil || h.Subject != "auth0|ann" || h.SessionID != "sid-1" || len(h.Audience) != 1 || h.Audience[0] != "web" || h.Issuer != testIssuer {
		t.Fatalf("an expired hint: %+v, %v", h, err)
	}
	parts := strings.Split(jwt, ".")
	forged := parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2]
	if _, err := m.ReadIDTokenHint(forged); err == nil {
		t.Error("a hint with altered claims was read")
	}
	if _, err := m.ReadIDTokenHint("not.a.jwt"); err == nil {
		t.Error("garbage was read")
	}
}
