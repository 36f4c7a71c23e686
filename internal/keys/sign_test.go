package keys

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/orgauth/orgauth/internal/store"
)

func tokenKID(t testing.TB, token string) string {
	t.Helper()
	var h struct{ KID string }
	decodeSegment(t, strings.Split(token, ".")[0], &h)
	return h.KID
}

func decodeSegment(t testing.TB, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("decode segment %q: %v", seg, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("unmarshal segment %s: %v", b, err)
	}
}

func TestSign(t *testing.T) {
	clk := newClock()
	m := open(t, seededStore(t), clk)
	claims := claimsAt(t, clk.Now(), nil)

	for _, alg := range Algorithms() {
		t.Run(alg+" token verifies with the JWKS key", func(t *testing.T) {
			token := sign(t, m, alg, claims)
			parts := strings.Split(token, ".")
			if len(parts) != 3 {
				t.Fatalf("token has %d parts, want 3", len(parts))
			}
			current := kids(m.Keys(), store.KeyCurrent)[alg][0]
			header, err := base64.RawURLEncoding.DecodeString(parts[0])
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(`{"alg":%q,"typ":"JWT","kid":%q}`, alg, current); string(header) != want {
				t.Errorf("header = %s, want %s", header, want)
			}
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			if string(payload) != string(claims) {
				t.Errorf("payload = %s, want %s", payload, claims)
			}

			got := verifyWithJWKS(t, m.JWKS(), token)
			if got["sub"] != "abcdefghijklmnopqrstuvwxyz012345@clients" || got["org_id"] != "org_0123456789abcdef" {
				t.Errorf("verified claims = %v", got)
			}
		})
	}

	t.Run("PS256 uses a salt as long as the hash", func(t *testing.T) {
		token := sign(t, m, PS256, claims)
		pub := m.snap.Load().current[PS256].public.(*rsa.PublicKey)
		i := strings.LastIndexByte(token, '.')
		sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte(token[:i]))
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
		if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, opts); err != nil {
			t.Errorf("PSS signature with salt length 32 does not verify: %v", err)
		}
	})

	t.Run("ES256 signature is r||s in 64 bytes", func(t *testing.T) {
		token := sign(t, m, ES256, claims)
		sig, err := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 64 {
			t.Errorf("signature is %d bytes, want 64", len(sig))
		}
	})

	t.Run("many more signers than cores all get a valid token", func(t *testing.T) {
		callers := 8 * runtime.GOMAXPROCS(0)
		tokens := make([]string, callers)
		var wg sync.WaitGroup
		for i := range tokens {
			wg.Go(func() {
				var err error
				if tokens[i], err = m.sign(ES256, claims); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, token := range tokens {
			verifyWithJWKS(t, m.JWKS(), token)
		}
		if n := len(m.signing); n != 0 {
			t.Errorf("%d signing slots still taken after every signature returned", n)
		}
	})

	t.Run("an unknown algorithm is an error", func(t *testing.T) {
		for _, alg := range []string{"HS256", "none", "", "rs256", "EdDSA"} {
			if _, err := m.sign(alg, claims); !errors.Is(err, ErrUnknownAlgorithm) {
				t.Errorf("Sign(%q) error = %v, want ErrUnknownAlgorithm", alg, err)
			}
		}
	})
}

func TestJWKS(t *testing.T) {
	m := open(t, seededStore(t), newClock())
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(m.JWKS(), &raw); err != nil {
		t.Fatalf("parse JWKS: %v", err)
	}
	if len(raw.Keys) != 6 {
		t.Fatalf("JWKS has %d keys, want 6", len(raw.Keys))
	}
	wantFields := map[string][]string{
		"RSA": {"e", "n"},
		"EC":  {"crv", "x", "y"},
	}
	for _, k := range raw.Keys {
		kty, _ := k["kty"].(string)
		fields, ok := wantFields[kty]
		if !ok {
			t.Fatalf("key has kty %q: %v", kty, k)
		}
		want := append([]string{"kty", "use", "alg", "kid"}, fields...)
		for _, f := range want {
			if _, ok := k[f]; !ok {
				t.Errorf("key %v lacks %q", k["kid"], f)
			}
		}
		if len(k) != len(want) {
			t.Errorf("key %v has fields beyond %v: %v", k["kid"], want, k)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %v publishes private field %q", k["kid"], private)
			}
		}
		if k["use"] != "sig" {
			t.Errorf("key %v has use %v, want sig", k["kid"], k["use"])
		}
	}

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(m.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Errorf("go-jose reads key %s as private", k.KeyID)
		}
		sum, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if kid := base64.RawURLEncoding.EncodeToString(sum); kid != k.KeyID {
			t.Errorf("kid %s is not the RFC 7638 thumbprint %s", k.KeyID, kid)
		}
	}
}

func TestKeyLogsOnlyKidAndAlg(t *testing.T) {
	m := open(t, seededStore(t), newClock())
	k := m.snap.Load().current[RS256]
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	log.Info("", "key", k)
	want := fmt.Sprintf(`{"key":{"kid":%q,"alg":"RS256"}}`, k.kid) + "\n"
	if buf.String() != want {
		t.Errorf("logged %s, want %s", buf.String(), want)
	}
}

func BenchmarkSign(b *testing.B) {
	clk := newClock()
	m := open(b, seededStore(b), clk)
	claims := claimsAt(b, clk.Now(), nil)
	for _, alg := range Algorithms() {
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.sign(alg, claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
