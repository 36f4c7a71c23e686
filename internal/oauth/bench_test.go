package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// BenchmarkTokenEndpoint is one whole token request with an organization, client_secret_basic, through
// the handler (no network), signed by the real key manager with each algorithm.
func BenchmarkTokenEndpoint(b *testing.B) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "orgauth.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchKEK, err := kek.Create(filepath.Join(b.TempDir(), "orgauth.db.kek"))
	if err != nil {
		b.Fatal(err)
	}
	signer, err := keys.Open(ctx, st, keys.Options{KEK: benchKEK})
	if err != nil {
		b.Fatal(err)
	}
	body := url.Values{"grant_type": {"client_credentials"}, "audience": {audRequire}, "organization": {acme.ID}}.Encode()
	auth := basicHeader("basic", testSecrets["basic"])
	for _, alg := range []string{keys.RS256, keys.ES256} {
		b.Run(alg, func(b *testing.B) {
			dir := newFakeTenant()
			api := dir.apis[audRequire]
			api.SigningAlg = alg
			dir.apis[audRequire] = api
			mux := http.NewServeMux()
			New(Config{Issuer: testIssuer, View: dir.view, Signer: signer}).Mount(mux)
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Authorization", auth)
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
