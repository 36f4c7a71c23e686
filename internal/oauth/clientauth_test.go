package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthMethodIsEnforced: each client authenticates only the way its token_endpoint_auth_method says,
// and a public client never gets a client-credentials token.
func TestAuthMethodIsEnforced(t *testing.T) {
	post := func(client string) *http.Request {
		return formRequest(clientCredentialsForm(client, url.Values{"audience": {audUnset}}))
	}
	basic := func(client string) *http.Request {
		r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
		r.Header.Set("Authorization", basicHeader(client, testSecrets[client]))
		return r
	}
	both := func(client string) *http.Request {
		r := post(client)
		r.Header.Set("Authorization", basicHeader(client, testSecrets[client]))
		return r
	}
	tests := []struct {
		name        string
		request     *http.Request
		status      int
		code        string
		description string
		details     string // the reason logged
	}{
		{"ok/client_secret_post by post", post("app"), 200, "", "", ""},
		{"ok/client_secret_basic by basic", basic("basic"), 200, "", "", ""},
		{"fail/client_secret_post by basic", basic("app"), 401, "invalid_client", "Client authentication failed",
			"the client authenticates with client_secret_post, the request used client_secret_basic"},
		{"fail/client_secret_basic by post", post("basic"), 401, "invalid_client", "Client authentication failed",
			"the client authenticates with client_secret_basic, the request used client_secret_post"},
		{"fail/client_secret_post by both", both("app"), 401, "invalid_client", "Client authentication failed",
			"the request sent the secret both in HTTP Basic and in the body"},
		{"fail/client_secret_basic by both", both("basic"), 401, "invalid_client", "Client authentication failed",
			"the request sent the secret both in HTTP Basic and in the body"},
		{"fail/public client by post", post("public"), 401, "invalid_client", "Client authentication failed",
			"the client is public (token_endpoint_auth_method none) and has no credentials"},
		{"fail/public client by basic", basic("public"), 401, "invalid_client", "Client authentication failed",
			"the client is public (token_endpoint_auth_method none) and has no credentials"},
		{"fail/spa with the grant type listed", post("spa"), 403, "unauthorized_client",
			"Grant type 'client_credentials' not allowed for the client.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.serve(tt.request)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 200 {
				return
			}
			var body map[string]string
			json.Unmarshal(rec.Body.Bytes(), &body)
			if body["error"] != tt.code || body["error_description"] != tt.description {
				t.Fatalf("answer %s, want %s %q", rec.Body, tt.code, tt.description)
			}
			if tt.details != "" && !strings.Contains(f.logs.String(), `"details":"`+tt.details+`"`) {
				t.Errorf("log lacks details %q:\n%s", tt.details, f.logs)
			}
		})
	}
}
