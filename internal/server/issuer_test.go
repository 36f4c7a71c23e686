package server

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
	"github.com/orgauth/orgauth/internal/tenant"
)

// TestIssuerChangeNeverHandsTheManagementAPIToAnOrdinaryAPI plays the take-over of the hardening issue on
// both engines: an admin gives an ordinary API the identifier the Management API would get under a new
// issuer, with look-alike scopes, and grants it to an application of theirs. Start-up with the new issuer
// is refused, saying what to do; no token for that API is ever accepted on /api/v2; once the API is
// deleted, the Management API moves to the new issuer with its admin grant.
func TestIssuerChangeNeverHandsTheManagementAPIToAnOrdinaryAPI(t *testing.T) {
	engines := []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "orgauth.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.Schema(t) }},
	}
	const oldIssuer, newIssuer = "https://old.example/", "https://new.example/"
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			db := engine.db(t)
			in, err := startWithIssuer(t, db, oldIssuer)
			if err != nil {
				t.Fatal(err)
			}
			admin := in.adminToken()

			lookalike := tenant.ManagementAudience(newIssuer)
			scopes := make([]map[string]string, len(tenant.ManagementScopes))
			for i, sc := range tenant.ManagementScopes {
				scopes[i] = map[string]string{"value": sc}
			}
			api := must(t, in.api("POST", "/api/v2/resource-servers", admin,
				map[string]any{"identifier": lookalike, "name": "Look-alike", "scopes": scopes}), 201).str("id")
			app := must(t, in.api("POST", "/api/v2/clients", admin,
				map[string]any{"name": "Squatter", "app_type": "non_interactive", "grant_types": []string{"client_credentials"}}), 201)
			must(t, in.api("POST", "/api/v2/client-grants", admin,
				map[string]any{"client_id": app.str("client_id"), "audience": lookalike, "scope": tenant.ManagementScopes}), 201)
			squatter := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.str("client_id")},
				"client_secret": {app.str("client_secret")}, "audience": {lookalike}}
			token := must(t, in.token(squatter), 200).str("access_token")
			refusedOnManagementAPI(t, in, token)

			in.stop()
			_, err = startWithIssuer(t, db, newIssuer)
			want := "bootstrap: the issuer https://new.example/ gives the Management API the identifier https://new.example/api/v2/, " +
				`but the API "Look-alike" (id ` + api + `) already has it, and its tokens would be accepted on /api/v2: ` +
				"start orgauth with the previous issuer again (the Management API is still https://old.example/api/v2/), " +
				"delete that API (DELETE /api/v2/resource-servers/" + api + ", or in the dashboard), then start with the new issuer"
			if err == nil || err.Error() != want {
				t.Fatalf("start with the new issuer: %v\nwant %s", err, want)
			}

			// The way out the message gives.
			in, err = startWithIssuer(t, db, oldIssuer)
			if err != nil {
				t.Fatal(err)
			}
			refusedOnManagementAPI(t, in, token)
			must(t, in.api("DELETE", "/api/v2/resource-servers/"+api, in.adminToken(), nil), 204)
			in.stop()
			in, err = startWithIssuer(t, db, newIssuer)
			if err != nil {
				t.Fatal(err)
			}
			admin = in.adminToken()
			system := must(t, in.api("GET", "/api/v2/resource-servers/"+url.PathEscape(lookalike), admin, nil), 200)
			if system.body["is_system"] != true {
				t.Errorf("the API at %s after the move: %s", lookalike, system.raw)
			}
			refused(t, in.token(squatter), 403, "access_denied",
				`Client is not authorized to access "`+lookalike+`". You need to create a "client-grant" associated to this API.`)
			refusedOnManagementAPI(t, in, token)
		})
	}
}

// startWithIssuer starts orgauth on db with an issuer of its own choosing (the listener's address does
// not matter: neither the token endpoint nor the Management API looks at the Host).
func startWithIssuer(t *testing.T, db, issuer string) (*instance, error) {
	t.Helper()
	cfg := config.Config{Issuer: issuer, DB: db, BootstrapClientID: adminID, BootstrapClientSecret: adminSecret,
		KeyEncryptionKey: testKEK} // PostgreSQL needs one; the same for every start
	srv, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(srv.Handler())
	in := &instance{t: t, ts: ts, srv: srv, url: ts.URL, client: ts.Client(), db: db, issuer: issuer}
	t.Cleanup(in.stop)
	return in, nil
}

// testKEK is a fixed key-encryption key (32 bytes, base64) for tests that restart on one store.
const testKEK = "b3JnYXV0aC10ZXN0LWtleS1lbmNyeXB0aW9uLWtleSE="

// refusedOnManagementAPI checks that token opens no Management endpoint.
func refusedOnManagementAPI(t *testing.T, in *instance, token string) {
	t.Helper()
	for _, path := range []string{"/api/v2/clients", "/api/v2/client-grants", "/api/v2/resource-servers"} {
		if r := in.api("GET", path, token, nil); r.status != 401 {
			t.Errorf("GET %s with a token for an ordinary API: %d %s", path, r.status, r.raw)
		}
	}
}
