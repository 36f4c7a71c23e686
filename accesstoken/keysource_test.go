package accesstoken

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const localIssuer = "https://auth.travel0.example/"

// localKeys is a KeySource whose keys a test changes; it counts its calls and fails with fault when set.
type localKeys struct {
	mu    sync.Mutex
	keys  []signingKey
	fault error
	calls int
}

func (l *localKeys) source(context.Context) (jose.JSONWebKeySet, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.fault != nil {
		return jose.JSONWebKeySet{}, l.fault
	}
	var set jose.JSONWebKeySet
	for _, k := range l.keys {
		set.Keys = append(set.Keys, k.jwk())
	}
	return set, nil
}

func (l *localKeys) set(keys ...signingKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = keys
}

func newLocalVerifier(t *testing.T, clk *clock, keys *localKeys) *Verifier {
	t.Helper()
	v, err := New(localIssuer, testAudience, WithKeys(keys.source), WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func localClaims(now time.Time, edit map[string]any) map[string]any {
	return (&testIssuer{url: localIssuer}).claims(now, edit)
}

func TestWithKeysVerifiesWithoutHTTP(t *testing.T) {
	clk := newClock()
	keys := &localKeys{keys: []signingKey{rs256(), ps256(), es256()}}
	v := newLocalVerifier(t, clk, keys) // its issuer does not resolve: any fetch would fail
	for _, k := range []signingKey{rs256(), ps256(), es256()} {
		c, err := v.Verify(context.Background(), sign(t, k, localClaims(clk.Now(), nil)))
		if err != nil {
			t.Fatalf("%s: %v", k.alg, err)
		}
		if c.ClientID != "bot123" || c.OrganizationID != "org_acme" || !c.HasScope("create:adventures") {
			t.Errorf("%s: claims %+v", k.alg, c)
		}
	}
	if keys.calls != 3 {
		t.Errorf("the key source was called %d times for 3 tokens, want 3", keys.calls)
	}
}

func TestWithKeysRefuses(t *testing.T) {
	clk := newClock()
	keys := &localKeys{keys: []signingKey{rs256(), es256()}}
	v := newLocalVerifier(t, clk, keys)
	now := clk.Now()
	with := func(edit map[string]any) map[string]any { return localClaims(now, edit) }
	tests := []struct {
		name  string
		token string
		kind  error
	}{
		{"fail/unknown kid", sign(t, ps256(), with(nil)), ErrUnknownKey},
		{"fail/PS256 signature by the RS256 key", sign(t, signingKey{"rs-1", jose.PS256, rs256().key}, with(nil)), ErrAlgorithm},
		{"fail/signed by another key with a published kid", sign(t, signingKey{"rs-1", jose.RS256, testKeys()["rsa-b"]}, with(nil)), ErrSignature},
		{"fail/other issuer", sign(t, rs256(), with(map[string]any{"iss": "https://evil.example/"})), ErrIssuer},
		{"fail/other audience", sign(t, rs256(), with(map[string]any{"aud": "https://auth.travel0.example/api/v2/"})), ErrAudience},
		{"fail/no exp", sign(t, rs256(), with(map[string]any{"exp": nil})), ErrNoExpiry},
		{"fail/expired beyond the leeway", sign(t, es256(), with(map[string]any{"exp": now.Add(-31 * time.Second).Unix()})), ErrExpired},
		{"fail/scope not a string", sign(t, rs256(), with(map[string]any{"scope": []string{"read:adventures"}})), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			checkRefusal(t, err, tt.kind)
		})
	}
}

// The source is asked for every token: a key it no longer returns is refused at once, a new one accepted at
// once, whatever the rate limit of fetches over HTTP.
func TestWithKeysFollowsTheSourceAtOnce(t *testing.T) {
	clk := newClock()
	keys := &localKeys{keys: []signingKey{rs256()}}
	v := newLocalVerifier(t, clk, keys)
	if _, err := v.Verify(context.Background(), sign(t, rs256(), localClaims(clk.Now(), nil))); err != nil {
		t.Fatal(err)
	}
	keys.set(es256())
	if _, err := v.Verify(context.Background(), sign(t, es256(), localClaims(clk.Now(), nil))); err != nil {
		t.Errorf("a new key: %v", err)
	}
	_, err := v.Verify(context.Background(), sign(t, rs256(), localClaims(clk.Now(), nil)))
	checkRefusal(t, err, ErrUnknownKey)
}

// A kid the source returns twice names no key, as in a fetched JWKS.
func TestWithKeysDuplicateKidNamesNoKey(t *testing.T) {
	clk := newClock()
	keys := &localKeys{keys: []signingKey{rs256(), {"rs-1", jose.RS256, testKeys()["rsa-b"]}}}
	v := newLocalVerifier(t, clk, keys)
	_, err := v.Verify(context.Background(), sign(t, rs256(), localClaims(clk.Now(), nil)))
	checkRefusal(t, err, ErrUnknownKey)
}

func TestWithKeysSourceFaultIsNotARefusal(t *testing.T) {
	clk := newClock()
	keys := &localKeys{keys: []signingKey{rs256()}, fault: errors.New("no keys loaded")}
	v := newLocalVerifier(t, clk, keys)
	_, err := v.Verify(context.Background(), sign(t, rs256(), localClaims(clk.Now(), nil)))
	if err == nil || errors.Is(err, ErrInvalidToken) || !errors.Is(err, keys.fault) {
		t.Fatalf("err = %v, want the source's error, not a refusal", err)
	}
}

func TestWithKeysSettings(t *testing.T) {
	keys := &localKeys{}
	if v, err := New(localIssuer, testAudience, WithKeys(nil)); err == nil {
		t.Errorf("New with a nil key source succeeded: %+v", v)
	}
	for _, opts := range [][]Option{
		{WithKeys(keys.source), WithHTTPClient(&http.Client{})},
		{WithHTTPClient(&http.Client{}), WithKeys(keys.source)},
	} {
		if v, err := New(localIssuer, testAudience, opts...); err == nil {
			t.Errorf("New with WithKeys and WithHTTPClient succeeded: %+v", v)
		}
	}
}

// A refusal quotes at most a short prefix of what a token's header holds: the sender chose it, it comes
// before any signature check, and refusals are logged.
func TestRefusalsQuoteAPrefixOfTheHeader(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	verifiers := map[string]*Verifier{
		"fetched keys": newVerifier(t, iss, clk),
		"WithKeys":     newLocalVerifier(t, clk, &localKeys{keys: []signingKey{rs256()}}),
	}
	b64 := base64.RawURLEncoding.EncodeToString
	long := strings.Repeat("k", 20_000) // under maxTokenSize once encoded
	for name, v := range verifiers {
		t.Run(name, func(t *testing.T) {
			t.Run("an unknown kid", func(t *testing.T) {
				token := b64([]byte(`{"alg":"RS256","kid":"`+long+`"}`)) + "." + b64([]byte(`{}`)) + "." + b64([]byte("sig"))
				_, err := v.Verify(context.Background(), token)
				checkRefusal(t, err, ErrUnknownKey)
				want := ErrInvalidToken.Error() + ": " + reasonUnknownKey + `: kid "` + strings.Repeat("k", 64) + `…[cut, 20000 bytes]"`
				if err.Error() != want {
					t.Errorf("error %.300q, want %q", err, want)
				}
			})
			headers := map[string]string{
				"an unknown alg":     `{"alg":"` + long + `","kid":"a"}`,
				"a malformed x5c":    `{"alg":"RS256","kid":"a","x5c":["` + long + `"]}`,
				"a long unknown key": `{"alg":"RS256","kid":"a","` + long + `":1}`,
				"a long jwk":         `{"alg":"RS256","kid":"a","jwk":{"kty":"` + long + `"}}`,
			}
			for hname, header := range headers {
				t.Run(hname, func(t *testing.T) {
					token := b64([]byte(header)) + "." + b64([]byte(`{}`)) + "." + b64([]byte("sig"))
					_, err := v.Verify(context.Background(), token)
					if !errors.Is(err, ErrInvalidToken) {
						t.Fatalf("err = %v, want a refusal", err)
					}
					if n := len(err.Error()); n > 400 {
						t.Errorf("the error is %d bytes: %.300s", n, err)
					}
				})
			}
		})
	}
}

func TestEveryReasonHasItsDescription(t *testing.T) {
	if len(reasons) != len(allReasons) {
		t.Fatalf("%d descriptions for %d reasons", len(reasons), len(allReasons))
	}
	seen := map[string]bool{}
	for _, k := range allReasons {
		d := reasons[k]
		if d == "" || seen[d] {
			t.Errorf("%v: description %q (empty or shared)", k, d)
		}
		seen[d] = true
	}
}

func TestClip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{strings.Repeat("a", 10), strings.Repeat("a", 10)},
		{strings.Repeat("a", 11), strings.Repeat("a", 10) + "…[cut, 11 bytes]"},
		{"ééééé" + "é", "ééééé…[cut, 12 bytes]"}, // never half a rune
		{"a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		if got := clip(tt.in, 10); got != tt.want {
			t.Errorf("clip(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
