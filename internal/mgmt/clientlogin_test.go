package mgmt

import (
	"reflect"
	"strings"
	"testing"
)

// defaultRefreshToken is the refresh_token of a client that sets none (SPEC-users §11's secure defaults).
var defaultRefreshToken = map[string]any{
	"rotation_type": "rotating", "expiration_type": "expiring", "leeway": float64(0), "token_lifetime": float64(2592000),
	"idle_token_lifetime": float64(1296000), "infinite_token_lifetime": false, "infinite_idle_token_lifetime": false,
}

func TestClientLoginSettings(t *testing.T) {
	s := newTestServer(t)

	t.Run("defaults of a new application", func(t *testing.T) {
		got := s.must(201, "POST", "/api/v2/clients", `{"name":"Web"}`).obj()
		for k, want := range map[string]any{
			"callbacks": []any{}, "allowed_logout_urls": []any{}, "organization_discovery_methods": []any{"email"},
			"oidc_conformant": true, "jwt_configuration": map[string]any{"lifetime_in_seconds": float64(3600)},
			"refresh_token": defaultRefreshToken,
		} {
			if !reflect.DeepEqual(got[k], want) {
				t.Errorf("%s = %v, want %v", k, got[k], want)
			}
		}
		if _, ok := got["initiate_login_uri"]; ok {
			t.Errorf("initiate_login_uri = %v", got["initiate_login_uri"])
		}
	})

	t.Run("a regular web application for people's logins", func(t *testing.T) {
		got := s.must(201, "POST", "/api/v2/clients", `{"name":"Travel0","app_type":"regular_web",
			"grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"client_secret_basic",
			"callbacks":["https://travel0.example/callback","http://localhost:3000/callback"],
			"allowed_logout_urls":["https://travel0.example/"],"initiate_login_uri":"https://travel0.example/login",
			"organization_usage":"require","organization_require_behavior":"post_login_prompt",
			"organization_discovery_methods":["organization_name","email"],"oidc_conformant":true,
			"jwt_configuration":{"lifetime_in_seconds":600},
			"refresh_token":{"rotation_type":"non-rotating","expiration_type":"non-expiring","leeway":10}}`).obj()
		id := got["client_id"].(string)
		want := map[string]any{
			"grant_types": []any{"authorization_code", "refresh_token"}, "token_endpoint_auth_method": "client_secret_basic",
			"callbacks":           []any{"https://travel0.example/callback", "http://localhost:3000/callback"},
			"allowed_logout_urls": []any{"https://travel0.example/"}, "initiate_login_uri": "https://travel0.example/login",
			"organization_usage": "require", "organization_require_behavior": "post_login_prompt",
			"organization_discovery_methods": []any{"organization_name", "email"},
			"jwt_configuration":              map[string]any{"lifetime_in_seconds": float64(600)},
			"refresh_token": map[string]any{"rotation_type": "non-rotating", "expiration_type": "non-expiring", "leeway": float64(10),
				"token_lifetime": float64(2592000), "idle_token_lifetime": float64(1296000), "infinite_token_lifetime": false,
				"infinite_idle_token_lifetime": false},
		}
		read := s.must(200, "GET", "/api/v2/clients/"+id, "").obj()
		for k, w := range want {
			if !reflect.DeepEqual(got[k], w) || !reflect.DeepEqual(read[k], w) {
				t.Errorf("%s = %v (read %v), want %v", k, got[k], read[k], w)
			}
		}
		if secret, _ := got["client_secret"].(string); !secretPattern.MatchString(secret) {
			t.Errorf("a confidential application has no secret: %v", got)
		}

		// PATCH: the refresh_token keys given replace the stored ones; null puts defaults back.
		got = s.must(200, "PATCH", "/api/v2/clients/"+id, `{"refresh_token":{"rotation_type":"rotating","expiration_type":"expiring","token_lifetime":86400,"idle_token_lifetime":3600},"callbacks":null,"initiate_login_uri":null,"organization_discovery_methods":null,"jwt_configuration":null}`).obj()
		if rt := got["refresh_token"].(map[string]any); rt["leeway"] != float64(10) || rt["token_lifetime"] != float64(86400) || rt["rotation_type"] != "rotating" {
			t.Errorf("refresh_token = %v", rt)
		}
		if !reflect.DeepEqual(got["callbacks"], []any{}) || got["initiate_login_uri"] != nil ||
			!reflect.DeepEqual(got["organization_discovery_methods"], []any{"email"}) ||
			!reflect.DeepEqual(got["jwt_configuration"], any(map[string]any{"lifetime_in_seconds": float64(3600)})) {
			t.Errorf("after nulls = %v", got)
		}
		got = s.must(200, "PATCH", "/api/v2/clients/"+id, `{"refresh_token":null}`).obj()
		if !reflect.DeepEqual(got["refresh_token"], any(defaultRefreshToken)) {
			t.Errorf("refresh_token null = %v", got["refresh_token"])
		}
	})

	t.Run("a single-page application is public: none, no secret, rotating refresh tokens", func(t *testing.T) {
		got := s.must(201, "POST", "/api/v2/clients", `{"name":"SPA","app_type":"spa","callbacks":["https://spa.example/cb"]}`).obj()
		if got["token_endpoint_auth_method"] != "none" || got["client_secret"] != nil {
			t.Errorf("spa = %v", got)
		}
		id := got["client_id"].(string)
		wantAuth0Error(t, s.do("POST", "/api/v2/clients/"+id+"/rotate-secret", ""), 400,
			"The client is public (token_endpoint_auth_method none): it has no client secret to rotate.", "invalid_body")
		publicRefresh := "Payload validation error: 'A public client (token_endpoint_auth_method none, or app_type spa or native) must use rotating refresh tokens that expire: rotation_type rotating, expiration_type expiring, infinite_token_lifetime false' on property refresh_token."
		wantAuth0Error(t, s.do("PATCH", "/api/v2/clients/"+id, `{"refresh_token":{"rotation_type":"non-rotating"}}`), 400, publicRefresh, "invalid_body")
		wantAuth0Error(t, s.do("PATCH", "/api/v2/clients/"+id, `{"refresh_token":{"expiration_type":"non-expiring"}}`), 400, publicRefresh, "invalid_body")
		wantAuth0Error(t, s.do("PATCH", "/api/v2/clients/"+id, `{"refresh_token":{"infinite_token_lifetime":true}}`), 400, publicRefresh, "invalid_body")
		wantAuth0Error(t, s.do("POST", "/api/v2/clients", `{"name":"App","app_type":"native","refresh_token":{"rotation_type":"non-rotating"}}`), 400, publicRefresh, "invalid_body")

		// Confidential again: no secret until rotate-secret gives one.
		got = s.must(200, "PATCH", "/api/v2/clients/"+id, `{"app_type":"regular_web","token_endpoint_auth_method":"client_secret_post"}`).obj()
		if got["client_secret"] != nil {
			t.Errorf("patched = %v", got)
		}
		if secret, _ := s.must(200, "POST", "/api/v2/clients/"+id+"/rotate-secret", "").obj()["client_secret"].(string); !secretPattern.MatchString(secret) {
			t.Errorf("rotated secret = %q", secret)
		}
	})

	m2m := s.must(201, "POST", "/api/v2/clients", `{"name":"Bot","app_type":"non_interactive"}`).obj()["client_id"].(string)
	for _, tt := range []struct{ name, body, message string }{
		{"oidc_conformant false", `{"oidc_conformant":false}`,
			"Payload validation error: 'orgauth is always OIDC-conformant: only true is allowed' on property oidc_conformant."},
		{"a callback with a wildcard", `{"callbacks":["https://*.travel0.example/cb"]}`,
			"Payload validation error: 'Object didn't pass validation for format redirect-uri (https, http to localhost, or an app's own scheme such as com.example.app:/callback; no wildcards or fragments): https://*.travel0.example/cb' on property callbacks."},
		{"a plain http callback", `{"callbacks":["http://travel0.example/cb"]}`,
			"Payload validation error: 'Object didn't pass validation for format redirect-uri (https, http to localhost, or an app's own scheme such as com.example.app:/callback; no wildcards or fragments): http://travel0.example/cb' on property callbacks."},
		{"a callback with a fragment", `{"callbacks":["https://travel0.example/cb#x"]}`,
			"Payload validation error: 'Object didn't pass validation for format redirect-uri (https, http to localhost, or an app's own scheme such as com.example.app:/callback; no wildcards or fragments): https://travel0.example/cb#x' on property callbacks."},
		{"a repeated logout URL", `{"allowed_logout_urls":["https://a.example/","https://a.example/"]}`,
			`Payload validation error: 'Array items are not unique: "https://a.example/"' on property allowed_logout_urls.`},
		{"101 callbacks", `{"callbacks":[` + strings.TrimSuffix(strings.Repeat(`"https://a.example/",`, 101), ",") + `]}`,
			"Payload validation error: 'Array is too long (101), maximum 100' on property callbacks."},
		{"initiate_login_uri on localhost", `{"initiate_login_uri":"https://localhost/login"}`,
			"Payload validation error: 'Object didn't pass validation for format absolute-https-uri (not localhost): https://localhost/login' on property initiate_login_uri."},
		{"initiate_login_uri in plain http", `{"initiate_login_uri":"http://travel0.example/login"}`,
			"Payload validation error: 'Object didn't pass validation for format absolute-https-uri-or-empty: http://travel0.example/login' on property initiate_login_uri."},
		{"no discovery method", `{"organization_discovery_methods":[]}`,
			"Payload validation error: 'Array is too short (0), minimum 1' on property organization_discovery_methods."},
		{"an unknown discovery method", `{"organization_discovery_methods":["domain"]}`,
			`Payload validation error: 'No enum match for: "domain" (allowed: email, organization_name)' on property organization_discovery_methods.`},
		{"an ID token lifetime of 0", `{"jwt_configuration":{"lifetime_in_seconds":0}}`,
			"Payload validation error: 'Value 0 is outside 1..2592000' on property jwt_configuration.lifetime_in_seconds."},
		{"jwt_configuration.alg", `{"jwt_configuration":{"alg":"HS256"}}`,
			"Payload validation error: 'Additional properties not allowed: alg' on property jwt_configuration."},
		{"an unknown rotation type", `{"refresh_token":{"rotation_type":"sometimes"}}`,
			`Payload validation error: 'No enum match for: "sometimes" (allowed: rotating, non-rotating)' on property refresh_token.rotation_type.`},
		{"a leeway of 61", `{"refresh_token":{"leeway":61}}`,
			"Payload validation error: 'Value 61 is outside 0..60' on property refresh_token.leeway."},
		{"a lifetime over a year", `{"refresh_token":{"token_lifetime":31557601}}`,
			"Payload validation error: 'Value 31557601 is outside 1..31557600' on property refresh_token.token_lifetime."},
		{"idle longer than absolute", `{"refresh_token":{"token_lifetime":3600,"idle_token_lifetime":7200}}`,
			"Payload validation error: 'Value 7200 is greater than token_lifetime (3600)' on property refresh_token.idle_token_lifetime."},
		{"an unknown refresh_token property", `{"refresh_token":{"policies":[]}}`,
			"Payload validation error: 'Additional properties not allowed: policies' on property refresh_token."},
	} {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do("PATCH", "/api/v2/clients/"+m2m, tt.body), 400, tt.message, "invalid_body")
		})
	}
	t.Run("native apps' own schemes", func(t *testing.T) {
		s.must(200, "PATCH", "/api/v2/clients/"+m2m, `{"callbacks":["com.travel0.app:/callback","http://127.0.0.1:8123/cb"]}`)
	})
}

