package server

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// world is the state the README walkthrough builds: an API, an M2M application with a client grant that
// requires an organization, and two organizations of which the first is associated with the grant.
type world struct {
	in         *instance
	admin      string
	audience   string
	clientID   string
	secret     string
	grantID    string
	orgA, orgB string
	orgAName   string
}

func setupWorld(t *testing.T, in *instance) *world {
	t.Helper()
	w := &world{in: in, admin: in.adminToken(), audience: "https://example-api"}
	must(t, in.api("POST", "/api/v2/resource-servers", w.admin, map[string]any{
		"identifier": w.audience, "name": "Example API",
		"scopes": []map[string]string{{"value": "create:posts"}, {"value": "read:posts"}, {"value": "update:posts"}, {"value": "delete:posts"}},
	}), 201)
	app := must(t, in.api("POST", "/api/v2/clients", w.admin, map[string]any{
		"name": "Acme bot", "app_type": "non_interactive", "grant_types": []string{"client_credentials"},
	}), 201)
	w.clientID, w.secret = app.str("client_id"), app.str("client_secret")
	if len(w.clientID) != 32 || len(w.secret) != 64 {
		t.Fatalf("client_id %q / secret of %d chars", w.clientID, len(w.secret))
	}
	grant := must(t, in.api("POST", "/api/v2/client-grants", w.admin, map[string]any{
		"client_id": w.clientID, "audience": w.audience, "scope": []string{"read:posts", "create:posts"},
		"organization_usage": "require", "allow_any_organization": false,
	}), 201)
	w.grantID = grant.str("id")
	w.orgAName = "acme"
	w.orgA = must(t, in.api("POST", "/api/v2/organizations", w.admin, map[string]any{"name": "acme", "display_name": "Acme Inc."}), 201).str("id")
	w.orgB = must(t, in.api("POST", "/api/v2/organizations", w.admin, map[string]any{"name": "globex"}), 201).str("id")
	assoc := must(t, in.api("POST", "/api/v2/organizations/"+w.orgA+"/client-grants", w.admin, map[string]any{"grant_id": w.grantID}), 201)
	if assoc.str("grant_id") != w.grantID || assoc.str("id") != w.grantID || assoc.str("organization_usage") != "require" {
		t.Fatalf("association answer %s", assoc.raw)
	}
	return w
}

// request is a client-credentials form for the world's application, plus extra fields.
func (w *world) request(extra ...string) url.Values {
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {w.clientID}, "client_secret": {w.secret}, "audience": {w.audience}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// refused asserts an OAuth error answer.
func refused(t *testing.T, r response, status int, code, description string) {
	t.Helper()
	if r.status != status || r.str("error") != code || r.str("error_description") != description {
		t.Fatalf("got %d %s\nwant %d {error: %q, error_description: %q}", r.status, r.raw, status, code, description)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", r.header.Get("Cache-Control"))
	}
}

func TestWalkthrough(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)

	// 6. A token for the first organization carries every claim.
	before := time.Now().Unix()
	r := must(t, in.token(w.request("organization", w.orgA)), 200)
	if r.str("token_type") != "Bearer" || r.body["expires_in"] != float64(86400) || r.str("scope") != "read:posts create:posts" {
		t.Fatalf("token answer %s", r.raw)
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Errorf("token answer headers %v", r.header)
	}
	c := in.claims(r.str("access_token"))
	want := map[string]any{
		"iss": in.issuer, "aud": w.audience, "sub": w.clientID + "@clients", "azp": w.clientID,
		"gty": "client-credentials", "scope": "read:posts create:posts", "org_id": w.orgA,
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	if int64(iat) < before-1 || int64(exp) != int64(iat)+86400 || c["jti"] == nil || c["org_name"] != nil {
		t.Errorf("iat %v exp %v jti %v org_name %v", c["iat"], c["exp"], c["jti"], c["org_name"])
	}
	// ... refused for the second organization and without one.
	refused(t, in.token(w.request("organization", w.orgB)), 403, "access_denied",
		`Client is not authorized to access "https://example-api" on behalf of organization "`+w.orgB+`"`)
	refused(t, in.token(w.request()), 400, "invalid_request", "parameter organization is required for this client grant")

	// 7. A default organization stands in for a missing parameter.
	must(t, in.api("PATCH", "/api/v2/clients/"+w.clientID, w.admin, map[string]any{
		"default_organization": map[string]any{"organization_id": w.orgA, "flows": []string{"client_credentials"}}}), 200)
	if got := in.claims(must(t, in.token(w.request()), 200).str("access_token"))["org_id"]; got != w.orgA {
		t.Fatalf("default organization token org_id = %v", got)
	}

	// 8. With the tenant flag, an organization may be named, and tokens carry its name.
	refused(t, in.token(w.request("organization", "acme")), 403, "access_denied",
		`Client is not authorized to access "https://example-api" on behalf of organization "acme"`)
	must(t, in.api("PATCH", "/api/v2/tenants/settings", w.admin, map[string]any{
		"flags": map[string]any{"allow_organization_name_in_authentication_api": true}}), 200)
	c = in.claims(must(t, in.token(w.request("organization", "ACME")), 200).str("access_token"))
	if c["org_id"] != w.orgA || c["org_name"] != "acme" {
		t.Fatalf("named organization token: org_id %v org_name %v", c["org_id"], c["org_name"])
	}

	// 9. Any organization, including one created afterwards.
	must(t, in.api("PATCH", "/api/v2/client-grants/"+w.grantID, w.admin, map[string]any{"allow_any_organization": true}), 200)
	orgC := must(t, in.api("POST", "/api/v2/organizations", w.admin, map[string]any{"name": "initech"}), 201).str("id")
	c = in.claims(must(t, in.token(w.request("organization", orgC)), 200).str("access_token"))
	if c["org_id"] != orgC || c["org_name"] != "initech" {
		t.Fatalf("any-organization token: %v", c)
	}
	if !strings.HasSuffix(in.issuer, "/") {
		t.Fatalf("issuer %q lacks its trailing slash", in.issuer)
	}
}
