package keys

import (
	"cmp"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/store"
)

// verify checks token as the server does: with accesstoken, on the Manager's keys and clock.
func verify(m *Manager, token, issuer, audience string) (accesstoken.Claims, error) {
	v, err := accesstoken.New(issuer, audience, accesstoken.WithKeys(m.KeySet), accesstoken.WithClock(m.now))
	if err != nil {
		return accesstoken.Claims{}, err
	}
	return v.Verify(context.Background(), token)
}

// TestVerify checks that the tokens the Manager signs verify with its own KeySet, and the refusals that
// matter to the Management API.
func TestVerify(t *testing.T) {
	st := seededStore(t)
	clk := newClock()
	m := open(t, st, clk)
	now := clk.Now()
	b64 := base64.RawURLEncoding.EncodeToString

	t.Run("accepts a valid token and returns its claims", func(t *testing.T) {
		for _, alg := range Algorithms() {
			got, err := verify(m, sign(t, m, alg, claimsAt(t, now, nil)), testIssuer, testAudience)
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			want := accesstoken.Claims{
				Subject:        "abcdefghijklmnopqrstuvwxyz012345@clients",
				ClientID:       "abcdefghijklmnopqrstuvwxyz012345",
				Scopes:         []string{"read:clients", "create:organizations"},
				OrganizationID: "org_0123456789abcdef",
				Expiry:         now.Add(time.Hour),
			}
			if got.Subject != want.Subject || got.ClientID != want.ClientID || got.OrganizationID != want.OrganizationID ||
				!slices.Equal(got.Scopes, want.Scopes) || !got.Expiry.Equal(want.Expiry) {
				t.Errorf("%s: claims = %+v, want %+v", alg, got, want)
			}
		}
	})

	accepted := []struct {
		name   string
		claims map[string]any
	}{
		{"accept/audience in an array", map[string]any{"aud": []string{"https://other/", testAudience}}},
		{"accept/expired within the leeway", map[string]any{"exp": now.Add(-20 * time.Second).Unix()}},
		{"accept/not before within the leeway", map[string]any{"nbf": now.Add(20 * time.Second).Unix()}},
		{"accept/no scope", map[string]any{"scope": nil}},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := verify(m, sign(t, m, RS256, claimsAt(t, now, tc.claims)), testIssuer, testAudience); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}

	valid := sign(t, m, RS256, claimsAt(t, now, nil))
	parts := strings.Split(valid, ".")
	rsKID := kids(m.Keys(), store.KeyCurrent)[RS256][0]
	rsPriv, err := x509.ParsePKCS8PrivateKey(unsealed(t, st.stored(RS256, store.KeyCurrent)[0]))
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(rsPriv.(*rsa.PrivateKey).Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	// header encodes a JWS header naming the current RS256 key.
	header := func(alg string) string {
		h, err := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": rsKID})
		if err != nil {
			t.Fatal(err)
		}
		return b64(h)
	}
	hmacForgery := func() string {
		input := header("HS256") + "." + parts[1]
		mac := hmac.New(sha256.New, pubPEM)
		mac.Write([]byte(input))
		return input + "." + b64(mac.Sum(nil))
	}
	pssWithRSAKey := func() string {
		input := header("PS256") + "." + parts[1]
		digest := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPSS(rand.Reader, rsPriv.(*rsa.PrivateKey), crypto.SHA256, digest[:], nil)
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + b64(sig)
	}
	unknownKey := func() string {
		sk, err := (&Manager{newKey: newPrivateKey, kek: testKEK}).generateKey(ES256, store.KeyCurrent, now)
		if err != nil {
			t.Fatal(err)
		}
		k, err := parseKey(sk, unsealed(t, sk))
		if err != nil {
			t.Fatal(err)
		}
		token, err := k.signJWS(claimsAt(t, now, nil))
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	tampered := func() string {
		forged := claimsAt(t, now, map[string]any{"scope": "delete:clients"})
		return parts[0] + "." + b64(forged) + "." + parts[2]
	}

	refused := []struct {
		kind             error
		name             string
		token            string
		issuer, audience string
	}{
		{kind: accesstoken.ErrIssuer, name: "refuse/wrong issuer", token: sign(t, m, RS256, claimsAt(t, now, map[string]any{"iss": "https://evil.example.com/"}))},
		{kind: accesstoken.ErrIssuer, name: "refuse/issuer without trailing slash", token: sign(t, m, RS256, claimsAt(t, now, map[string]any{"iss": strings.TrimSuffix(testIssuer, "/")}))},
		{kind: accesstoken.ErrAudience, name: "refuse/wrong audience", token: sign(t, m, ES256, claimsAt(t, now, map[string]any{"aud": "https://api.example.com/"}))},
		{kind: accesstoken.ErrAudience, name: "refuse/no audience", token: sign(t, m, ES256, claimsAt(t, now, map[string]any{"aud": nil}))},
		{kind: accesstoken.ErrExpired, name: "refuse/expired beyond the leeway", token: sign(t, m, PS256, claimsAt(t, now, map[string]any{"exp": now.Add(-time.Minute).Unix()}))},
		{kind: accesstoken.ErrNoExpiry, name: "refuse/no expiry", token: sign(t, m, RS256, claimsAt(t, now, map[string]any{"exp": nil}))},
		{kind: accesstoken.ErrNotYetValid, name: "refuse/not yet valid", token: sign(t, m, RS256, claimsAt(t, now, map[string]any{"nbf": now.Add(time.Minute).Unix()}))},
		{kind: accesstoken.ErrIssuedInFuture, name: "refuse/issued in the future", token: sign(t, m, RS256, claimsAt(t, now, map[string]any{"iat": now.Add(time.Minute).Unix()}))},
		{kind: accesstoken.ErrMalformed, name: "refuse/scope not a string", token: sign(t, m, RS256, claimsAt(t, now, map[string]any{"scope": []string{"read:clients"}}))},
		{kind: accesstoken.ErrMalformed, name: "refuse/alg none", token: header("none") + "." + parts[1] + "."},
		{kind: accesstoken.ErrMalformed, name: "refuse/alg none with the original signature", token: header("none") + "." + parts[1] + "." + parts[2]},
		{kind: accesstoken.ErrMalformed, name: "refuse/HMAC keyed with the public key", token: hmacForgery()},
		{kind: accesstoken.ErrAlgorithm, name: "refuse/PSS signature by the RS256 key", token: pssWithRSAKey()},
		{kind: accesstoken.ErrUnknownKey, name: "refuse/unknown kid", token: unknownKey()},
		{kind: accesstoken.ErrSignature, name: "refuse/tampered payload", token: tampered()},
		{kind: accesstoken.ErrSignature, name: "refuse/signature of another token", token: parts[0] + "." + strings.Split(sign(t, m, RS256, claimsAt(t, now.Add(time.Second), nil)), ".")[1] + "." + parts[2]},
		{kind: accesstoken.ErrIssuer, name: "refuse/verified against another issuer", token: valid, issuer: "https://other.example.com/"},
		{kind: accesstoken.ErrAudience, name: "refuse/verified against another audience", token: valid, audience: testIssuer + "api/other/"},
		{kind: accesstoken.ErrMalformed, name: "refuse/empty string", token: ""},
		{kind: accesstoken.ErrMalformed, name: "refuse/garbage", token: "not.a.jwt"},
		{kind: accesstoken.ErrMalformed, name: "refuse/JSON serialization", token: `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			issuer, audience := cmp.Or(tc.issuer, testIssuer), cmp.Or(tc.audience, testAudience)
			_, err := verify(m, tc.token, issuer, audience)
			if !errors.Is(err, accesstoken.ErrInvalidToken) || !errors.Is(err, tc.kind) {
				t.Errorf("Verify error = %v, want a refusal for %v", err, tc.kind)
			}
		})
	}

	t.Run("a verifier without issuer or audience is a configuration error", func(t *testing.T) {
		for _, args := range [][2]string{{"", testAudience}, {testIssuer, ""}} {
			_, err := verify(m, valid, args[0], args[1])
			if err == nil || errors.Is(err, accesstoken.ErrInvalidToken) {
				t.Errorf("Verify(%q, %q) error = %v, want a non-token error", args[0], args[1], err)
			}
		}
	})
}
