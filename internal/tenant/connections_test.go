package tenant

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
)

func testKEK(t testing.TB, b byte) *kek.Key {
	t.Helper()
	k, err := kek.New(bytes.Repeat([]byte{b}, kek.Size))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFirstStartCreatesTheDatabaseConnection(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	if _, err := s.Bootstrap(ctx, testIssuer, "", ""); err != nil {
		t.Fatal(err)
	}
	c, err := s.ConnectionByName(ctx, DefaultConnectionName)
	if err != nil {
		t.Fatal(err)
	}
	o, err := DatabaseOptionsOf(c)
	want := DatabaseOptions{PasswordPolicy: password.PolicyGood, PasswordComplexityOptions: PasswordComplexityOptions{MinLength: 8},
		DisableSignup: true, BruteForceProtection: true}
	if err != nil || o != want {
		t.Errorf("options = %+v, %v; want %+v", o, err, want)
	}
	clients, err := s.ConnectionClients(ctx, c.ID, Page{})
	if err != nil || len(clients.Items) != 0 {
		t.Errorf("enabled clients = %v, %v", clients.Items, err)
	}
	// Deleted, it does not come back.
	if _, err := s.DeleteConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bootstrap(ctx, testIssuer, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConnectionByName(ctx, DefaultConnectionName); err == nil {
		t.Error("the database connection came back at a later start")
	}
}

// TestInstancesStartingAtOnceCreateOneDatabaseConnection starts instances together on one empty store,
// then on a store of the machine half (an upgrade): each time exactly one database connection results.
func TestInstancesStartingAtOnceCreateOneDatabaseConnection(t *testing.T) {
	engines := map[string]func(t *testing.T) func() store.Store{
		"sqlite": func(t *testing.T) func() store.Store {
			path := t.TempDir() + "/orgauth.db"
			return func() store.Store {
				st, err := sqlstore.OpenSQLite(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		},
		"postgres": func(t *testing.T) func() store.Store {
			dsn := pgtest.Schema(t)
			return func() store.Store {
				st, err := sqlstore.OpenPostgres(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		},
	}
	for engine, opener := range engines {
		t.Run(engine, func(t *testing.T) {
			open := opener(t)
			startAll := func() {
				t.Helper()
				services := make([]*Service, 4)
				for i := range services {
					services[i] = openService(t, open())
				}
				var wg sync.WaitGroup
				for _, s := range services {
					wg.Go(func() {
						if _, err := s.Bootstrap(context.Background(), testIssuer, "", ""); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
				l, err := services[0].Connections(context.Background(), ConnectionFilter{Name: DefaultConnectionName}, Page{WantTotal: true})
				if err != nil || l.Total != 1 {
					t.Fatalf("%d database connections (%v), want 1", l.Total, err)
				}
			}
			startAll()

			// The machine half's store: the Management API without the connections' scopes, no connection.
			s := openService(t, open())
			ctx := context.Background()
			api, err := s.ManagementAPI(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.store.UpdateResourceServer(ctx, api.ID, func(rs *store.ResourceServer) error {
				var kept []store.Scope
				for _, sc := range rs.Scopes {
					if sc.Value != "create:connections" {
						kept = append(kept, sc)
					}
				}
				rs.Scopes = kept
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			c, err := s.ConnectionByName(ctx, DefaultConnectionName)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.DeleteConnection(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			startAll()
		})
	}
}

func TestConnectionSecretsUnderTheKEK(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	a, b, c := testKEK(t, 1), testKEK(t, 2), testKEK(t, 3)
	open := func(k *kek.Key, previous ...*kek.Key) (*Service, error) {
		return Open(ctx, st, Options{Issuer: testIssuer, KEK: k, PreviousKEKs: previous})
	}
	s, err := open(a)
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.CreateConnection(ctx, ConnectionInput{Name: "acme", Strategy: StrategyOIDC,
		Options: json.RawMessage(`{"client_id":"c","client_secret":"upstream-secret","discovery_url":"https://idp.example/"}`)})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateConnection(ctx, ConnectionInput{Name: "other", Strategy: StrategyOIDC,
		Options: json.RawMessage(`{"client_id":"c","client_secret":"other-secret","discovery_url":"https://idp.example/"}`)})
	if err != nil {
		t.Fatal(err)
	}
	sealedBy := func(id string) string {
		t.Helper()
		cn, err := st.GetConnection(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v, ok := sealedOption(cn.Options, "client_secret")
		raw, _ := base64.StdEncoding.DecodeString(v)
		kid, sealed := kek.SealedWith(raw)
		if !ok || !sealed {
			t.Fatalf("options %s hold no sealed secret", cn.Options)
		}
		return kid
	}
	if got := sealedBy(created.ID); got != a.ID() {
		t.Fatalf("sealed by %s, want %s", got, a.ID())
	}

	t.Run("a sealed value moved to another connection does not open", func(t *testing.T) {
		cn, _ := st.GetConnection(ctx, created.ID)
		moved, _ := sealedOption(cn.Options, "client_secret")
		if _, err := st.UpdateConnection(ctx, other.ID, func(c *store.Connection) error {
			var doc map[string]json.RawMessage
			json.Unmarshal(c.Options, &doc)
			doc["client_secret_sealed"], _ = json.Marshal(moved)
			c.Options, _ = json.Marshal(doc)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ConnectionSecret(ctx, other.ID, "client_secret"); err == nil {
			t.Fatalf("the moved secret opened: %q", got)
		}
		if _, err := s.DeleteConnection(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a start with a new KEK and the previous one seals the secrets again", func(t *testing.T) {
		s, err := open(b, a)
		if err != nil {
			t.Fatal(err)
		}
		if got := sealedBy(created.ID); got != b.ID() {
			t.Fatalf("sealed by %s after the start, want %s", got, b.ID())
		}
		if got, err := s.ConnectionSecret(ctx, created.ID, "client_secret"); err != nil || got != "upstream-secret" {
			t.Fatalf("ConnectionSecret = %q, %v", got, err)
		}
	})

	t.Run("a start with another KEK is refused, naming it", func(t *testing.T) {
		_, err := open(c)
		if !errors.Is(err, kek.ErrOtherKey) {
			t.Fatalf("Open with another KEK: %v", err)
		}
	})

	t.Run("without a KEK the start goes on, and the secret cannot be read", func(t *testing.T) {
		s, err := open(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConnectionSecret(ctx, created.ID, "client_secret"); !errors.Is(err, errNoKEK) {
			t.Fatalf("ConnectionSecret without a KEK: %v", err)
		}
	})
}

func TestConnectionOptionsOf(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, openSQLite(t), Options{Issuer: testIssuer, KEK: testKEK(t, 1)})
	if err != nil {
		t.Fatal(err)
	}
	oidc, err := s.CreateConnection(ctx, ConnectionInput{Name: "sso", Strategy: StrategyOIDC, Options: json.RawMessage(`{
		"client_id":"c","client_secret":"s","issuer":"https://idp.example/","authorization_endpoint":"https://idp.example/a",
		"token_endpoint":"https://idp.example/t","jwks_uri":"https://idp.example/k","scopes":"openid  email",
		"domain_aliases":["Acme.Example"],"connection_settings":{"pkce":"S256"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	o, err := OIDCOptionsOf(oidc.Connection)
	want := OIDCOptions{Type: "back_channel", ClientID: "c", Issuer: "https://idp.example/",
		AuthorizationEndpoint: "https://idp.example/a", TokenEndpoint: "https://idp.example/t", JWKSURI: "https://idp.example/k",
		Scope: "openid email", DomainAliases: []string{"acme.example"}, ConnectionSettings: OIDCConnectionSettings{PKCE: "S256"},
		TokenEndpointAuthMethod: "client_secret_post"}
	if err != nil || !jsonEqual(o, want) {
		t.Errorf("OIDCOptionsOf = %+v, %v\nwant %+v", o, err, want)
	}
	if _, err := DatabaseOptionsOf(oidc.Connection); err == nil {
		t.Error("DatabaseOptionsOf an oidc connection: no error")
	}
	saml, err := s.CreateConnection(ctx, ConnectionInput{Name: "saml", Strategy: StrategySAMLP,
		Options: json.RawMessage(`{"metadataUrl":"https://idp.example/md","protocolBinding":"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"}`)})
	if err != nil {
		t.Fatal(err)
	}
	so, err := SAMLOptionsOf(saml.Connection)
	if err != nil || so.MetadataURL != "https://idp.example/md" || so.SignatureAlgorithm != "rsa-sha256" ||
		so.ProtocolBinding != "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" {
		t.Errorf("SAMLOptionsOf = %+v, %v", so, err)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