func TestResourceServerDialects(t *testing.T) {
	s := newTestServer(t)
	got := s.must(201, "POST", "/api/v2/resource-servers", `{"identifier":"https://api.travel0.example/"}`).obj()
	if got["enforce_policies"] != false || got["token_dialect"] != "access_token" {
		t.Errorf("defaults = %v", got)
	}
	got = s.must(200, "PATCH", "/api/v2/resource-servers/"+got["id"].(string), `{"enforce_policies":true,"token_dialect":"access_token_authz"}`).obj()
	if got["enforce_policies"] != true || got["token_dialect"] != "access_token_authz" {
		t.Errorf("patched = %v", got)
	}
	for _, d := range []string{"rfc9068_profile", "rfc9068_profile_authz"} {
		wantAuth0Error(t, s.do("POST", "/api/v2/resource-servers", `{"identifier":"https://x.example/","token_dialect":"`+d+`"}`), 400,
			"Payload validation error: 'The "+d+" dialect is not supported (allowed: access_token, access_token_authz)' on property token_dialect.", "invalid_body")
	}
	wantAuth0Error(t, s.do("POST", "/api/v2/resource-servers", `{"identifier":"https://x.example/","enforce_policies":"yes"}`), 400,
		"Payload validation error: 'Expected type boolean but found type string' on property enforce_policies.", "invalid_body")
	api := s.must(200, "GET", "/api/v2/resource-servers/"+urlEscape(testIssuer+"api/v2/"), "").obj()
	if api["token_dialect"] != "access_token" {
		t.Errorf("the Management API = %v", api)
	}
}

