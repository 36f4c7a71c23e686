package mgmt

import (
	"regexp"
	"testing"
)

var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{64}$`)

func TestClientsShowTheSecretOnlyOnCreateAndRotate(t *testing.T) {
	s := newTestServer(t)

	created := s.must(201, "POST", "/api/v2/clients",
		`{"name":"Billing sync","description":"Nightly","app_type":"non_interactive"}`)
	c := created.obj()
	id, _ := c["client_id"].(string)
	secret, _ := c["client_secret"].(string)
	if len(id) != 32 || !secretPattern.MatchString(secret) {
		t.Fatalf("created = %v", c)
	}
	if c["name"] != "Billing sync" || c["description"] != "Nightly" || c["app_type"] != "non_interactive" ||
		c["token_endpoint_auth_method"] != "client_secret_post" {
		t.Errorf("created = %v", c)
	}
	if gt := c["grant_types"].([]any); len(gt) != 1 || gt[0] != "client_credentials" {
		t.Errorf("grant_types = %v", c["grant_types"])
	}
	if cc := created.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}

	t.Run("reads never include the secret", func(t *testing.T) {
		if got := s.must(200, "GET", "/api/v2/clients/"+id, "").obj(); got["client_secret"] != nil || got["client_id"] != id {
			t.Errorf("get = %v", got)
		}
		for _, item := range s.must(200, "GET", "/api/v2/clients", "").list() {
			if _, ok := item.(map[string]any)["client_secret"]; ok {
				t.Errorf("list item has a secret: %v", item)
			}
		}
		if got := s.must(200, "PATCH", "/api/v2/clients/"+id, `{"description":"Hourly"}`).obj(); got["client_secret"] != nil {
			t.Errorf("update = %v", got)
		}
	})

	t.Run("rotate-secret returns a new secret", func(t *testing.T) {
		got := s.must(200, "POST", "/api/v2/clients/"+id+"/rotate-secret", "").obj()
		rotated, _ := got["client_secret"].(string)
		if !secretPattern.MatchString(rotated) || rotated == secret || got["client_id"] != id {
			t.Errorf("rotated = %v", got)
		}
	})

	t.Run("rotate-secret needs update:client_keys", func(t *testing.T) {
		r := s.doAs("reader", "POST", "/api/v2/clients/"+id+"/rotate-secret", "")
		wantAuth0Error(t, r, 403, "Insufficient scope; expected any of: update:client_keys.", "insufficient_scope")
	})

	t.Run("unknown client", func(t *testing.T) {
		wantAuth0Error(t, s.do("GET", "/api/v2/clients/nope", ""), 404, "The client does not exist", "inexistent_client")
		wantAuth0Error(t, s.do("POST", "/api/v2/clients/nope/rotate-secret", ""), 404, "The client does not exist", "inexistent_client")
	})

	t.Run("name is required and may not hold angle brackets", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", "/api/v2/clients", `{"app_type":"spa"}`), 400,
			"Payload validation error: 'Missing required property: name'.", "invalid_body")
		wantAuth0Error(t, s.do("POST", "/api/v2/clients", `{"name":"<b>"}`), 400, "", "invalid_body")
	})

	t.Run("delete", func(t *testing.T) {
		s.must(204, "DELETE", "/api/v2/clients/"+id, "")
		wantAuth0Error(t, s.do("GET", "/api/v2/clients/"+id, ""), 404, "The client does not exist", "inexistent_client")
	})
}

func TestClientDefaultOrganization(t *testing.T) {
	s := newTestServer(t)
	org := s.must(201, "POST", "/api/v2/organizations", `{"name":"acme"}`).obj()["id"].(string)
	id := s.must(201, "POST", "/api/v2/clients", `{"name":"Sync","app_type":"non_interactive"}`).obj()["client_id"].(string)

	set := s.must(200, "PATCH", "/api/v2/clients/"+id,
		`{"default_organization":{"organization_id":"`+org+`","flows":["client_credentials"]}}`).obj()
	d, _ := set["default_organization"].(map[string]any)
	if d["organization_id"] != org || len(d["flows"].([]any)) != 1 {
		t.Fatalf("default_organization = %v", set["default_organization"])
	}

	untouched := s.must(200, "PATCH", "/api/v2/clients/"+id, `{"description":"x"}`).obj()
	if untouched["default_organization"] == nil {
		t.Errorf("a PATCH without default_organization removed it: %v", untouched)
	}

	cleared := s.must(200, "PATCH", "/api/v2/clients/"+id, `{"default_organization":null}`).obj()
	if _, ok := cleared["default_organization"]; ok {
		t.Errorf("null did not remove it: %v", cleared)
	}

	r := s.do("PATCH", "/api/v2/clients/"+id, `{"default_organization":{"organization_id":"org_doesnotexist0000","flows":["client_credentials"]}}`)
	wantAuth0Error(t, r, 400, "", "invalid_body")
}
