package oauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/logattr"
	"github.com/orgauth/orgauth/internal/store"
)

// The client "keyed" authenticates with private_key_jwt: key one (RS256), key two (PS256) and an
// expired key three (RS256) are referenced.
var (
	assertionKeysOnce sync.Once
	assertionKeys     [4]*rsa.PrivateKey // [3] is not a credential
)

func testAssertionKeys(t testing.TB) [4]*rsa.PrivateKey {
	assertionKeysOnce.Do(func() {
		for i := range assertionKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			assertionKeys[i] = k
		}
	})
	return assertionKeys
}

func publicPEM(k *rsa.PrivateKey) string {
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func withKeyedClient(t testing.TB, f *fixture) {
	keys := testAssertionKeys(t)
	creds := []store.ClientCredential{
		{ID: "cred_one", KID: "key-one-0001", Alg: "RS256", PEM: publicPEM(keys[0])},
		{ID: "cred_two", KID: "key-two-0002", Alg: "PS256", PEM: publicPEM(keys[1])},
		{ID: "cred_old", KID: "key-old-0003", Alg: "RS256", PEM: publicPEM(keys[2]), ExpiresAt: testNow.Add(-time.Second)},
	}
	f.dir.clients["keyed"] = store.Client{ClientID: "keyed", GrantTypes: []string{"client_credentials"},
		PrivateKeyJWTCredentials: []string{"cred_one", "cred_two", "cred_old"}}
	f.dir.grants[[2]string{"keyed", audUnset}] = store.ClientGrant{ID: "cgr_keyed", ClientID: "keyed", Audience: audUnset,
		Scope: []string{"read:data"}}
	f.dir.creds = map[string][]store.ClientCredential{"keyed": creds}
}

// sign signs claims as the client does, with go-jose.
func sign(t testing.TB, key *rsa.PrivateKey, alg jose.SignatureAlgorithm, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// goodClaims are valid claims of the keyed client with a fresh jti.
func goodClaims() map[string]any {
	var b [12]byte
	rand.Read(b[:])
	return map[string]any{"iss": "keyed", "sub": "keyed", "aud": testIssuer, "jti": base64.RawURLEncoding.EncodeToString(b[:]),
		"iat": testNow.Unix(), "exp": testNow.Unix() + 60}
}

func assertionForm(assertion string, extra url.Values) url.Values {
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset},
		"client_assertion_type": {assertionType}, "client_assertion": {assertion}}
	for k, v := range extra {
		form[k] = v
	}
	return form
}

