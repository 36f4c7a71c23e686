package server

import (
	"fmt"
	"net/url"
	"testing"
)

func TestManagementAPIScopes(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	apiToken := must(t, in.token(w.request("organization", w.orgA)), 200).str("access_token")

	// An application granted only read:organizations on the Management API.
	reader := must(t, in.api("POST", "/api/v2/clients", w.admin, map[string]any{"name": "reader", "app_type": "non_interactive"}), 201)
	must(t, in.api("POST", "/api/v2/client-grants", w.admin, map[string]any{
		"client_id": reader.str("client_id"), "audience": in.issuer + "api/v2/", "scope": []string{"read:organizations"}}), 201)
	readerToken := must(t, in.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {reader.str("client_id")},
		"client_secret": {reader.str("client_secret")}, "audience": {in.issuer + "api/v2/"}}), 200).str("access_token")

	tests := []struct {
		name, method, path, bearer string
		status                     int
		message                    string
	}{
		{"no token is unauthorized", "GET", "/api/v2/organizations", "", 401, ""},
		{"a garbage token is unauthorized", "GET", "/api/v2/organizations", "not-a-jwt", 401, ""},
		{"a token for another API is unauthorized", "GET", "/api/v2/organizations", apiToken, 401, ""},
		{"the granted scope is enough", "GET", "/api/v2/organizations", readerToken, 200, ""},
		{"a missing scope is forbidden", "POST", "/api/v2/organizations", readerToken, 403, "Insufficient scope; expected any of: create:organizations."},
		{"organization client grants need their own scope", "GET", "/api/v2/organizations/" + w.orgA + "/client-grants", readerToken, 403,
			"Insufficient scope; expected any of: read:organization_client_grants."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = map[string]any{"name": "x"}
			}
			r := in.api(tt.method, tt.path, tt.bearer, body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if r.status >= 400 {
				if r.body["statusCode"] != float64(tt.status) || r.str("error") == "" || r.str("message") == "" {
					t.Errorf("error body %s lacks the Auth0 shape", r.raw)
				}
				if tt.message != "" && r.str("message") != tt.message {
					t.Errorf("message %q, want %q", r.str("message"), tt.message)
				}
			}
		})
	}
}

