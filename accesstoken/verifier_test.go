package accesstoken

import (
	"context"
	"crypto/x509"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestVerifyAcceptsEachAlgorithm(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	want := Claims{
		Subject: "bot123@clients", ClientID: "bot123", GrantType: "client-credentials",
		Scopes:         []string{"read:adventures", "create:adventures"},
		OrganizationID: "org_acme", OrganizationName: "acme", ID: "jti-1",
		Expiry: clk.Now().Add(time.Hour), IssuedAt: clk.Now(),
	}
	for _, key := range []signingKey{rs256(), ps256(), es256()} {
		t.Run(string(key.alg), func(t *testing.T) {
			got, err := v.Verify(context.Background(), sign(t, key, iss.claims(clk.Now(), nil)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("claims\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestVerifyAcceptsTokens(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	now := clk.Now()
	tests := []struct {
		name  string
		edit  map[string]any
		check func(Claims) bool
	}{
		{"audience among several", map[string]any{"aud": []string{"https://other", testAudience}}, nil},
		{"no organization", map[string]any{"org_id": nil, "org_name": nil},
			func(c Claims) bool { return c.OrganizationID == "" && c.OrganizationName == "" }},
		{"no scope", map[string]any{"scope": nil}, func(c Claims) bool { return len(c.Scopes) == 0 }},
		{"no iat", map[string]any{"iat": nil}, func(c Claims) bool { return c.IssuedAt.IsZero() }},
		{"expired less than the leeway ago", map[string]any{"exp": now.Add(-20 * time.Second).Unix()}, nil},
		{"nbf within the leeway", map[string]any{"nbf": now.Add(20 * time.Second).Unix()}, nil},
		{"iat within the leeway", map[string]any{"iat": now.Add(20 * time.Second).Unix()}, nil},
		{"unknown claims", map[string]any{"permissions": []string{"x"}, "https://travel0/tier": "gold"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(now, tt.edit)))
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil && !tt.check(c) {
				t.Errorf("claims %+v", c)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	now := clk.Now()
	valid := iss.claims(now, nil)
	with := func(edit map[string]any) map[string]any { return iss.claims(now, edit) }
	rsPublicDER, err := x509.MarshalPKIXPublicKey(rs256().key.Public())
	if err != nil {
		t.Fatal(err)
	}
	stripSignature := func(tok string) string { return tok[:strings.LastIndex(tok, ".")+1] }
	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		return parts[0] + "." + strings.Split(sign(t, rs256(), with(map[string]any{"org_id": "org_globex"})), ".")[1] + "." + parts[2]
	}

	tests := []struct {
		name  string
		token string
		kind  error
	}{
		{"fail/empty", "", ErrMalformed},
		{"fail/not a JWT", "hello", ErrMalformed},
		{"fail/two parts", "eyJhbGciOiJSUzI1NiJ9.e30", ErrMalformed},
		{"fail/five parts (JWE)", "a.b.c.d.e", ErrMalformed},
		{"fail/too large", strings.Repeat("a", maxTokenSize+1), ErrTooLarge},
		{"fail/alg none", unsigned(`{"alg":"none","kid":"rs-1"}`, valid, nil), ErrMalformed},
		{"fail/HS256 keyed with the RSA public key", hmacSigned(t, "rs-1", rsPublicDER, valid), ErrMalformed},
		{"fail/no kid", sign(t, signingKey{"", jose.RS256, rs256().key}, valid), ErrMalformed},
		{"fail/unknown kid", sign(t, signingKey{"nope", jose.RS256, rs256().key}, valid), ErrUnknownKey},
		{"fail/PS256 signature by the RS256 key", sign(t, signingKey{"rs-1", jose.PS256, rs256().key}, valid), ErrAlgorithm},
		{"fail/RS256 header on the ES256 key", sign(t, signingKey{"es-1", jose.RS256, rs256().key}, valid), ErrAlgorithm},
		{"fail/signed by another key with a published kid", sign(t, signingKey{"rs-1", jose.RS256, testKeys()["rsa-b"]}, valid), ErrSignature},
		{"fail/claims changed after signing", tamper(sign(t, rs256(), valid)), ErrSignature},
		{"fail/signature stripped", stripSignature(sign(t, rs256(), valid)), ErrSignature},
		{"fail/payload not an object", unsignedRS(t, `[1,2]`), ErrMalformed},
		{"fail/org_id not a string", sign(t, rs256(), with(map[string]any{"org_id": 42})), ErrMalformed},
		{"fail/exp not a number", sign(t, rs256(), with(map[string]any{"exp": "tomorrow"})), ErrMalformed},
		{"fail/other issuer", sign(t, rs256(), with(map[string]any{"iss": "https://evil.example/"})), ErrIssuer},
		{"fail/issuer without its trailing slash", sign(t, rs256(), with(map[string]any{"iss": strings.TrimSuffix(iss.url, "/")})), ErrIssuer},
		{"fail/no issuer", sign(t, rs256(), with(map[string]any{"iss": nil})), ErrIssuer},
		{"fail/other audience", sign(t, rs256(), with(map[string]any{"aud": "https://api.travel0.example/billing"})), ErrAudience},
		{"fail/audience differs in case", sign(t, rs256(), with(map[string]any{"aud": strings.ToUpper(testAudience)})), ErrAudience},
		{"fail/no audience", sign(t, rs256(), with(map[string]any{"aud": nil})), ErrAudience},
		{"fail/no exp", sign(t, rs256(), with(map[string]any{"exp": nil})), ErrNoExpiry},
		{"fail/expired beyond the leeway", sign(t, rs256(), with(map[string]any{"exp": now.Add(-31 * time.Second).Unix()})), ErrExpired},
		{"fail/nbf beyond the leeway", sign(t, rs256(), with(map[string]any{"nbf": now.Add(31 * time.Second).Unix()})), ErrNotYetValid},
		{"fail/iat beyond the leeway", sign(t, rs256(), with(map[string]any{"iat": now.Add(31 * time.Second).Unix()})), ErrIssuedInFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v (claims %+v), want a refusal", err, c)
			}
			checkRefusal(t, err, tt.kind)
			if !reflect.DeepEqual(c, Claims{}) {
				t.Errorf("claims %+v returned with a refusal", c)
			}
		})
	}
}

// unsignedRS signs an arbitrary payload with the RS256 key.
func unsignedRS(t *testing.T, payload string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: rs256().key, KeyID: "rs-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hmacSigned signs claims with HS256 keyed by secret: the "HMAC with the public key" confusion attack when
// secret is a published public key.
func hmacSigned(t *testing.T, kid string, secret []byte, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: secret, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestLeeway(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	now := clk.Now()
	tests := []struct {
		name   string
		opts   []Option
		exp    time.Time
		reason string // "" when accepted
	}{
		{"ok/default leeway, expired 30 s ago less a second", nil, now.Add(-29 * time.Second), ""},
		{"fail/default leeway, expired 30 s ago", nil, now.Add(-30 * time.Second), reasonExpired},
		{"ok/no leeway, expires in a second", []Option{WithLeeway(0)}, now.Add(time.Second), ""},
		{"fail/no leeway, expires now", []Option{WithLeeway(0)}, now, reasonExpired},
		{"ok/largest leeway, expired 4 minutes ago", []Option{WithLeeway(MaxLeeway)}, now.Add(-4 * time.Minute), ""},
		{"fail/largest leeway, expired 5 minutes ago", []Option{WithLeeway(MaxLeeway)}, now.Add(-MaxLeeway), reasonExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, iss, clk, tt.opts...)
			_, err := v.Verify(context.Background(), sign(t, es256(), iss.claims(now, map[string]any{"exp": tt.exp.Unix(), "iat": nil})))
			if got := reason(err); got != tt.reason || (tt.reason == "" && err != nil) {
				t.Errorf("err = %v, want reason %q", err, tt.reason)
			}
		})
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name     string
		issuer   string
		audience string
		opts     []Option
	}{
		{"fail/empty issuer", "", testAudience, nil},
		{"fail/issuer without scheme", "auth.example.com/", testAudience, nil},
		{"fail/issuer with another scheme", "ftp://auth.example.com/", testAudience, nil},
		{"fail/issuer with a query", "https://auth.example.com/?x=1", testAudience, nil},
		{"fail/empty audience", "https://auth.example.com/", "", nil},
		{"fail/negative leeway", "https://auth.example.com/", testAudience, []Option{WithLeeway(-time.Second)}},
		{"fail/leeway over the cap", "https://auth.example.com/", testAudience, []Option{WithLeeway(MaxLeeway + time.Second)}},
		{"fail/nil HTTP client", "https://auth.example.com/", testAudience, []Option{WithHTTPClient(nil)}},
		{"fail/nil clock", "https://auth.example.com/", testAudience, []Option{WithClock(nil)}},
		{"fail/nil logger", "https://auth.example.com/", testAudience, []Option{WithLogger(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := New(tt.issuer, tt.audience, tt.opts...); err == nil {
				t.Fatalf("New succeeded: %+v", v)
			}
		})
	}
}

func TestKeysUnavailableIsNotARefusal(t *testing.T) {
	tests := []struct {
		name     string
		sabotage func(iss *testIssuer)
	}{
		{"discovery names another issuer", func(iss *testIssuer) {
			iss.discovery = func(string) any {
				return map[string]any{"issuer": "https://evil.example/", "jwks_uri": iss.url + ".well-known/jwks.json"}
			}
		}},
		{"discovery without jwks_uri", func(iss *testIssuer) {
			iss.discovery = func(issuer string) any { return map[string]any{"issuer": issuer} }
		}},
		{"discovery is not JSON", func(iss *testIssuer) { iss.discovery = func(string) any { return "<html>" } }},
		{"JWKS answers 500", func(iss *testIssuer) { iss.status = 500 }},
		{"JWKS has no usable key", func(iss *testIssuer) { iss.jwks = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iss := newTestIssuer(t)
			iss.mu.Lock()
			tt.sabotage(iss)
			iss.mu.Unlock()
			v := newVerifier(t, iss, clk)
			_, err := v.Verify(context.Background(), sign(t, rs256(), iss.claims(clk.Now(), nil)))
			if err == nil || errors.Is(err, ErrInvalidToken) {
				t.Fatalf("err = %v, want an error that is not a refusal", err)
			}
		})
	}
}
