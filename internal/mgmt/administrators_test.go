package mgmt

import (
	"testing"
)

// TestTheLastAdministratorApplicationStays: the bootstrap application is the only one that administers
// the tenant, so neither it nor its Management grant can go, and the grant cannot lose what makes it an
// administrator; the answer says how to recover.
func TestTheLastAdministratorApplicationStays(t *testing.T) {
	s := newTestServer(t)
	grants := s.must(200, "GET", "/api/v2/client-grants?audience="+urlEscape(testIssuer+"api/v2/"), "").list()
	if len(grants) != 1 {
		t.Fatalf("Management grants: %v", grants)
	}
	admin := grants[0].(map[string]any)
	grantID, clientID := admin["id"].(string), admin["client_id"].(string)
	const message = "This is the last application that can administer the tenant (client_credentials, and create:clients " +
		"and create:client_grants on the Management API): deleting it or taking that away would lock the Management API " +
		"out. Create another administrator application first; on the server, `orgauth admins add-app` makes one."

	tests := []struct{ name, method, path, body string }{
		{"delete the application", "DELETE", "/api/v2/clients/" + clientID, ""},
		{"delete its Management grant", "DELETE", "/api/v2/client-grants/" + grantID, ""},
		{"narrow its Management grant", "PATCH", "/api/v2/client-grants/" + grantID, `{"scope":["read:clients","create:clients"]}`},
		{"empty its Management grant", "PATCH", "/api/v2/client-grants/" + grantID, `{"scope":null}`},
		{"take client_credentials away", "PATCH", "/api/v2/clients/" + clientID, `{"grant_types":["authorization_code"]}`},
	}
	for _, tt := range tests {
		t.Run("fail/"+tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do(tt.method, tt.path, tt.body), 400, message, "last_administrator")
		})
	}
	if g := s.must(200, "GET", "/api/v2/client-grants/"+grantID, "").obj(); len(g["scope"].([]any)) != len(admin["scope"].([]any)) {
		t.Errorf("the admin grant changed: %v", g)
	}

	t.Run("another administrator application lets the first go", func(t *testing.T) {
		other := s.must(201, "POST", "/api/v2/clients", `{"name":"second admin","app_type":"non_interactive","grant_types":["client_credentials"]}`).obj()
		s.must(201, "POST", "/api/v2/client-grants",
			`{"client_id":"`+other["client_id"].(string)+`","audience":"`+testIssuer+`api/v2/","scope":["create:clients","create:client_grants"]}`)
		s.must(204, "DELETE", "/api/v2/clients/"+clientID, "")
		wantAuth0Error(t, s.do("DELETE", "/api/v2/clients/"+other["client_id"].(string), ""), 400, message, "last_administrator")
	})
}
