package mgmt

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

// pathTenant records the path values that reach the tenant. Its embedded Tenant is nil: a route that
// calls any other method fails the test with a panic.
type pathTenant struct {
	Tenant
	got []string
}

// IsManagementAPI passes every token's audience check, unrecorded: it is no route's own call.
func (t *pathTenant) IsManagementAPI(context.Context, string) (bool, error) { return true, nil }

func (t *pathTenant) ResourceServer(_ context.Context, idOrIdentifier string) (tenant.ResourceServer, error) {
	t.got = append(t.got, "ResourceServer "+idOrIdentifier)
	return tenant.ResourceServer{ID: "5f0c8c1f9b1e4a2d3c4b5a69", Identifier: idOrIdentifier}, nil
}

func (t *pathTenant) OrganizationByName(_ context.Context, name string) (tenant.Organization, error) {
	t.got = append(t.got, "OrganizationByName "+name)
	return tenant.Organization{ID: "org_abc", Name: name}, nil
}

func (t *pathTenant) OrganizationClientGrants(_ context.Context, orgID string, _ tenant.ClientGrantFilter, _ tenant.Page) (tenant.List[tenant.ClientGrant], error) {
	t.got = append(t.got, "OrganizationClientGrants "+orgID)
	return tenant.List[tenant.ClientGrant]{}, nil
}

func TestRoutesPassPathValuesToTheTenant(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		token  string
		status int
		call   string
	}{
		{"API by id", "/api/v2/resource-servers/5f0c8c1f9b1e4a2d3c4b5a69", "all", 200, "ResourceServer 5f0c8c1f9b1e4a2d3c4b5a69"},
		{"API by URL-encoded identifier", "/api/v2/resource-servers/https%3A%2F%2Fexample-api", "all", 200, "ResourceServer https://example-api"},
		{"API by identifier with a path", "/api/v2/resource-servers/https%3A%2F%2Fapi.example.com%2Fv1%2F", "all", 200, "ResourceServer https://api.example.com/v1/"},
		{"API by identifier with unescaped slashes", "/api/v2/resource-servers/urn:example/billing", "all", 200, "ResourceServer urn:example/billing"},
		{"organization by name", "/api/v2/organizations/name/acme", "all", 200, "OrganizationByName acme"},
		{"organization named client-grants", "/api/v2/organizations/name/client-grants", "all", 200, "OrganizationByName client-grants"},
		{"organization named members", "/api/v2/organizations/name/members", "all", 200, "OrganizationByName members"},
		{"organization named invitations", "/api/v2/organizations/name/invitations", "all", 200, "OrganizationByName invitations"},
		{"organization client grants", "/api/v2/organizations/org_abc/client-grants", "all", 200, "OrganizationClientGrants org_abc"},
		{"by name needs read:organizations", "/api/v2/organizations/name/acme", "ocg", 403, ""},
		{"client grants need read:organization_client_grants", "/api/v2/organizations/org_abc/client-grants", "orgs", 403, ""},
		{"unknown organization sub-resource", "/api/v2/organizations/org_abc/widgets", "all", 404, ""},
		{"unknown path under /api/v2/", "/api/v2/hooks", "all", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn := &pathTenant{}
			h := New(Config{Issuer: testIssuer, Tenant: tn, Verifier: fakeVerifier{tokens: map[string][]string{
				"all":  {"read:resource_servers", "read:organizations", "read:organization_client_grants"},
				"ocg":  {"read:organization_client_grants"},
				"orgs": {"read:organizations"},
			}}})
			mux := http.NewServeMux()
			h.Mount(mux)
			r := httptest.NewRequest(http.MethodGet, tt.path, nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, r)

			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			var want []string
			if tt.call != "" {
				want = []string{tt.call}
			}
			if len(tn.got) != len(want) || (len(want) == 1 && tn.got[0] != want[0]) {
				t.Errorf("tenant calls = %q, want %q", tn.got, want)
			}
		})
	}
}

func TestUnknownPathAnswersAuth0NotFound(t *testing.T) {
	mux := http.NewServeMux()
	New(Config{Issuer: testIssuer}).Mount(mux)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/api/v2/clients", nil))
	if want := `{"statusCode":404,"error":"Not Found","message":"Not Found"}` + "\n"; w.Code != 404 || w.Body.String() != want {
		t.Errorf("got %d %s, want 404 %s", w.Code, w.Body, want)
	}
}
