package mgmt

import (
	"net/url"
	"reflect"
	"testing"
)

func TestOrganizationClientGrants(t *testing.T) {
	s := newTestServer(t)
	audience, clientID := s.fixture()
	org := s.must(201, "POST", "/api/v2/organizations", `{"name":"acme"}`).obj()["id"].(string)
	grant := s.must(201, "POST", "/api/v2/client-grants",
		`{"client_id":"`+clientID+`","audience":"`+audience+`","scope":["read:data"]}`).obj()["id"].(string)
	path := "/api/v2/organizations/" + org + "/client-grants"

	t.Run("a grant that denies organizations cannot be associated", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", path, `{"grant_id":"`+grant+`"}`), 400,
			"The client grant does not allow organizations: set its organization_usage to allow or require first.", "invalid_body")
	})

	s.must(200, "PATCH", "/api/v2/client-grants/"+grant, `{"organization_usage":"require"}`)

	t.Run("associate answers 201 with both id and grant_id", func(t *testing.T) {
		got := s.must(201, "POST", path, `{"grant_id":"`+grant+`"}`).obj()
		want := map[string]any{
			"id": grant, "grant_id": grant, "client_id": clientID, "audience": audience,
			"scope": []any{"read:data"}, "organization_usage": "require", "allow_any_organization": false,
		}
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s = %v, want %v", k, got[k], v)
			}
		}
	})

	t.Run("associating twice is a conflict", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", path, `{"grant_id":"`+grant+`"}`), 409,
			"The client grant has already been added to this organization.", "client_grant_conflict")
	})

	t.Run("unknown grant or organization", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", path, `{"grant_id":"cgr_doesnotexist0000"}`), 404, "The grant does not exist.", "inexistent_client_grant")
		wantAuth0Error(t, s.do("POST", "/api/v2/organizations/org_nope/client-grants", `{"grant_id":"`+grant+`"}`), 404,
			"No organization found by that id or name", "")
	})

	t.Run("grant_id is required", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", path, `{}`), 400, "Payload validation error: 'Missing required property: grant_id'.", "invalid_body")
	})

	t.Run("list with filters", func(t *testing.T) {
		all := s.must(200, "GET", path, "").list()
		if len(all) != 1 || all[0].(map[string]any)["grant_id"] != grant {
			t.Errorf("list = %v", all)
		}
		for query, want := range map[string]int{
			"audience=" + url.QueryEscape(audience):   1,
			"audience=https%3A%2F%2Fother":            0,
			"client_id=" + clientID:                   1,
			"grant_ids=" + grant + "&grant_ids=cgr_x": 1,
			"grant_ids=cgr_x":                         0,
		} {
			if got := len(s.must(200, "GET", path+"?"+query, "").list()); got != want {
				t.Errorf("%s: %d grants, want %d", query, got, want)
			}
		}
		totals := s.must(200, "GET", path+"?include_totals=true", "").obj()
		if totals["total"] != float64(1) || len(totals["client_grants"].([]any)) != 1 {
			t.Errorf("with totals = %v", totals)
		}
	})

	t.Run("the grant lists its organizations", func(t *testing.T) {
		orgs := s.must(200, "GET", "/api/v2/client-grants/"+grant+"/organizations", "").list()
		if len(orgs) != 1 || orgs[0].(map[string]any)["id"] != org {
			t.Errorf("organizations = %v", orgs)
		}
	})

	t.Run("the underscore-free scope spellings are accepted", func(t *testing.T) {
		if r := s.doAs("aliased", "GET", path, ""); r.status != 200 {
			t.Errorf("status %d: %s", r.status, r.raw)
		}
	})

	t.Run("remove, and removing again is no error", func(t *testing.T) {
		s.must(204, "DELETE", path+"/"+grant, "")
		s.must(204, "DELETE", path+"/"+grant, "")
		if got := s.must(200, "GET", path, "").list(); len(got) != 0 {
			t.Errorf("still listed: %v", got)
		}
		wantAuth0Error(t, s.do("DELETE", "/api/v2/organizations/org_nope/client-grants/"+grant, ""), 404,
			"No organization found by that id or name", "")
	})
}
