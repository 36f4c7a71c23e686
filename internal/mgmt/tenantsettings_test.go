package mgmt

import (
	"reflect"
	"testing"
)

func TestTenantSettings(t *testing.T) {
	s := newTestServer(t)
	// The settings of people's logins, at their defaults (tenantsettingslogin_test.go changes them).
	logins := map[string]any{"allowed_logout_urls": []any{}, "session_lifetime": float64(168), "idle_session_lifetime": float64(72)}
	off := map[string]any{
		"flags": map[string]any{"allow_organization_name_in_authentication_api": false},
		"allow_organization_name_in_authentication_api": false,
	}
	on := map[string]any{
		"flags": map[string]any{"allow_organization_name_in_authentication_api": true},
		"allow_organization_name_in_authentication_api": true,
	}
	for k, v := range logins {
		off[k], on[k] = v, v
	}
	if got := s.must(200, "GET", "/api/v2/tenants/settings", "").obj(); !reflect.DeepEqual(got, off) {
		t.Errorf("initial = %v", got)
	}
	if got := s.must(200, "PATCH", "/api/v2/tenants/settings", `{"flags":{"allow_organization_name_in_authentication_api":true}}`).obj(); !reflect.DeepEqual(got, on) {
		t.Errorf("after flags = %v", got)
	}
	if got := s.must(200, "PATCH", "/api/v2/tenants/settings", `{"allow_organization_name_in_authentication_api":false}`).obj(); !reflect.DeepEqual(got, off) {
		t.Errorf("after top level = %v", got)
	}
	if got := s.must(200, "PATCH", "/api/v2/tenants/settings", `{}`).obj(); !reflect.DeepEqual(got, off) {
		t.Errorf("an empty patch changed something: %v", got)
	}
	wantAuth0Error(t, s.do("PATCH", "/api/v2/tenants/settings", `{"friendly_name":"Acme"}`), 400,
		"Payload validation error: 'Additional properties not allowed: friendly_name'.", "invalid_body")
	wantAuth0Error(t, s.doAs("reader", "GET", "/api/v2/tenants/settings", ""), 403,
		"Insufficient scope; expected any of: read:tenant_settings.", "insufficient_scope")
}