func TestTenantSettingsForLogins(t *testing.T) {
	s := newTestServer(t)
	got := s.must(200, "PATCH", "/api/v2/tenants/settings", `{"default_redirection_uri":"https://travel0.example/login",
		"allowed_logout_urls":["https://travel0.example/"],"session_lifetime":720,"idle_session_lifetime":24}`).obj()
	for k, want := range map[string]any{"default_redirection_uri": "https://travel0.example/login",
		"allowed_logout_urls": []any{"https://travel0.example/"}, "session_lifetime": float64(720), "idle_session_lifetime": float64(24)} {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	got = s.must(200, "PATCH", "/api/v2/tenants/settings", `{"default_redirection_uri":null,"allowed_logout_urls":null}`).obj()
	if _, ok := got["default_redirection_uri"]; ok || !reflect.DeepEqual(got["allowed_logout_urls"], []any{}) {
		t.Errorf("after nulls = %v", got)
	}
	for _, tt := range []struct{ name, body, message string }{
		{"default_redirection_uri on localhost", `{"default_redirection_uri":"https://127.0.0.1/login"}`,
			"Payload validation error: 'Object didn't pass validation for format absolute-https-uri (not localhost): https://127.0.0.1/login' on property default_redirection_uri."},
		{"default_redirection_uri in plain http", `{"default_redirection_uri":"http://travel0.example/"}`,
			"Payload validation error: 'Object didn't pass validation for format absolute-https-uri-or-empty: http://travel0.example/' on property default_redirection_uri."},
		{"session_lifetime 0", `{"session_lifetime":0}`, "Payload validation error: 'Value 0 is outside 1..8760' on property session_lifetime."},
		{"session_lifetime in minutes", `{"session_lifetime":0.5}`, "Payload validation error: 'Expected type integer but found type number' on property session_lifetime."},
		{"idle longer than the session", `{"session_lifetime":24,"idle_session_lifetime":48}`,
			"Payload validation error: 'Value 48 is greater than session_lifetime (24)' on property idle_session_lifetime."},
		{"a logout URL with a wildcard", `{"allowed_logout_urls":["https://*.example/"]}`,
			"Payload validation error: 'Object didn't pass validation for format redirect-uri (https, http to localhost, or an app's own scheme such as com.example.app:/callback; no wildcards or fragments): https://*.example/' on property allowed_logout_urls."},
	} {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do("PATCH", "/api/v2/tenants/settings", tt.body), 400, tt.message, "invalid_body")
		})
	}
}
