package accesstoken

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// FuzzVerify feeds arbitrary strings to Verify. It must never panic, and whatever verifies must carry
// exactly the claims the issuer signed: no input forges other claims.
func FuzzVerify(f *testing.F) {
	clk := newClock()
	iss := newTestIssuer(f)
	v, err := New(iss.url, testAudience, WithClock(clk.Now), WithHTTPClient(iss.srv.Client()))
	if err != nil {
		f.Fatal(err)
	}
	signed := iss.claims(clk.Now(), nil)
	var want Claims
	for _, key := range []signingKey{rs256(), ps256(), es256()} {
		tok := sign(f, key, signed)
		if want, err = v.Verify(context.Background(), tok); err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		parts := strings.Split(tok, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(parts[0] + ".." + parts[2])
	}
	f.Add(unsigned(`{"alg":"none","kid":"rs-1"}`, signed, nil))
	f.Add(unsigned(`{"alg":"RS256","kid":"rs-1","crit":["exp"]}`, signed, []byte("sig")))
	f.Add("")
	f.Add("..")
	f.Add("a.b.c.d.e")
	for _, seed := range malformedTokens(f, signed) {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err == nil && !reflect.DeepEqual(c, want) {
			t.Fatalf("verified claims %+v, the issuer signed %+v", c, want)
		}
	})
}

