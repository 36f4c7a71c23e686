package oauth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/orgauth/orgauth/internal/policy"
)

func TestClientCredentialsRefusals(t *testing.T) {
	notOnBehalf := func(aud, org string) string {
		return `Client is not authorized to access "` + aud + `" on behalf of organization "` + org + `"`
	}
	tests := []struct {
		name        string
		client      string
		params      url.Values
		names       bool // tenant flag allow_organization_name_in_authentication_api
		status      int
		code        string
		description string
	}{
		{
			name: "fail/missing audience", client: "app",
			status: http.StatusBadRequest, code: "invalid_request", description: "Missing required parameter: audience",
		},
		{
			name: "fail/client lacks the client_credentials grant type", client: "nocc",
			params: url.Values{"audience": {audUnset}},
			status: http.StatusForbidden, code: "unauthorized_client", description: "Grant type 'client_credentials' not allowed for the client.",
		},
		{
			name: "fail/grant type is checked before the audience", client: "nocc",
			params: url.Values{"audience": {audUnknown}},
			status: http.StatusForbidden, code: "unauthorized_client", description: "Grant type 'client_credentials' not allowed for the client.",
		},
		{
			name: "fail/unknown audience", client: "app",
			params: url.Values{"audience": {audUnknown}},
			status: http.StatusForbidden, code: "access_denied", description: "Service not enabled within domain: " + audUnknown,
		},
		{
			name: "fail/no client grant", client: "app",
			params: url.Values{"audience": {audNoGrant}},
			status: http.StatusForbidden, code: "access_denied",
			description: `Client is not authorized to access "` + audNoGrant + `". You need to create a "client-grant" associated to this API.`,
		},
		{
			name: "fail/organization sent for an unset-usage grant", client: "app",
			params: url.Values{"audience": {audUnset}, "organization": {acme.ID}},
			status: http.StatusBadRequest, code: "invalid_request", description: "parameter organization is not allowed for this client grant",
		},
		{
			name: "fail/organization sent for a deny grant", client: "app",
			params: url.Values{"audience": {audDeny}, "organization": {acme.ID}},
			status: http.StatusBadRequest, code: "invalid_request", description: "parameter organization is not allowed for this client grant",
		},
		{
			name: "fail/unknown organization sent for a deny grant is still not allowed", client: "app",
			params: url.Values{"audience": {audDeny}, "organization": {"org_nope"}},
			status: http.StatusBadRequest, code: "invalid_request", description: "parameter organization is not allowed for this client grant",
		},
		{
			name: "fail/require grant, no organization and no default", client: "plain",
			params: url.Values{"audience": {audRequire}},
			status: http.StatusBadRequest, code: "invalid_request", description: "parameter organization is required for this client grant",
		},
		{
			name: "fail/require grant, default organization not for client_credentials", client: "noflow",
			params: url.Values{"audience": {audRequire}},
			status: http.StatusBadRequest, code: "invalid_request", description: "parameter organization is required for this client grant",
		},
		{
			name: "fail/organization not associated", client: "app",
			params: url.Values{"audience": {audAllow}, "organization": {globex.ID}},
			status: http.StatusForbidden, code: "access_denied", description: notOnBehalf(audAllow, globex.ID),
		},
		{
			name: "fail/unknown organization id", client: "app",
			params: url.Values{"audience": {audAny}, "organization": {"org_nope"}},
			status: http.StatusForbidden, code: "access_denied", description: notOnBehalf(audAny, "org_nope"),
		},
		{
			name: "fail/organization name while names are off", client: "app",
			params: url.Values{"audience": {audAllow}, "organization": {"acme"}},
			status: http.StatusForbidden, code: "access_denied", description: notOnBehalf(audAllow, "acme"),
		},
		{
			name: "fail/unknown organization name", client: "app", names: true,
			params: url.Values{"audience": {audAny}, "organization": {"nope"}},
			status: http.StatusForbidden, code: "access_denied", description: notOnBehalf(audAny, "nope"),
		},
		{
			name: "fail/organization name not associated, quoted as sent", client: "app", names: true,
			params: url.Values{"audience": {audAllow}, "organization": {"GloBex"}},
			status: http.StatusForbidden, code: "access_denied", description: notOnBehalf(audAllow, "GloBex"),
		},
		{
			name: "fail/default organization not associated", client: "stranger",
			params: url.Values{"audience": {audRequire}},
			status: http.StatusForbidden, code: "access_denied", description: notOnBehalf(audRequire, globex.ID),
		},
		{
			name: "fail/none of the requested scopes granted", client: "app",
			params: url.Values{"audience": {audUnset}, "scope": {"admin delete:data"}},
			status: http.StatusBadRequest, code: "invalid_scope", description: "Client has not been granted scopes: admin, delete:data",
		},
		{
			name: "fail/scopes are separated by spaces only", client: "app",
			params: url.Values{"audience": {audUnset}, "scope": {"read:data\twrite:data"}},
			status: http.StatusBadRequest, code: "invalid_scope", description: "Client has not been granted scopes: read:data\twrite:data",
		},
		{
			name: "fail/conflicting organization values", client: "app",
			params: url.Values{"audience": {audAllow}, "organization": {acme.ID, globex.ID}},
			status: http.StatusBadRequest, code: "invalid_request", description: "Conflicting values for parameter: organization",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.dir.settings.AllowOrganizationNameInAuthenticationAPI = tt.names
			rec := f.serve(formRequest(clientCredentialsForm(tt.client, tt.params)))
			checkError(t, rec, tt.status, tt.code, tt.description)
		})
	}
}

