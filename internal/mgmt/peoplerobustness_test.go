package mgmt

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
)

// TestPeopleOddIdsAndQueries sends the ids and query strings of TestMalformedInputGets4xx to the routes
// of members, roles, organization connections and invitations, on both engines (PostgreSQL cannot even
// look up a NUL byte): no 5xx, and any 4xx in Auth0's shape.
func TestPeopleOddIdsAndQueries(t *testing.T) {
	open := map[string]func(t *testing.T) (store.Store, error){
		"sqlite": func(t *testing.T) (store.Store, error) {
			return sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orgauth.db"))
		},
		"postgres": func(t *testing.T) (store.Store, error) {
			return sqlstore.OpenPostgres(context.Background(), pgtest.Schema(t))
		},
	}
	odd := []string{
		strings.Repeat("a", 8<<10), "%00", "%FF%FE", "%2E%2E", "org_%E2%80%AE", "%20", "a%2Fb%2Fc", "%25", "auth0%7C%00", "name",
	}
	idTargets := []string{
		"GET /api/v2/organizations/%s/members", "GET /api/v2/users/%s/organizations",
		"GET /api/v2/roles/%s", "DELETE /api/v2/roles/%s", "GET /api/v2/roles/%s/permissions",
		"GET /api/v2/users/%s/roles", "GET /api/v2/organizations/%s/members/%[1]s/roles",
		"GET /api/v2/organizations/%s/enabled_connections", "GET /api/v2/organizations/%s/enabled_connections/%[1]s",
		"DELETE /api/v2/organizations/%s/enabled_connections/%[1]s",
		"GET /api/v2/organizations/%s/invitations", "GET /api/v2/organizations/%s/invitations/%[1]s",
		"DELETE /api/v2/organizations/%s/invitations/%[1]s",
	}
	bodies := map[string]string{ // valid bodies aimed at odd ids
		"/members":     `{"members":["x"]}`,
		"/roles":       `{"roles":["x"]}`,
		"/permissions": `{"permissions":[{"resource_server_identifier":"x","permission_name":"y"}]}`,
	}
	bodyTargets := []string{
		"POST /api/v2/organizations/%s/members", "DELETE /api/v2/organizations/%s/members",
		"POST /api/v2/users/%s/roles", "DELETE /api/v2/users/%s/roles",
		"POST /api/v2/organizations/%s/members/%[1]s/roles", "DELETE /api/v2/organizations/%s/members/%[1]s/roles",
		"POST /api/v2/roles/%s/permissions", "DELETE /api/v2/roles/%s/permissions",
	}
	queries := []string{
		"per_page=abc", "per_page=0", "page=-1", "page=1e3", "include_totals=maybe", "take=1000", "from=%zz",
		"take=5&page=1", "from=not-a-cursor", "per_page=99999999999999999999999", "page=10&per_page=100",
		"fields=%00", "include_fields=maybe", "sort=%00", "name_filter=%00", "name_filter=" + strings.Repeat("%E2%80%AE", 300),
	}
	for engine, open := range open {
		t.Run(engine, func(t *testing.T) {
			st, err := open(t)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			h, _ := fuzzManagementAPI(t, st)
			send := func(t *testing.T, method, path, body string) {
				t.Helper()
				r := httptest.NewRequest(method, path, strings.NewReader(body))
				r.Header.Set("Authorization", "Bearer admin")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				checkManagementAnswer(t, bodyRoute{method, path}, rec)
			}
			for _, id := range odd {
				for _, target := range idTargets {
					method, pattern, _ := strings.Cut(target, " ")
					send(t, method, fmt.Sprintf(pattern, id), "")
				}
				for _, target := range bodyTargets {
					method, pattern, _ := strings.Cut(target, " ")
					path := fmt.Sprintf(pattern, id)
					send(t, method, path, bodies[path[strings.LastIndexByte(path, '/'):]])
				}
			}
			for _, q := range queries {
				for _, list := range []string{"/api/v2/roles", "/api/v2/organizations/org_x/members", "/api/v2/users/auth0%7Cx/organizations",
					"/api/v2/organizations/org_x/invitations", "/api/v2/organizations/org_x/enabled_connections"} {
					send(t, http.MethodGet, list+"?"+q, "")
				}
			}
		})
	}
}
