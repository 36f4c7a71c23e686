package mgmt

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/tenant"
)

// peopleServer is testServer with its store at hand, for the fixtures of the people half that no
// endpoint of this package creates (users, connections, the applications' login routes, the tenant's
// default route). Its bearer strings: "admin" (every Management scope), and one per narrower set below.
type peopleServer struct {
	*testServer
	st  store.Store
	ctx context.Context
	n   int
}

// peopleTokens are the narrow tokens of peopleServer, by bearer string.
var peopleTokens = map[string][]string{
	"members-reader":    {"read:organization_members"},
	"users-reader":      {"read:users"},
	"roles-reader":      {"read:roles"},
	"users-and-roles":   {"read:users", "read:roles"},
	"members-and-roles": {"read:organization_members", "read:organization_member_roles"},
}

func newPeopleServer(t *testing.T) *peopleServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fk := &fakeKeys{}
	svc, err := tenant.Open(ctx, st, tenant.Options{Keys: fk})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Bootstrap(ctx, testIssuer, "", ""); err != nil {
		t.Fatal(err)
	}
	tokens := map[string][]string{"admin": tenant.ManagementScopes}
	for k, v := range peopleTokens {
		tokens[k] = v
	}
	mux := http.NewServeMux()
	New(Config{Issuer: testIssuer, Tenant: svc, Verifier: fakeVerifier{tokens: tokens}}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &peopleServer{testServer: &testServer{t: t, url: srv.URL, keys: fk}, st: st, ctx: ctx}
}

func (s *peopleServer) next() int { s.n++; return s.n }

func (s *peopleServer) mustStore(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
}

// connection creates a connection of the strategy ("auth0", "oidc").
func (s *peopleServer) connection(strategy string) store.Connection {
	s.t.Helper()
	n := s.next()
	now := time.Now().UTC()
	c := store.Connection{ID: fmt.Sprintf("con_%016d", n), Name: fmt.Sprintf("%s-%d", strategy, n), Strategy: strategy,
		ShowAsButton: true, CreatedAt: now, UpdatedAt: now}
	s.mustStore(s.st.CreateConnection(s.ctx, c, nil))
	return c
}

// user creates a user of the connection with a name and a picture.
func (s *peopleServer) user(connectionID string) store.User {
	s.t.Helper()
	n := s.next()
	now := time.Now().UTC()
	u := store.User{ID: fmt.Sprintf("auth0|%024x", n), ConnectionID: connectionID, Email: fmt.Sprintf("user%d@example.com", n),
		Name: fmt.Sprintf("User %d", n), Picture: fmt.Sprintf("https://pics.example/%d.png", n), CreatedAt: now, UpdatedAt: now}
	s.mustStore(s.st.CreateUser(s.ctx, u))
	return u
}

// organization creates an organization through the API and returns its id.
func (s *peopleServer) organization(name string) string {
	s.t.Helper()
	return s.must(201, "POST", "/api/v2/organizations", `{"name":"`+name+`"}`).obj()["id"].(string)
}

// role creates a role through the API and returns its id.
func (s *peopleServer) role(name string) string {
	s.t.Helper()
	return s.must(200, "POST", "/api/v2/roles", `{"name":"`+name+`"}`).obj()["id"].(string)
}

// client creates a regular web application with the organization_usage and login route given, and
// returns its client_id.
func (s *peopleServer) client(usage, initiateLoginURI string) string {
	s.t.Helper()
	body := `{"name":"Portal","app_type":"regular_web"`
	if usage != "" {
		body += `,"organization_usage":"` + usage + `"`
	}
	id := s.must(201, "POST", "/api/v2/clients", body+`}`).obj()["client_id"].(string)
	_, err := s.st.UpdateClient(s.ctx, id, func(c *store.Client) error {
		c.InitiateLoginURI = initiateLoginURI
		return nil
	})
	s.mustStore(err)
	return id
}

// equalJSON fails unless the answer's body, decoded, equals want, decoded.
func equalJSON(t *testing.T, r response, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if !reflect.DeepEqual(r.body, w) {
		t.Fatalf("body\n%s\nwant\n%s", r.raw, want)
	}
}