func TestClientAssertionRules(t *testing.T) {
	keys := testAssertionKeys(t)
	with := func(change func(map[string]any)) map[string]any {
		c := goodClaims()
		change(c)
		return c
	}
	rs := func(claims map[string]any) string { return sign(t, keys[0], jose.RS256, "key-one-0001", claims) }
	tests := []struct {
		name    string
		form    url.Values
		basic   bool   // send client_secret in HTTP Basic too
		status  int    // 200 for success
		details string // the logged reason of a 401, or the description of another refusal
	}{
		{"ok/RS256 with its kid", assertionForm(rs(goodClaims()), nil), false, 200, ""},
		{"ok/PS256 without a kid: each credential is tried", assertionForm(sign(t, keys[1], jose.PS256, "", goodClaims()), nil), false, 200, ""},
		{"ok/aud an array with the token endpoint", assertionForm(rs(with(func(c map[string]any) { c["aud"] = []string{"x", testIssuer + "oauth/token"} })), nil), false, 200, ""},
		{"ok/client_id sent too", assertionForm(rs(goodClaims()), url.Values{"client_id": {"keyed"}}), false, 200, ""},
		{"ok/no iat, exp within 300 s", assertionForm(rs(with(func(c map[string]any) { delete(c, "iat"); c["exp"] = testNow.Unix() + 300 })), nil), false, 200, ""},
		{"ok/within the skew", assertionForm(rs(with(func(c map[string]any) {
			c["iat"] = testNow.Unix() + 10
			c["exp"] = testNow.Unix() - 9
			c["nbf"] = testNow.Unix() + 10
		})), nil), false, 200, ""},

		{"fail/a secret too", assertionForm(rs(goodClaims()), url.Values{"client_secret": {"x"}}), false, 400, "client_assertion cannot be combined with client_secret"},
		{"fail/a secret in Basic too", assertionForm(rs(goodClaims()), nil), true, 400, "client_assertion cannot be combined with client_secret"},
		{"fail/wrong assertion type", assertionForm(rs(goodClaims()), url.Values{"client_assertion_type": {"jwt"}}), false, 401, "client_assertion_type must be " + assertionType},
		{"fail/type without assertion", assertionForm("", nil), false, 401, "client_assertion is missing"},
		{"fail/over 2048 bytes", assertionForm(rs(with(func(c map[string]any) { c["pad"] = strings.Repeat("x", 1600) })), nil), false, 401, "the assertion is longer than 2048 bytes"},
		{"fail/alg none", assertionForm(b64json(map[string]any{"alg": "none"})+"."+b64json(goodClaims())+".", nil), false, 401,
			"the assertion is not a JWS signed with RS256, RS384 or PS256: unexpected signature algorithm \"none\"; expected [\"RS256\" \"RS384\" \"PS256\"]"},
		{"fail/HS256", assertionForm(hs256(t, goodClaims()), nil), false, 401,
			"the assertion is not a JWS signed with RS256, RS384 or PS256: unexpected signature algorithm \"HS256\"; expected [\"RS256\" \"RS384\" \"PS256\"]"},
		{"fail/alg differs from the credential's", assertionForm(sign(t, keys[0], jose.RS384, "key-one-0001", goodClaims()), nil), false, 401, "alg RS384 differs from the credential's RS256"},
		{"fail/unknown kid", assertionForm(sign(t, keys[0], jose.RS256, "key-nope-0009", goodClaims()), nil), false, 401, `kid "key-nope-0009" names no credential of the client`},
		{"fail/a long unknown kid is quoted in part", assertionForm(sign(t, keys[0], jose.RS256, strings.Repeat("k", 800), goodClaims()), nil), false, 401,
			logattr.Prefix(`kid "`+strings.Repeat("k", 800)+`" names no credential of the client`, logattr.MaxText)},
		{"fail/signed by another key", assertionForm(sign(t, keys[3], jose.RS256, "key-one-0001", goodClaims()), nil), false, 401, "the signature does not verify"},
		{"fail/signed by another key, no kid", assertionForm(sign(t, keys[3], jose.RS256, "", goodClaims()), nil), false, 401, "no unexpired RS256 credential of the client verifies the signature"},
		{"fail/expired credential", assertionForm(sign(t, keys[2], jose.RS256, "key-old-0003", goodClaims()), nil), false, 401, "the credential cred_old expired at 2023-11-14T22:13:19Z"},
		{"fail/iss differs from sub", assertionForm(rs(with(func(c map[string]any) { c["iss"] = "other" })), nil), false, 401, "iss and sub must both be the client_id"},
		{"fail/no sub", assertionForm(rs(with(func(c map[string]any) { delete(c, "sub"); delete(c, "iss") })), nil), false, 401, "iss and sub must both be the client_id"},
		{"fail/sub over 64", assertionForm(rs(with(func(c map[string]any) { c["sub"] = strings.Repeat("k", 65); c["iss"] = c["sub"] })), nil), false, 401, "sub is longer than 64 characters"},
		{"fail/client_id differs", assertionForm(rs(goodClaims()), url.Values{"client_id": {"app"}}), false, 401, "client_id differs from the assertion's sub"},
		{"fail/unknown client", assertionForm(rs(with(func(c map[string]any) { c["sub"] = "ghost"; c["iss"] = "ghost" })), nil), false, 401, "unknown client"},
		{"fail/client without private_key_jwt", assertionForm(rs(with(func(c map[string]any) { c["sub"] = "app"; c["iss"] = "app" })), nil), false, 401, "the client does not authenticate with private_key_jwt"},
		{"fail/no jti", assertionForm(rs(with(func(c map[string]any) { delete(c, "jti") })), nil), false, 401, "jti is missing"},
		{"fail/jti over 64", assertionForm(rs(with(func(c map[string]any) { c["jti"] = strings.Repeat("j", 65) })), nil), false, 401, "jti is longer than 64 characters"},
		{"fail/aud another", assertionForm(rs(with(func(c map[string]any) { c["aud"] = "https://elsewhere/" })), nil), false, 401, "aud must be " + testIssuer + " or " + testIssuer + "oauth/token"},
		{"fail/aud without the slash", assertionForm(rs(with(func(c map[string]any) { c["aud"] = strings.TrimSuffix(testIssuer, "/") })), nil), false, 401, "aud must be " + testIssuer + " or " + testIssuer + "oauth/token"},
		{"fail/no exp", assertionForm(rs(with(func(c map[string]any) { delete(c, "exp") })), nil), false, 401, "exp is missing"},
		{"fail/expired past the skew", assertionForm(rs(with(func(c map[string]any) { c["iat"] = testNow.Unix() - 100; c["exp"] = testNow.Unix() - 10 })), nil), false, 401, "the assertion expired"},
		{"fail/iat in the future", assertionForm(rs(with(func(c map[string]any) { c["iat"] = testNow.Unix() + 11 })), nil), false, 401, "iat is in the future"},
		{"fail/nbf in the future", assertionForm(rs(with(func(c map[string]any) { c["nbf"] = testNow.Unix() + 11 })), nil), false, 401, "nbf is in the future"},
		{"fail/lifetime over 300 s", assertionForm(rs(with(func(c map[string]any) { c["exp"] = testNow.Unix() + 301 })), nil), false, 401, "exp - iat exceeds 300 seconds"},
		{"fail/no iat, exp over 300 s away", assertionForm(rs(with(func(c map[string]any) { delete(c, "iat"); c["exp"] = testNow.Unix() + 301 })), nil), false, 401, "exp is more than 300 seconds away"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			withKeyedClient(t, f)
			r := formRequest(tt.form)
			if tt.basic {
				r.Header.Set("Authorization", basicHeader("keyed", "x"))
			}
			rec := f.serve(r)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s\n%s", rec.Code, tt.status, rec.Body, f.logs)
			}
			var body map[string]string
			json.Unmarshal(rec.Body.Bytes(), &body)
			switch tt.status {
			case 200:
				if !strings.Contains(f.logs.String(), `"details":{"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":`) {
					t.Errorf("success not logged:\n%s", f.logs)
				}
			case 401:
				if body["error"] != "invalid_client" || body["error_description"] != "Client authentication failed" {
					t.Fatalf("answer %s", rec.Body)
				}
				want, _ := json.Marshal(tt.details)
				if !strings.Contains(f.logs.String(), `"details":`+string(want)) {
					t.Errorf("log lacks details %s:\n%s", want, f.logs)
				}
			default:
				if body["error"] != "invalid_request" || body["error_description"] != tt.details {
					t.Fatalf("answer %s", rec.Body)
				}
			}
		})
	}
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hs256(t *testing.T, claims any) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("a shared secret of 32 bytes!!!!!")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClientAssertionReplayIsRefused(t *testing.T) {
	f := newFixture(t)
	withKeyedClient(t, f)
	assertion := sign(t, testAssertionKeys(t)[0], jose.RS256, "key-one-0001", goodClaims())
	if rec := f.serve(formRequest(assertionForm(assertion, nil))); rec.Code != http.StatusOK {
		t.Fatalf("first use: %d %s", rec.Code, rec.Body)
	}
	rec := f.serve(formRequest(assertionForm(assertion, nil)))
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"error":"invalid_client"`) {
		t.Fatalf("replay: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(f.logs.String(), "the assertion's jti was used before") {
		t.Errorf("replay reason not logged:\n%s", f.logs)
	}
}

func TestClientAssertionKeyedClientsSecretIsRefused(t *testing.T) {
	f := newFixture(t)
	withKeyedClient(t, f)
	f.dir.secrets = map[string]string{"keyed": "keyed-secret"}
	rec := f.serve(formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset},
		"client_id": {"keyed"}, "client_secret": {"keyed-secret"}}))
	if rec.Code != http.StatusUnauthorized || !strings.Contains(f.logs.String(), "the client authenticates with private_key_jwt, the request sent a secret") {
		t.Fatalf("%d %s\n%s", rec.Code, rec.Body, f.logs)
	}
}

func TestJTICacheIsBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newJTICache(2, 1<<20)
	if !c.use("a", "1", now.Add(time.Minute), now) || !c.use("a", "2", now.Add(time.Second), now) {
		t.Fatal("refused while not full")
	}
	if c.use("b", "1", now.Add(time.Minute), now) {
		t.Fatal("accepted past maxEntries while every entry is live")
	}
	later := now.Add(2 * time.Second) // "a"/"2" expired
	if !c.use("b", "1", later.Add(time.Minute), later) {
		t.Fatal("refused once an entry expired")
	}
	if c.use("a", "1", later.Add(time.Minute), later) {
		t.Fatal("replay accepted")
	}
	small := newJTICache(100, 2*(jtiEntryOverhead+3))
	if !small.use("a", "1", now.Add(time.Minute), now) || !small.use("a", "2", now.Add(time.Minute), now) || small.use("a", "3", now.Add(time.Minute), now) {
		t.Fatal("the byte bound does not hold")
	}
}
