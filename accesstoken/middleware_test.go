package accesstoken

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// api is a provider's API protected by v: GET /orgs/{org_id}/adventures needs read:adventures, POST needs
// read:adventures and create:adventures; both check the organization. The handler answers with the
// claims it got from the context.
func api(v *Verifier) http.Handler {
	org := Organization(func(r *http.Request) string { return r.PathValue("org_id") })
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := FromContext(r.Context())
		if !ok {
			http.Error(w, "no claims", 500)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"client_id": c.ClientID, "org_id": c.OrganizationID})
	})
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org_id}/adventures", v.Require(org, Scopes("read:adventures"))(echo))
	mux.Handle("POST /orgs/{org_id}/adventures", v.Require(org, Scopes("read:adventures", "create:adventures"))(echo))
	mux.Handle("GET /whoami", v.Require()(echo))
	mux.Handle("GET /no-org-in-path", v.Require(org)(echo))
	return mux
}

func TestRequire(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	v := newVerifier(t, iss, clk)
	h := api(v)
	token := func(edit map[string]any) string { return sign(t, rs256(), iss.claims(clk.Now(), edit)) }
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	realm := `Bearer realm="` + testAudience + `"`

	tests := []struct {
		name      string
		method    string
		path      string
		header    http.Header
		status    int
		challenge string // WWW-Authenticate
		body      string
	}{
		{"ok/read own organization", "GET", "/orgs/org_acme/adventures", bearer(token(nil)), 200, "",
			`{"client_id":"bot123","org_id":"org_acme"}`},
		{"ok/create with both scopes", "POST", "/orgs/org_acme/adventures", bearer(token(nil)), 200, "",
			`{"client_id":"bot123","org_id":"org_acme"}`},
		{"ok/lowercase scheme", "GET", "/orgs/org_acme/adventures", http.Header{"Authorization": {"bearer " + token(nil)}}, 200, "",
			`{"client_id":"bot123","org_id":"org_acme"}`},
		{"ok/no requirement but a valid token", "GET", "/whoami", bearer(token(map[string]any{"org_id": nil, "scope": nil})), 200, "",
			`{"client_id":"bot123","org_id":""}`},
		{"fail/no Authorization header", "GET", "/orgs/org_acme/adventures", nil, 401, realm,
			`{"error_description":"Missing bearer token"}`},
		{"fail/another scheme", "GET", "/orgs/org_acme/adventures", http.Header{"Authorization": {"Basic Ym90OnNlY3JldA=="}}, 401, realm,
			`{"error_description":"Missing bearer token"}`},
		{"fail/empty bearer", "GET", "/orgs/org_acme/adventures", http.Header{"Authorization": {"Bearer "}}, 401,
			realm + `, error="invalid_token", error_description="The token is malformed"`,
			`{"error":"invalid_token","error_description":"The token is malformed"}`},
		{"fail/two Authorization headers", "GET", "/orgs/org_acme/adventures", http.Header{"Authorization": {"Bearer " + token(nil), "Bearer " + token(nil)}}, 401,
			realm + `, error="invalid_token", error_description="The token is malformed"`,
			`{"error":"invalid_token","error_description":"The token is malformed"}`},
		{"fail/expired", "GET", "/orgs/org_acme/adventures", bearer(token(map[string]any{"exp": clk.Now().Unix() - 60})), 401,
			realm + `, error="invalid_token", error_description="The token has expired"`,
			`{"error":"invalid_token","error_description":"The token has expired"}`},
		{"fail/for another API", "GET", "/orgs/org_acme/adventures", bearer(token(map[string]any{"aud": "https://api.travel0.example/billing"})), 401,
			realm + `, error="invalid_token", error_description="The token is not for this API"`,
			`{"error":"invalid_token","error_description":"The token is not for this API"}`},
		{"fail/another organization's path", "GET", "/orgs/org_globex/adventures", bearer(token(nil)), 403,
			realm + `, error="insufficient_scope", error_description="The token is for another organization"`,
			`{"error":"insufficient_scope","error_description":"The token is for another organization"}`},
		{"fail/organization differs in case", "GET", "/orgs/ORG_ACME/adventures", bearer(token(nil)), 403,
			realm + `, error="insufficient_scope", error_description="The token is for another organization"`,
			`{"error":"insufficient_scope","error_description":"The token is for another organization"}`},
		{"fail/token for no organization", "GET", "/orgs/org_acme/adventures", bearer(token(map[string]any{"org_id": nil})), 403,
			realm + `, error="insufficient_scope", error_description="The token is not for an organization"`,
			`{"error":"insufficient_scope","error_description":"The token is not for an organization"}`},
		{"fail/request naming no organization", "GET", "/no-org-in-path", bearer(token(nil)), 403,
			realm + `, error="insufficient_scope", error_description="The token is for another organization"`,
			`{"error":"insufficient_scope","error_description":"The token is for another organization"}`},
		{"fail/missing scope", "GET", "/orgs/org_acme/adventures", bearer(token(map[string]any{"scope": "create:adventures"})), 403,
			realm + `, error="insufficient_scope", error_description="Insufficient scope; expected all of: read:adventures", scope="read:adventures"`,
			`{"error":"insufficient_scope","error_description":"Insufficient scope; expected all of: read:adventures"}`},
		{"fail/one of two scopes", "POST", "/orgs/org_acme/adventures", bearer(token(map[string]any{"scope": "read:adventures"})), 403,
			realm + `, error="insufficient_scope", error_description="Insufficient scope; expected all of: read:adventures create:adventures", scope="read:adventures create:adventures"`,
			`{"error":"insufficient_scope","error_description":"Insufficient scope; expected all of: read:adventures create:adventures"}`},
		{"fail/scope named by a prefix", "GET", "/orgs/org_acme/adventures", bearer(token(map[string]any{"scope": "read:adventuresX read"})), 403,
			realm + `, error="insufficient_scope", error_description="Insufficient scope; expected all of: read:adventures", scope="read:adventures"`,
			`{"error":"insufficient_scope","error_description":"Insufficient scope; expected all of: read:adventures"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, tt.challenge)
			}
			if got := strings.TrimSpace(rec.Body.String()); got != tt.body {
				t.Errorf("body\n got %s\nwant %s", got, tt.body)
			}
		})
	}
}

func TestRequireAnswers503WhenKeysAreUnavailable(t *testing.T) {
	clk := newClock()
	iss := newTestIssuer(t)
	iss.setStatus(500)
	v := newVerifier(t, iss, clk)
	req := httptest.NewRequest("GET", "/orgs/org_acme/adventures", nil)
	req.Header.Set("Authorization", "Bearer "+sign(t, rs256(), iss.claims(clk.Now(), nil)))
	rec := httptest.NewRecorder()
	api(v).ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("status %d, headers %v", rec.Code, rec.Header())
	}
}

func TestRealmIsQuoted(t *testing.T) {
	v, err := New("https://auth.example.com/", "urn:a\"b\\c\nd")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	v.Require()(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer realm="urn:a\"b\\c d"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRequirePanicsOnAZeroRequirement(t *testing.T) {
	v, err := New("https://auth.example.com/", testAudience)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	v.Require(Requirement{})
}

func TestFromContext(t *testing.T) {
	if c, ok := FromContext(context.Background()); ok {
		t.Errorf("claims %+v in an empty context", c)
	}
	want := Claims{ClientID: "bot123", OrganizationID: "org_acme"}
	if got, ok := FromContext(NewContext(context.Background(), want)); !ok || got.ClientID != want.ClientID || got.OrganizationID != want.OrganizationID {
		t.Errorf("got %+v, %v", got, ok)
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		token   string
		ok      bool
	}{
		{"a bearer token", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", true},
		{"the scheme in any case", []string{"bEaReR abc"}, "abc", true},
		{"spaces around the token", []string{"Bearer  abc "}, "abc", true},
		{"an odd token is returned for Verify to refuse", []string{"Bearer a b"}, "a b", true},
		{"no token", []string{"Bearer"}, "", true},
		{"several Authorization headers", []string{"Bearer abc", "Bearer def"}, "", true},
		{"no Authorization header", nil, "", false},
		{"another scheme", []string{"Basic dXNlcjpwYXNz"}, "", false},
		{"no scheme", []string{"abc"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			token, ok := BearerToken(r)
			if token != tt.token || ok != tt.ok {
				t.Errorf("got %q, %v; want %q, %v", token, ok, tt.token, tt.ok)
			}
		})
	}
}