// malformedTokens are seeds for the ways a token goes wrong that the fuzzer would take long to find: bad
// base64, a huge header, alg none or HMAC, a kid the issuer does not publish or that is for another
// algorithm, nested or mistyped JSON in the header and, signed so that only the claims are wrong, in the
// claims. None of them verifies except the one whose only oddity is an unknown nested claim.
func malformedTokens(tb testing.TB, signed map[string]any) []string {
	enc := base64.RawURLEncoding.EncodeToString
	good := strings.Split(sign(tb, rs256(), signed), ".")
	with := func(edit map[string]any) map[string]any {
		c := make(map[string]any, len(signed)+len(edit))
		for k, v := range signed {
			c[k] = v
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
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	tokens := []string{
		"!!!." + good[1] + "." + good[2],                                                         // not base64 at all
		good[0] + "=." + good[1] + "." + good[2],                                                 // padded base64url
		good[0] + "." + good[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(good[2]), // standard alphabet
		good[0] + "." + good[1] + "." + good[2] + "=",                                            // padded signature
		good[0] + " ." + good[1] + "." + good[2],                                                 // a space inside
		enc([]byte("not json")) + "." + good[1] + "." + good[2],
		enc([]byte(`["RS256"]`)) + "." + good[1] + "." + good[2],
		unsigned(`{"alg":"RS256","kid":"rs-1","x":"`+strings.Repeat("x", 20<<10)+`"}`, signed, []byte("sig")), // huge, under the limit
		unsigned(`{"alg":"RS256","kid":"rs-1","x":"`+strings.Repeat("x", 30<<10)+`"}`, signed, []byte("sig")), // over the limit
		unsigned(`{"alg":"RS256","kid":"rs-1","x":`+deep+`}`, signed, []byte("sig")),
		unsigned(`{"alg":"RS256","kid":{"a":["rs-1"]}}`, signed, []byte("sig")),
		unsigned(`{"alg":["RS256"],"kid":"rs-1"}`, signed, []byte("sig")),
		unsigned(`{"alg":"RS256","kid":"rs-1","alg":"none"}`, signed, []byte("sig")),
		unsigned(`{"alg":"none"}`, signed, nil),
		unsigned(`{"alg":"HS256","kid":"rs-1"}`, signed, []byte("0123456789abcdef0123456789abcdef")),
		unsigned(`{"alg":"RS256"}`, signed, []byte("sig")),
		unsigned(`{"alg":"RS256","kid":""}`, signed, []byte("sig")),
		unsigned(`{"alg":"RS256","kid":"rs-1","b64":false,"crit":["b64"]}`, signed, []byte("sig")),
		unsigned(`{"alg":"RS256","kid":"rs-1","jwk":{"kty":"oct","k":"AA"}}`, signed, []byte("sig")),
		good[0] + "." + enc([]byte(`{"iss":`+deep+`}`)) + "." + good[2],
		fmt.Sprintf(`{"protected":%q,"payload":%q,"signature":%q}`, good[0], good[1], good[2]),   // JSON serialization
		sign(tb, signingKey{"nope", jose.RS256, testKeys()["rsa-a"]}, signed),                    // unknown kid
		sign(tb, signingKey{"ps-1", jose.RS256, testKeys()["rsa-b"]}, signed),                    // the key is for PS256
		sign(tb, signingKey{"rs-1", jose.PS256, testKeys()["rsa-a"]}, signed),                    // the key is for RS256
		sign(tb, signingKey{"es-1", jose.ES256, testKeys()["p256-b"]}, signed),                   // another P-256 key
		sign(tb, rs256(), with(map[string]any{"x": map[string]any{"y": []any{[]any{[]any{}}}}})), // verifies
		sign(tb, rs256(), with(map[string]any{"exp": "tomorrow"})),
		sign(tb, rs256(), with(map[string]any{"exp": 1e300})),
		sign(tb, rs256(), with(map[string]any{"aud": []any{[]any{testAudience}}})),
		sign(tb, rs256(), with(map[string]any{"iss": map[string]any{"a": 1}})),
		sign(tb, rs256(), with(map[string]any{"scope": []any{"read:adventures"}})),
		sign(tb, rs256(), with(map[string]any{"org_id": 5})),
		sign(tb, rs256(), with(map[string]any{"exp": nil})),
	}
	payload, _ := json.Marshal([]any{signed})
	tokens = append(tokens, good[0]+"."+enc(payload)+"."+good[2])
	return tokens
}

// maxServeTime bounds the time one fuzzed request may take: far above what any takes, so a loaded CI
// machine never trips it, it still catches a hang.
const maxServeTime = 5 * time.Second

// serveBounded serves r and fails when the handler takes longer than maxServeTime, hung or not.
func serveBounded(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
		return rec
	case <-time.After(maxServeTime):
		t.Fatalf("no answer within %v", maxServeTime)
		return nil
	}
}

// FuzzBearerHeader sends fuzzed Authorization headers (a second one when second is not empty) to an API
// behind Require. Every answer comes in time, is a 200, 401 or 403 (the issuer is up, so never a 503) with
// an RFC 6750 challenge free of control characters and a JSON body of fixed texts. A request passes only
// with the issuer's token, and always when one Authorization header is that token after the scheme Bearer
// in any case, whatever the spaces around it.
func FuzzBearerHeader(f *testing.F) {
	clk := newClock()
	iss := newTestIssuer(f)
	v, err := New(iss.url, testAudience, WithClock(clk.Now), WithHTTPClient(iss.srv.Client()))
	if err != nil {
		f.Fatal(err)
	}
	token := sign(f, rs256(), iss.claims(clk.Now(), nil))
	want, err := v.Verify(context.Background(), token)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][2]string{
		{"Bearer " + token, ""},
		{"bearer " + token, ""},
		{"BEARER   " + token + " \t", ""},
		{"Bearer\t" + token, ""},
		{"Bearer " + token, "Bearer " + token},
		{"Basic " + token, "Bearer " + token},
		{"Bearer " + token + " x", ""},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"Basic Ym90OnNlY3JldA==", ""},
		{" Bearer " + token, ""},
		{"Bearer " + token[:len(token)-1], ""},
		{"Bearer \x00" + token, ""},
		{"Bearer " + strings.Repeat("a", 40<<10), ""},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	got := make(chan Claims, 1)
	h := v.Require(Scopes("read:adventures"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := FromContext(r.Context())
		got <- c
	}))
	realm := `Bearer realm="` + testAudience + `"`
	f.Fuzz(func(t *testing.T, first, second string) {
		r := httptest.NewRequest(http.MethodGet, "/adventures", nil)
		if first != "" || second != "" {
			r.Header["Authorization"] = []string{first}
		}
		if second != "" {
			r.Header.Add("Authorization", second)
		}
		rec := serveBounded(t, h, r)

		scheme, rest, _ := strings.Cut(first, " ")
		isToken := second == "" && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(rest) == token
		if rec.Code == http.StatusOK {
			if c := <-got; !reflect.DeepEqual(c, want) {
				t.Fatalf("passed with claims %+v, the issuer signed %+v", c, want)
			}
		}
		if isToken != (rec.Code == http.StatusOK) {
			t.Fatalf("Authorization %q, %q: status %d: %s", first, second, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK {
			return
		}
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusForbidden {
			t.Fatalf("Authorization %q, %q: status %d: %s", first, second, rec.Code, rec.Body)
		}
		challenge := rec.Header().Get("WWW-Authenticate")
		if !strings.HasPrefix(challenge, realm) || strings.ContainsFunc(challenge, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			t.Fatalf("WWW-Authenticate %q", challenge)
		}
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		wantCode := map[int]string{http.StatusUnauthorized: "invalid_token", http.StatusForbidden: "insufficient_scope"}[rec.Code]
		if body["error_description"] == "Missing bearer token" && rec.Code == http.StatusUnauthorized {
			wantCode = ""
		}
		if body["error"] != wantCode || body["error_description"] == "" || strings.Contains(body["error_description"], token) {
			t.Fatalf("status %d, body %s", rec.Code, rec.Body)
		}
	})
}

// docTransport answers every request with the same JSON document.
type docTransport []byte

func (d docTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(bytes.NewReader(d)),
		Request:    r,
	}, nil
}

// FuzzJWKS serves any document as the issuer's JWKS. Fetching it must fail or keep only usable keys (a
// kid, and the type and size its one algorithm needs); and a good key added to the set is kept without
// changing what is kept of the others.
func FuzzJWKS(f *testing.F) {
	entry := func(k jose.JSONWebKey) string {
		b, err := k.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		return string(b)
	}
	pub := func(name, kid, alg string) string {
		return entry(jose.JSONWebKey{Key: testKeys()[name].Public(), KeyID: kid, Algorithm: alg, Use: "sig"})
	}
	set := func(entries ...string) string { return `{"keys":[` + strings.Join(entries, ",") + `]}` }
	for _, s := range []string{
		set(pub("rsa-a", "rs-1", "RS256"), pub("rsa-b", "ps-1", "PS256"), pub("p256-a", "es-1", "ES256")),
		set(pub("rsa-a", "k", "RS256"), pub("rsa-b", "k", "RS256")),
		set(pub("rsa-1024", "k", "RS256"), pub("p384", "e", "ES256"), pub("p256-a", "r", "RS256")),
		set(entry(jose.JSONWebKey{Key: testKeys()["p256-a"], KeyID: "priv", Algorithm: "ES256"})),
		set(entry(jose.JSONWebKey{Key: []byte("0123456789abcdef"), KeyID: "hmac", Algorithm: "HS256"})),
		set(`{"kty":"RSA","kid":"k","alg":"RS256","n":"AQAB","e":"AQAB"}`),
		set(`{"kty":"RSA","kid":"k","alg":"RS256","n":"` + strings.Repeat("A", 4096) + `","e":"` + strings.Repeat("A", 64) + `"}`),
		set(`{"kty":"EC","crv":"P-256","kid":"k","alg":"ES256","x":"AA","y":"AA"}`),
		set(`{"kty":"OKP","crv":"Ed25519","kid":"k","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`),
		set(`{"kty":"RSA","kid":"k","alg":"RS256","x5c":["!!"]}`),
		set(`{"kid":{"a":1}}`, `null`, `1`, `[]`),
		`{"keys":{}}`, `{"keys":null}`, `{}`, `[]`, `null`, ``, `{"keys":[` + strings.Repeat("[", 5000),
	} {
		f.Add([]byte(s))
	}
	ctx := context.Background()
	const goodKID = "~fuzz-good"
	goodKey := pub("p256-b", goodKID, "ES256")
	f.Fuzz(func(t *testing.T, doc []byte) {
		ks := &keySet{issuer: "https://issuer.example/", client: &http.Client{Transport: docTransport(doc)}}
		keys, err := ks.fetchKeys(ctx, "https://issuer.example/jwks.json")
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		for kid, k := range keys {
			// Checked here without fits, which is what is under test.
			var usable bool
			switch pub := k.public.(type) {
			case *rsa.PublicKey:
				usable = (k.alg == jose.RS256 || k.alg == jose.PS256) && pub.N.BitLen() >= 2048
			case *ecdsa.PublicKey:
				usable = k.alg == jose.ES256 && pub.Curve == elliptic.P256()
			}
			if kid == "" || !usable {
				t.Fatalf("kept the unusable key %q: %s %T", kid, k.alg, k.public)
			}
		}
		var parsed struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(doc, &parsed); err != nil {
			t.Fatalf("fetched keys from a document that does not decode: %v", err)
		}
		// The good key is kept unless the document publishes a usable key of the same kid already.
		clash := false
		for _, e := range parsed.Keys {
			if _, ok := parseKeys([]json.RawMessage{e})[goodKID]; ok {
				clash = true
			}
		}
		more := parseKeys(append(parsed.Keys, json.RawMessage(goodKey)))
		if _, kept := more[goodKID]; kept == clash {
			t.Fatalf("the good key added was kept: %v; the document has a usable key of its kid: %v", kept, clash)
		}
		delete(more, goodKID)
		delete(keys, goodKID)
		if !reflect.DeepEqual(keys, more) {
			t.Fatalf("adding a key changed the others: %v, then %v", keys, more)
		}
	})
}
