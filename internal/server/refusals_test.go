package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTokenRefusals drives every refusal of docs/compatibility.md#order-of-checks over HTTP: status, error and error_description.
func TestTokenRefusals(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)

	// An application without the client_credentials grant type, and one whose grant denies organizations.
	web := must(t, in.api("POST", "/api/v2/clients", w.admin, map[string]any{
		"name": "web app", "app_type": "regular_web", "grant_types": []string{"authorization_code"}}), 201)
	denier := must(t, in.api("POST", "/api/v2/clients", w.admin, map[string]any{"name": "no orgs", "app_type": "non_interactive"}), 201)
	must(t, in.api("POST", "/api/v2/client-grants", w.admin, map[string]any{
		"client_id": denier.str("client_id"), "audience": w.audience, "scope": []string{"read:posts"}}), 201)
	as := func(app response, extra ...string) url.Values {
		f := w.request(extra...)
		f.Set("client_id", app.str("client_id"))
		f.Set("client_secret", app.str("client_secret"))
		return f
	}
	denied := func(org string) string {
		return `Client is not authorized to access "https://example-api" on behalf of organization "` + org + `"`
	}

	tests := []struct {
		name        string
		form        url.Values
		status      int
		code, descr string
	}{
		{"fail/wrong secret", w.request("client_secret", strings.Repeat("x", 64)), 401, "invalid_client", "Client authentication failed"},
		{"fail/unknown client", w.request("client_id", "nobody"), 401, "invalid_client", "Client authentication failed"},
		{"fail/grant type not allowed for the client", as(web), 403, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client."},
		{"fail/unknown audience", w.request("audience", "https://nowhere"), 403, "access_denied", "Service not enabled within domain: https://nowhere"},
		{"fail/no client grant for the API", w.request("audience", in.issuer+"api/v2/"), 403, "access_denied",
			`Client is not authorized to access "` + in.issuer + `api/v2/". You need to create a "client-grant" associated to this API.`},
		{"fail/organization sent to a deny grant", as(denier, "organization", w.orgA), 400, "invalid_request", "parameter organization is not allowed for this client grant"},
		{"fail/organization required", w.request(), 400, "invalid_request", "parameter organization is required for this client grant"},
		{"fail/organization not associated", w.request("organization", w.orgB), 403, "access_denied", denied(w.orgB)},
		{"fail/organization unknown", w.request("organization", "org_doesnotexist0000"), 403, "access_denied", denied("org_doesnotexist0000")},
		{"fail/organization name with the flag off", w.request("organization", w.orgAName), 403, "access_denied", denied(w.orgAName)},
		{"fail/no requested scope granted", w.request("organization", w.orgA, "scope", "delete:posts"), 400, "invalid_scope", "Client has not been granted scopes: delete:posts"},
		{"fail/unsupported grant type", w.request("grant_type", "password"), 400, "unsupported_grant_type", "Unsupported grant type: password"},
		{"fail/missing grant type", w.request("grant_type", ""), 400, "invalid_request", "Missing required parameter: grant_type"},
		{"fail/missing audience", w.request("audience", ""), 400, "invalid_request", "Missing required parameter: audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.form {
				if v[0] == "" {
					tt.form.Del(k)
				}
			}
			refused(t, in.token(tt.form), tt.status, tt.code, tt.descr)
		})
	}

	t.Run("fail/a parameter sent twice with different values", func(t *testing.T) {
		f := w.request("organization", w.orgA)
		f.Add("organization", w.orgB)
		if r := in.token(f); r.status != 400 || r.str("error") != "invalid_request" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	t.Run("fail/wrong secret over Basic asks for Basic", func(t *testing.T) {
		req, _ := http.NewRequest("POST", in.ts.URL+"/oauth/token", strings.NewReader(url.Values{
			"grant_type": {"client_credentials"}, "audience": {w.audience}, "organization": {w.orgA}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(w.clientID, "wrong")
		r := in.do(req)
		refused(t, r, 401, "invalid_client", "Client authentication failed")
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("Basic and a JSON body work too", func(t *testing.T) {
		must(t, in.api("PATCH", "/api/v2/clients/"+w.clientID, w.admin, map[string]any{"token_endpoint_auth_method": "client_secret_basic"}), 200)
		defer func() {
			must(t, in.api("PATCH", "/api/v2/clients/"+w.clientID, w.admin, map[string]any{"token_endpoint_auth_method": "client_secret_post"}), 200)
		}()
		req, _ := http.NewRequest("POST", in.ts.URL+"/oauth/token", strings.NewReader(
			`{"grant_type":"client_credentials","audience":"https://example-api","organization":"`+w.orgA+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(w.clientID, w.secret)
		must(t, in.do(req), 200)
	})
	t.Run("fail/a body over 64 KiB", func(t *testing.T) {
		f := w.request("organization", w.orgA, "padding", strings.Repeat("x", 70<<10))
		if r := in.token(f); r.status != 400 && r.status != 413 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
}
