package accesstoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const testAudience = "https://api.travel0.example/adventures"

// testKeys are generated once per test binary: RSA generation is slow, and no test changes a key.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	rsaKey := func(bits int) crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		return k
	}
	ecKey := func(c elliptic.Curve) crypto.Signer {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	return map[string]crypto.Signer{
		"rsa-a": rsaKey(2048), "rsa-b": rsaKey(2048), "rsa-1024": rsaKey(1024),
		"p256-a": ecKey(elliptic.P256()), "p256-b": ecKey(elliptic.P256()), "p384": ecKey(elliptic.P384()),
	}
})

// signingKey is a private key with the kid and algorithm a token's header names.
type signingKey struct {
	kid string
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

func (k signingKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.key.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

// The keys the test issuer publishes at first, one per algorithm.
var (
	rs256 = func() signingKey { return signingKey{"rs-1", jose.RS256, testKeys()["rsa-a"]} }
	ps256 = func() signingKey { return signingKey{"ps-1", jose.PS256, testKeys()["rsa-b"]} }
	es256 = func() signingKey { return signingKey{"es-1", jose.ES256, testKeys()["p256-a"]} }
)

// testIssuer serves a discovery document and a JWKS over HTTP and counts the requests for each.
type testIssuer struct {
	t   testing.TB
	srv *httptest.Server
	url string // the issuer: the server's URL with a trailing slash

	discoveryHits atomic.Int32
	jwksHits      atomic.Int32

	mu        sync.Mutex
	jwks      []json.RawMessage
	status    int                     // JWKS answer status; 200 unless a test breaks it
	discovery func(issuer string) any // the discovery document; a test may replace it
	held      *held                   // when set, JWKS requests wait for its release
}

func newTestIssuer(t testing.TB, keys ...signingKey) *testIssuer {
	t.Helper()
	if len(keys) == 0 {
		keys = []signingKey{rs256(), ps256(), es256()}
	}
	iss := &testIssuer{t: t, status: http.StatusOK}
	iss.discovery = func(issuer string) any {
		return map[string]any{"issuer": issuer, "jwks_uri": issuer + ".well-known/jwks.json"}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		iss.discoveryHits.Add(1)
		iss.mu.Lock()
		doc := iss.discovery(iss.url)
		iss.mu.Unlock()
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		iss.jwksHits.Add(1)
		iss.mu.Lock()
		h, status, keys := iss.held, iss.status, iss.jwks
		iss.mu.Unlock()
		if h != nil {
			h.once.Do(func() { close(h.arrived) })
			<-h.release
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	iss.srv = httptest.NewServer(mux)
	t.Cleanup(iss.srv.Close)
	iss.url = iss.srv.URL + "/"
	iss.publish(keys...)
	return iss
}

// publish replaces the JWKS with keys.
func (iss *testIssuer) publish(keys ...signingKey) {
	iss.t.Helper()
	raw := make([]any, len(keys))
	for i, k := range keys {
		raw[i] = k.jwk()
	}
	iss.publishRaw(raw...)
}

// publishRaw replaces the JWKS with entries marshalled as given.
func (iss *testIssuer) publishRaw(entries ...any) {
	iss.t.Helper()
	set := make([]json.RawMessage, len(entries))
	for i, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			iss.t.Fatal(err)
		}
		set[i] = b
	}
	iss.mu.Lock()
	iss.jwks = set
	iss.mu.Unlock()
}

func (iss *testIssuer) setStatus(status int) {
	iss.mu.Lock()
	iss.status = status
	iss.mu.Unlock()
}

// held is a hold on JWKS requests: arrived closes when the first one reaches the server, and requests
// wait until Release.
type held struct {
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// hold makes JWKS requests wait until Release.
func (iss *testIssuer) hold() *held {
	h := &held{arrived: make(chan struct{}), release: make(chan struct{})}
	iss.mu.Lock()
	iss.held = h
	iss.mu.Unlock()
	return h
}

func (h *held) Release() { close(h.release) }

// claims are a valid token's claims at now, for iss; edit lets a test change or delete (nil) some.
func (iss *testIssuer) claims(now time.Time, edit map[string]any) map[string]any {
	c := map[string]any{
		"iss": iss.url, "sub": "bot123@clients", "aud": testAudience, "azp": "bot123",
		"gty": "client-credentials", "scope": "read:adventures create:adventures",
		"org_id": "org_acme", "org_name": "acme", "jti": "jti-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range edit {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign returns the compact JWS of claims with key, its header naming key.kid and key.alg.
func sign(t testing.TB, key signingKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: key.alg, Key: jose.JSONWebKey{Key: key.key, KeyID: key.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned builds a token from raw header and claims with the given signature bytes.
func unsigned(header string, claims map[string]any, sig []byte) string {
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig)
}

// clock is a settable clock for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_800_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newVerifier returns a Verifier for iss on clk, with extra options.
func newVerifier(t *testing.T, iss *testIssuer, clk *clock, opts ...Option) *Verifier {
	t.Helper()
	v, err := New(iss.url, testAudience, append([]Option{WithClock(clk.Now), WithHTTPClient(iss.srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// reason returns the refusal reason of err, or "" when err is not a refusal.
func reason(err error) string {
	var r *refusal
	if errors.As(err, &r) {
		return r.reason
	}
	return ""
}

// allReasons are the exported refusal reasons.
var allReasons = []error{ErrMalformed, ErrTooLarge, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrIssuer,
	ErrAudience, ErrNoExpiry, ErrExpired, ErrNotYetValid, ErrIssuedInFuture}

// checkRefusal fails t unless err is a refusal for kind alone, with kind's description.
func checkRefusal(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	for _, k := range allReasons {
		if errors.Is(err, k) != (k == kind) {
			t.Errorf("errors.Is(%v, %v) = %v", err, k, !(k == kind))
		}
	}
	if got, want := reason(err), reasons[kind]; got != want || want == "" {
		t.Errorf("reason %q, want %q (%v)", got, want, err)
	}
}