func TestOrganizationNamesAreLookedUpOnlyWhenAllowed(t *testing.T) {
	for _, names := range []bool{false, true} {
		f := newFixture(t)
		f.dir.settings.AllowOrganizationNameInAuthenticationAPI = names
		f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audAllow}, "organization": {"ACME"}})))
		var want []string
		if names {
			want = []string{"acme"} // lowercased
		}
		if !slices.Equal(f.dir.nameLookups, want) {
			t.Errorf("names allowed %v: name lookups = %q, want %q", names, f.dir.nameLookups, want)
		}
	}
}

func TestClientCredentialsTokens(t *testing.T) {
	tests := []struct {
		name      string
		client    string
		params    url.Values
		names     bool
		wantScope string
		wantOrgID string // "" when the token has no org_id
		wantName  string // "" when the token has no org_name
	}{
		{
			name: "ok/no organization", client: "plain",
			params:    url.Values{"audience": {audUnset}},
			wantScope: "read:data write:data",
		},
		{
			name: "ok/no organization for an allow grant, even with a default", client: "app",
			params:    url.Values{"audience": {audAllow}},
			wantScope: "read:data write:data",
		},
		{
			name: "ok/default organization ignored for a deny grant", client: "app",
			params:    url.Values{"audience": {audDeny}},
			wantScope: "read:data write:data",
		},
		{
			name: "ok/associated organization by id", client: "app",
			params:    url.Values{"audience": {audAllow}, "organization": {acme.ID}},
			wantScope: "read:data write:data", wantOrgID: acme.ID,
		},
		{
			name: "ok/organization by id with names on adds org_name", client: "app", names: true,
			params:    url.Values{"audience": {audAllow}, "organization": {acme.ID}},
			wantScope: "read:data write:data", wantOrgID: acme.ID, wantName: "acme",
		},
		{
			name: "ok/organization by name, compared in lowercase", client: "app", names: true,
			params:    url.Values{"audience": {audAllow}, "organization": {"ACME"}},
			wantScope: "read:data write:data", wantOrgID: acme.ID, wantName: "acme",
		},
		{
			name: "ok/any organization without association", client: "app",
			params:    url.Values{"audience": {audAny}, "organization": {globex.ID}},
			wantScope: "read:data write:data", wantOrgID: globex.ID,
		},
		{
			name: "ok/require grant uses the default organization", client: "app",
			params:    url.Values{"audience": {audRequire}},
			wantScope: "read:data write:data", wantOrgID: acme.ID,
		},
		{
			name: "ok/require grant, the parameter beats the default", client: "stranger",
			params:    url.Values{"audience": {audRequire}, "organization": {acme.ID}},
			wantScope: "read:data write:data", wantOrgID: acme.ID,
		},
		{
			name: "ok/scope narrows to the granted ones", client: "plain",
			params:    url.Values{"audience": {audUnset}, "scope": {"write:data  admin"}},
			wantScope: "write:data",
		},
		{
			name: "ok/scope order follows the grant", client: "plain",
			params:    url.Values{"audience": {audUnset}, "scope": {"write:data read:data"}},
			wantScope: "read:data write:data",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.dir.settings.AllowOrganizationNameInAuthenticationAPI = tt.names
			tb := checkToken(t, f.serve(formRequest(clientCredentialsForm(tt.client, tt.params))))
			if tb.Scope != tt.wantScope || tb.ExpiresIn != 3600 {
				t.Errorf("scope = %q, expires_in = %d, want %q, 3600", tb.Scope, tb.ExpiresIn, tt.wantScope)
			}
			claims := verifiedClaims(t, f, tb.AccessToken)
			jti, _ := claims["jti"].(string)
			if len(jti) != 22 { // 16 random bytes, base64url without padding
				t.Errorf("jti = %q, want 22 characters", jti)
			}
			want := map[string]any{
				"iss":   testIssuer,
				"sub":   tt.client + "@clients",
				"aud":   tt.params.Get("audience"),
				"iat":   float64(testNow.Unix()),
				"exp":   float64(testNow.Unix() + 3600),
				"scope": tt.wantScope,
				"gty":   "client-credentials",
				"azp":   tt.client,
				"jti":   jti,
			}
			if tt.wantOrgID != "" {
				want["org_id"] = tt.wantOrgID
			}
			if tt.wantName != "" {
				want["org_name"] = tt.wantName
			}
			if !mapsEqual(claims, want) {
				t.Errorf("claims = %v\nwant     %v", claims, want)
			}
		})
	}
}

