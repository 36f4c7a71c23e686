package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// fastKeys returns a newKey for Options that makes thousands of distinct keys quickly: RSA keys share one
// modulus and differ by public exponent (so by thumbprint), which spares an RSA generation per key.
func fastKeys(t testing.TB) func(alg string) (crypto.Signer, error) {
	t.Helper()
	base, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		t.Fatal(err)
	}
	one := big.NewInt(1)
	p, q := base.Primes[0], base.Primes[1]
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	var mu sync.Mutex
	e := int64(65537)
	return func(alg string) (crypto.Signer, error) {
		if alg == ES256 {
			return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		mu.Lock()
		defer mu.Unlock()
		for {
			e += 2
			d := new(big.Int).ModInverse(big.NewInt(e), phi)
			if d == nil {
				continue // e shares a factor with phi
			}
			// Parsing the stored key validates it.
			return &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: base.N, E: int(e)}, D: d, Primes: []*big.Int{p, q}}, nil
		}
	}
}

// issuer serves m's discovery document and JWKS as orgauth does, for a resource server to fetch.
func issuer(t testing.TB, m *Manager) string {
	t.Helper()
	var ts *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": ts.URL + "/", "jwks_uri": ts.URL + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(m.JWKS())
	})
	ts = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts.URL + "/"
}

func TestThousandRotations(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock()
	m, err := Open(ctx, st, Options{KEK: testKEK, Now: clk.Now, newKey: fastKeys(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	iss := issuer(t, m)

	// Rotating once a second, far faster than any token expires: retention alone would keep every key.
	var beforeLast map[string]string // a token per algorithm, signed just before the last rotation
	for i := range 1000 {
		if i == 999 {
			beforeLast = map[string]string{}
			for _, alg := range Algorithms() {
				beforeLast[alg] = sign(t, m, alg, claimsAt(t, clk.Now(), map[string]any{"iss": iss}))
			}
		}
		clk.Advance(time.Second)
		if err := m.Rotate(ctx); err != nil {
			t.Fatalf("rotation %d: %v", i+1, err)
		}
	}

	if n := len(m.JWKS()); n > 128<<10 {
		t.Errorf("JWKS is %d bytes after 1,000 rotations, want at most 128 KiB", n)
	}
	stored, err := st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range Algorithms() {
		if n := countState(stored, alg, store.KeyPrevious); n != MaxPrevious {
			t.Errorf("store keeps %d previous %s keys, want %d", n, alg, MaxPrevious)
		}
	}

	rs, err := accesstoken.New(iss, testAudience, accesstoken.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range Algorithms() {
		fresh := sign(t, m, alg, claimsAt(t, clk.Now(), map[string]any{"iss": iss}))
		if _, err := rs.Verify(ctx, fresh); err != nil {
			t.Errorf("resource server refuses a fresh %s token: %v", alg, err)
		}
		if _, err := rs.Verify(ctx, beforeLast[alg]); err != nil {
			t.Errorf("resource server refuses a %s token signed before the last rotation: %v", alg, err)
		}
	}
}

func countState(keys []store.SigningKey, alg, state string) int {
	n := 0
	for _, k := range keys {
		if k.Alg == alg && k.State == state {
			n++
		}
	}
	return n
}
