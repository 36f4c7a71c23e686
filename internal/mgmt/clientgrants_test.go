package mgmt

import (
	"net/url"
	"strings"
	"testing"
)

func TestClientGrantsLifecycle(t *testing.T) {
	s := newTestServer(t)
	audience, clientID := s.fixture()

	g := s.must(201, "POST", "/api/v2/client-grants",
		`{"client_id":"`+clientID+`","audience":"`+audience+`","scope":["read:data"]}`).obj()
	id, _ := g["id"].(string)
	if !strings.HasPrefix(id, "cgr_") || g["client_id"] != clientID || g["audience"] != audience || g["allow_any_organization"] != false {
		t.Fatalf("created = %v", g)
	}
	if _, ok := g["organization_usage"]; ok {
		t.Errorf("an unset organization_usage is shown: %v", g)
	}

	t.Run("a second grant for the same client and API is a conflict", func(t *testing.T) {
		r := s.do("POST", "/api/v2/client-grants", `{"client_id":"`+clientID+`","audience":"`+audience+`","scope":[]}`)
		wantAuth0Error(t, r, 409, "A client grant for this client and audience already exists.", "client_grant_conflict")
	})

	t.Run("read", func(t *testing.T) {
		if got := s.must(200, "GET", "/api/v2/client-grants/"+id, "").obj(); got["id"] != id {
			t.Errorf("get = %v", got)
		}
		wantAuth0Error(t, s.do("GET", "/api/v2/client-grants/cgr_nope", ""), 404, "The grant does not exist.", "inexistent_client_grant")
	})

	t.Run("patch sets and null resets", func(t *testing.T) {
		set := s.must(200, "PATCH", "/api/v2/client-grants/"+id,
			`{"scope":["read:data","write:data"],"organization_usage":"require","allow_any_organization":true}`).obj()
		if set["organization_usage"] != "require" || set["allow_any_organization"] != true || len(set["scope"].([]any)) != 2 {
			t.Errorf("set = %v", set)
		}
		reset := s.must(200, "PATCH", "/api/v2/client-grants/"+id,
			`{"scope":null,"organization_usage":null,"allow_any_organization":null}`).obj()
		if _, ok := reset["organization_usage"]; ok || reset["allow_any_organization"] != false || len(reset["scope"].([]any)) != 0 {
			t.Errorf("reset = %v", reset)
		}
		wantAuth0Error(t, s.do("PATCH", "/api/v2/client-grants/"+id, `{"client_id":"x"}`), 400,
			"Payload validation error: 'Additional properties not allowed: client_id'.", "invalid_body")
		wantAuth0Error(t, s.do("PATCH", "/api/v2/client-grants/"+id, `{"organization_usage":"sometimes"}`), 400, "", "invalid_body")
	})

	t.Run("delete, and deleting again is no error", func(t *testing.T) {
		s.must(204, "DELETE", "/api/v2/client-grants/"+id, "")
		s.must(204, "DELETE", "/api/v2/client-grants/"+id, "")
	})
}

func TestClientGrantListFiltersAndPaging(t *testing.T) {
	s := newTestServer(t)
	audience, clientA := s.fixture()
	clientB := s.must(201, "POST", "/api/v2/clients", `{"name":"Second","app_type":"non_interactive"}`).obj()["client_id"].(string)
	s.must(201, "POST", "/api/v2/client-grants", `{"client_id":"`+clientA+`","audience":"`+audience+`","scope":[]}`)
	s.must(201, "POST", "/api/v2/client-grants",
		`{"client_id":"`+clientB+`","audience":"`+audience+`","scope":[],"organization_usage":"allow","allow_any_organization":true}`)

	count := func(query string) int {
		t.Helper()
		return len(s.must(200, "GET", "/api/v2/client-grants?"+query, "").list())
	}
	// The bootstrap grant of the admin application for the Management API is there too.
	if n := count(""); n != 3 {
		t.Errorf("all: %d grants, want 3", n)
	}
	if n := count("audience=" + url.QueryEscape(audience)); n != 2 {
		t.Errorf("by audience: %d, want 2", n)
	}
	if n := count("client_id=" + clientB); n != 1 {
		t.Errorf("by client: %d, want 1", n)
	}
	if n := count("allow_any_organization=true"); n != 1 {
		t.Errorf("allow_any_organization: %d, want 1", n)
	}

	t.Run("checkpoint paging walks every grant once", func(t *testing.T) {
		seen := map[string]bool{}
		from := ""
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("paging does not end")
			}
			body := s.must(200, "GET", "/api/v2/client-grants?take=2&from="+url.QueryEscape(from), "").obj()
			for _, g := range body["client_grants"].([]any) {
				seen[g.(map[string]any)["id"].(string)] = true
			}
			next, ok := body["next"].(string)
			if !ok {
				break
			}
			from = next
		}
		if len(seen) != 3 {
			t.Errorf("saw %d grants, want 3", len(seen))
		}
	})

	t.Run("a cursor this server did not make is refused", func(t *testing.T) {
		r := s.do("GET", "/api/v2/client-grants?from=bogus&take=2", "")
		if r.status != 400 {
			t.Errorf("status %d: %s", r.status, r.raw)
		}
	})

	t.Run("out-of-range paging is refused, not clamped", func(t *testing.T) {
		wantAuth0Error(t, s.do("GET", "/api/v2/client-grants?per_page=500", ""), 400,
			"Query validation error: 'Value 500 is greater than maximum 100' on property per_page.", "invalid_query_string")
		wantAuth0Error(t, s.do("GET", "/api/v2/client-grants?take=0", ""), 400,
			"Query validation error: 'Value 0 is less than minimum 1' on property take.", "invalid_query_string")
	})
}