func TestJTIIsFreshPerToken(t *testing.T) {
	f := newFixture(t)
	seen := map[any]bool{}
	for range 3 {
		tb := checkToken(t, f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset}}))))
		jti := verifiedClaims(t, f, tb.AccessToken)["jti"]
		if seen[jti] {
			t.Fatalf("jti %v issued twice", jti)
		}
		seen[jti] = true
	}
}

func TestTokenIsSignedWithTheAPIsAlgorithm(t *testing.T) {
	f := newFixture(t)
	checkToken(t, f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset}}))))
	// The test signer has no PS256 key: the failure is internal and its cause stays in the log.
	rec := f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audPS256}})))
	checkError(t, rec, http.StatusInternalServerError, "server_error", "Internal error")
	if want := []string{"ES256", "PS256"}; !slices.Equal(f.signer.algs, want) {
		t.Errorf("signed with %q, want %q", f.signer.algs, want)
	}
	if line := logLine(t, f.logs.String(), "token request failed"); !strings.Contains(line["err"].(string), "no PS256 key") {
		t.Errorf("log line = %v, want the signer's error", line)
	}
}

// verifiedClaims checks the token's signature with the key the JWKS endpoint publishes, by the kid in
// its header, and returns its claims.
func verifiedClaims(t *testing.T, f *fixture, token string) map[string]any {
	t.Helper()
	rec := f.serve(httpRequest(http.MethodGet, "/.well-known/jwks.json"))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatalf("jwks: %v", err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	if h := tok.Headers[0]; h.Algorithm != "ES256" || h.KeyID != testKID {
		t.Errorf("header alg = %q, kid = %q", h.Algorithm, h.KeyID)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("jwks has %d keys with kid %q", len(keys), tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify token: %v", err)
	}
	return claims
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// stubSigner is a signer without cryptography, so the benchmark measures the endpoint itself.
type stubSigner struct{}

func (stubSigner) SignAccessToken(tok policy.AccessToken) (string, error) {
	return "h." + tok.Subject() + ".s", nil
}
func (stubSigner) SignIDToken(tok policy.IDToken) (string, error) {
	return "h." + tok.Subject() + ".s", nil
}
func (stubSigner) JWKS() []byte { return []byte(`{"keys":[]}`) }

func BenchmarkClientCredentials(b *testing.B) {
	body := clientCredentialsForm("app", url.Values{"audience": {audRequire}, "scope": {"read:data"}}).Encode()
	signers := map[string]Signer{"signer=stub": stubSigner{}, "signer=ES256": newTestSigner(b)}
	for _, name := range []string{"signer=stub", "signer=ES256"} {
		b.Run(name, func(b *testing.B) {
			mux := http.NewServeMux()
			New(Config{Issuer: testIssuer, View: newFakeTenant().view, Signer: signers[name]}).Mount(mux)
			b.ReportAllocs()
			for b.Loop() {
				r, err := http.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