func TestPaging(t *testing.T) {
	in := start(t, "", "")
	admin := in.adminToken()
	var ids []string
	for i := range 5 {
		ids = append(ids, must(t, in.api("POST", "/api/v2/organizations", admin, map[string]any{"name": fmt.Sprintf("org-%d", i)}), 201).str("id"))
	}

	r := must(t, in.api("GET", "/api/v2/organizations?per_page=2&page=1&include_totals=true", admin, nil), 200)
	items, _ := r.body["organizations"].([]any)
	if len(items) != 2 || r.body["start"] != float64(2) || r.body["limit"] != float64(2) || r.body["total"] != float64(5) {
		t.Fatalf("offset page with totals: %s", r.raw)
	}
	if id := items[0].(map[string]any)["id"]; id != ids[2] {
		t.Errorf("page 1 starts with %v, want %s (creation order)", id, ids[2])
	}
	if r := must(t, in.api("GET", "/api/v2/organizations?per_page=2", admin, nil), 200); len(r.list) != 2 {
		t.Errorf("bare array page: %s", r.raw)
	}

	var seen []string
	next := ""
	for page := 0; page < 5; page++ {
		path := "/api/v2/organizations?take=2"
		if next != "" {
			path += "&from=" + url.QueryEscape(next)
		}
		r := must(t, in.api("GET", path, admin, nil), 200)
		for _, o := range r.body["organizations"].([]any) {
			seen = append(seen, o.(map[string]any)["id"].(string))
		}
		next = r.str("next")
		if next == "" {
			break
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Errorf("checkpoint paging saw %v, want %v", seen, ids)
	}

	for _, q := range []string{"per_page=0", "per_page=101", "page=-1", "take=0", "take=101", "from=garbage%21", "include_totals=maybe"} {
		t.Run("fail/"+q, func(t *testing.T) {
			if r := in.api("GET", "/api/v2/organizations?"+q, admin, nil); r.status != 400 {
				t.Errorf("status %d, want 400: %s", r.status, r.raw)
			}
		})
	}
}

func TestChangesTakeEffectOnTheNextRequest(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	must(t, in.token(w.request("organization", w.orgA)), 200)

	t.Run("association removed", func(t *testing.T) {
		must(t, in.api("DELETE", "/api/v2/organizations/"+w.orgA+"/client-grants/"+w.grantID, w.admin, nil), 204)
		refused(t, in.token(w.request("organization", w.orgA)), 403, "access_denied",
			`Client is not authorized to access "https://example-api" on behalf of organization "`+w.orgA+`"`)
		must(t, in.api("POST", "/api/v2/organizations/"+w.orgA+"/client-grants", w.admin, map[string]any{"grant_id": w.grantID}), 201)
		must(t, in.token(w.request("organization", w.orgA)), 200)
	})
	t.Run("grant switched to deny", func(t *testing.T) {
		must(t, in.api("PATCH", "/api/v2/client-grants/"+w.grantID, w.admin, map[string]any{"organization_usage": "deny"}), 200)
		refused(t, in.token(w.request("organization", w.orgA)), 400, "invalid_request", "parameter organization is not allowed for this client grant")
		c := in.claims(must(t, in.token(w.request()), 200).str("access_token"))
		if c["org_id"] != nil {
			t.Errorf("deny grant issued org_id %v", c["org_id"])
		}
		// Its association stayed, inert; back to require, it works again.
		must(t, in.api("PATCH", "/api/v2/client-grants/"+w.grantID, w.admin, map[string]any{"organization_usage": "require"}), 200)
		must(t, in.token(w.request("organization", w.orgA)), 200)
	})
	t.Run("secret rotated", func(t *testing.T) {
		r := must(t, in.api("POST", "/api/v2/clients/"+w.clientID+"/rotate-secret", w.admin, nil), 200)
		refused(t, in.token(w.request("organization", w.orgA)), 401, "invalid_client", "Client authentication failed")
		w.secret = r.str("client_secret")
		must(t, in.token(w.request("organization", w.orgA)), 200)
	})
	t.Run("organization deleted", func(t *testing.T) {
		must(t, in.api("DELETE", "/api/v2/organizations/"+w.orgA, w.admin, nil), 204)
		refused(t, in.token(w.request("organization", w.orgA)), 403, "access_denied",
			`Client is not authorized to access "https://example-api" on behalf of organization "`+w.orgA+`"`)
	})
}

func TestCascades(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	must(t, in.api("PATCH", "/api/v2/clients/"+w.clientID, w.admin, map[string]any{
		"default_organization": map[string]any{"organization_id": w.orgA, "flows": []string{"client_credentials"}}}), 200)

	t.Run("deleting an organization removes its associations and default organizations", func(t *testing.T) {
		must(t, in.api("DELETE", "/api/v2/organizations/"+w.orgA, w.admin, nil), 204)
		if r := must(t, in.api("GET", "/api/v2/client-grants/"+w.grantID+"/organizations", w.admin, nil), 200); len(r.list) != 0 {
			t.Errorf("grant still lists organizations: %s", r.raw)
		}
		if r := must(t, in.api("GET", "/api/v2/clients/"+w.clientID, w.admin, nil), 200); r.body["default_organization"] != nil {
			t.Errorf("default organization survived: %s", r.raw)
		}
		must(t, in.api("GET", "/api/v2/organizations/"+w.orgA, w.admin, nil), 404)
	})
	t.Run("deleting a grant removes its associations; an unknown grant deletes fine", func(t *testing.T) {
		must(t, in.api("POST", "/api/v2/organizations/"+w.orgB+"/client-grants", w.admin, map[string]any{"grant_id": w.grantID}), 201)
		must(t, in.api("DELETE", "/api/v2/client-grants/"+w.grantID, w.admin, nil), 204)
		if r := must(t, in.api("GET", "/api/v2/organizations/"+w.orgB+"/client-grants", w.admin, nil), 200); len(r.list) != 0 {
			t.Errorf("organization still lists grants: %s", r.raw)
		}
		must(t, in.api("DELETE", "/api/v2/client-grants/"+w.grantID, w.admin, nil), 204)
	})
	t.Run("deleting an API removes its grants", func(t *testing.T) {
		g := must(t, in.api("POST", "/api/v2/client-grants", w.admin, map[string]any{
			"client_id": w.clientID, "audience": w.audience, "scope": []string{}, "organization_usage": "allow"}), 201)
		must(t, in.api("POST", "/api/v2/organizations/"+w.orgB+"/client-grants", w.admin, map[string]any{"grant_id": g.str("id")}), 201)
		must(t, in.api("DELETE", "/api/v2/resource-servers/"+url.PathEscape(w.audience), w.admin, nil), 204)
		must(t, in.api("GET", "/api/v2/client-grants/"+g.str("id"), w.admin, nil), 404)
		if r := must(t, in.api("GET", "/api/v2/organizations/"+w.orgB+"/client-grants", w.admin, nil), 200); len(r.list) != 0 {
			t.Errorf("organization still lists grants: %s", r.raw)
		}
		refused(t, in.token(w.request()), 403, "access_denied", "Service not enabled within domain: https://example-api")
	})
	t.Run("deleting an application removes its grants", func(t *testing.T) {
		must(t, in.api("POST", "/api/v2/resource-servers", w.admin, map[string]any{"identifier": "https://other", "scopes": []any{}}), 201)
		g := must(t, in.api("POST", "/api/v2/client-grants", w.admin, map[string]any{"client_id": w.clientID, "audience": "https://other", "scope": []string{}}), 201)
		must(t, in.api("DELETE", "/api/v2/clients/"+w.clientID, w.admin, nil), 204)
		must(t, in.api("GET", "/api/v2/client-grants/"+g.str("id"), w.admin, nil), 404)
		refused(t, in.token(w.request()), 401, "invalid_client", "Client authentication failed")
	})
	t.Run("the Management API cannot be deleted", func(t *testing.T) {
		must(t, in.api("DELETE", "/api/v2/resource-servers/"+url.PathEscape(in.issuer+"api/v2/"), w.admin, nil), 403)
		must(t, in.api("GET", "/api/v2/resource-servers/"+url.PathEscape(in.issuer+"api/v2/"), w.admin, nil), 200)
	})
}

func TestRestartKeepsEverything(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	before := must(t, in.token(w.request("organization", w.orgA)), 200).str("access_token")

	in = in.restart()
	w.in = in
	if c := in.claims(before); c["org_id"] != w.orgA {
		t.Fatalf("token from before the restart: claims %v", c)
	}
	must(t, in.token(w.request("organization", w.orgA)), 200)
	refused(t, in.token(w.request("organization", w.orgB)), 403, "access_denied",
		`Client is not authorized to access "https://example-api" on behalf of organization "`+w.orgB+`"`)
	if in.srv.Bootstrap.Created {
		t.Error("the restart bootstrapped again")
	}
	if r := must(t, in.api("GET", "/api/v2/resource-servers", in.adminToken(), nil), 200); len(r.list) != 2 {
		t.Errorf("resource servers after restart: %s", r.raw)
	}
}
