package mgmt

import (
	"net/url"
	"testing"
)

func TestResourceServersLifecycle(t *testing.T) {
	s := newTestServer(t)

	created := s.must(201, "POST", "/api/v2/resource-servers",
		`{"identifier":"https://api.example.com/v1/","name":"Example","scopes":[{"value":"read:x","description":"Read x"}]}`).obj()
	id, _ := created["id"].(string)
	if len(id) != 24 || created["identifier"] != "https://api.example.com/v1/" || created["is_system"] != false ||
		created["signing_alg"] != "RS256" || created["token_lifetime"] != float64(86400) || created["allow_offline_access"] != false {
		t.Fatalf("created = %v", created)
	}
	if scopes := created["scopes"].([]any); len(scopes) != 1 || scopes[0].(map[string]any)["description"] != "Read x" {
		t.Errorf("scopes = %v", created["scopes"])
	}

	t.Run("read by id and by URL-encoded identifier", func(t *testing.T) {
		for _, key := range []string{id, url.PathEscape("https://api.example.com/v1/"), url.QueryEscape("https://api.example.com/v1/")} {
			got := s.must(200, "GET", "/api/v2/resource-servers/"+key, "").obj()
			if got["id"] != id {
				t.Errorf("GET %s: id = %v, want %s", key, got["id"], id)
			}
		}
	})

	t.Run("list includes the Management API as a system API", func(t *testing.T) {
		list := s.must(200, "GET", "/api/v2/resource-servers", "").list()
		if len(list) != 2 {
			t.Fatalf("list = %v", list)
		}
		first := list[0].(map[string]any)
		if first["identifier"] != testIssuer+"api/v2/" || first["is_system"] != true {
			t.Errorf("first = %v", first)
		}
		totals := s.must(200, "GET", "/api/v2/resource-servers?include_totals=true&per_page=1&page=1", "").obj()
		if totals["total"] != float64(2) || totals["start"] != float64(1) || totals["limit"] != float64(1) ||
			len(totals["resource_servers"].([]any)) != 1 {
			t.Errorf("with totals = %v", totals)
		}
	})

	t.Run("update by identifier", func(t *testing.T) {
		got := s.must(200, "PATCH", "/api/v2/resource-servers/"+url.PathEscape("https://api.example.com/v1/"),
			`{"name":"Renamed","token_lifetime":3600}`).obj()
		if got["name"] != "Renamed" || got["token_lifetime"] != float64(3600) || got["identifier"] != "https://api.example.com/v1/" {
			t.Errorf("updated = %v", got)
		}
	})

	t.Run("the identifier cannot change", func(t *testing.T) {
		r := s.do("PATCH", "/api/v2/resource-servers/"+id, `{"identifier":"https://other"}`)
		wantAuth0Error(t, r, 400, "Payload validation error: 'Additional properties not allowed: identifier'.", "invalid_body")
	})

	t.Run("tenant rules come back as 400", func(t *testing.T) {
		r := s.do("PATCH", "/api/v2/resource-servers/"+id, `{"signing_alg":"HS256"}`)
		wantAuth0Error(t, r, 400, "", "invalid_body")
	})

	t.Run("a duplicate identifier is a conflict", func(t *testing.T) {
		r := s.do("POST", "/api/v2/resource-servers", `{"identifier":"https://api.example.com/v1/"}`)
		wantAuth0Error(t, r, 409, "A resource server with the same identifier already exists", "resource_server_conflict")
	})

	t.Run("the Management API cannot be deleted", func(t *testing.T) {
		r := s.do("DELETE", "/api/v2/resource-servers/"+url.PathEscape(testIssuer+"api/v2/"), "")
		wantAuth0Error(t, r, 403, "The Management API cannot be changed or deleted.", "operation_not_supported")
	})

	t.Run("delete, then it is gone", func(t *testing.T) {
		r := s.must(204, "DELETE", "/api/v2/resource-servers/"+id, "")
		if r.raw != "" {
			t.Errorf("204 with a body: %q", r.raw)
		}
		wantAuth0Error(t, s.do("GET", "/api/v2/resource-servers/"+id, ""), 404,
			"The resource server does not exist", "inexistent_resource_server")
	})
}
