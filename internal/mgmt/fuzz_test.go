package mgmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
	"github.com/orgauth/orgauth/internal/tenant"
)

// bodyDecoders are the decoders of every request body, by endpoint.
var bodyDecoders = map[string]func([]byte) error{
	"resource server create":           ignoreValue(decodeResourceServerCreate),
	"resource server update":           ignoreValue(decodeResourceServerPatch),
	"client create":                    ignoreValue(decodeClientCreate),
	"client update":                    ignoreValue(decodeClientPatch),
	"client grant create":              ignoreValue(decodeClientGrantCreate),
	"client grant update":              ignoreValue(decodeClientGrantPatch),
	"organization create":              ignoreValue(decodeOrganizationCreate),
	"organization update":              ignoreValue(decodeOrganizationPatch),
	"organization client grant create": ignoreValue(decodeOrganizationClientGrantCreate),
	"tenant settings update":           ignoreValue(decodeTenantSettingsPatch),
	"connection create":                ignoreValue(decodeConnectionCreate),
	"connection update":                ignoreValue(decodeConnectionPatch),
	"user create":                      ignoreValue(decodeUserCreate),
	"user update":                      ignoreValue(decodeUserPatch),
	"organization members":             ignoreValue(decodeMembers),
	"role create":                      ignoreValue(decodeRoleCreate),
	"role update":                      ignoreValue(decodeRolePatch),
	"role permissions":                 ignoreValue(decodeRolePermissions),
	"user or member roles":             ignoreValue(decodeRoleIDs),
	"enabled connection create":        ignoreValue(decodeEnabledConnectionCreate),
	"enabled connection update":        ignoreValue(decodeEnabledConnectionPatch),
	"invitation create":                ignoreValue(decodeInvitationCreate),
}

// arrayBodyDecoders are the decoders of the bodies that are a JSON array of objects.
var arrayBodyDecoders = map[string]func([]byte) error{
	"connection clients update": ignoreValue(decodeConnectionClientsPatch),
}

func ignoreValue[T any](decode func([]byte) (T, error)) func([]byte) error {
	return func(body []byte) error {
		_, err := decode(body)
		return err
	}
}

// decoderSeeds are bodies worth starting from: valid ones for each endpoint and the ways a body goes wrong.
var decoderSeeds = []string{
	`{"identifier":"https://api.example.com/x","name":"X","scopes":[{"value":"read:x","description":"Read"}],"signing_alg":"RS256","token_lifetime":3600,"allow_offline_access":false}`,
	`{"name":"Billing","description":"d","app_type":"non_interactive","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post","default_organization":{"organization_id":"org_a","flows":["client_credentials"]},"organization_usage":"allow","organization_require_behavior":"no_prompt"}`,
	`{"default_organization":null}`,
	`{"client_id":"c","audience":"https://api.example.com/x","scope":["read:x"],"organization_usage":"require","allow_any_organization":true}`,
	`{"name":"acme","display_name":"Acme","branding":{"logo_url":"https://x/l.png","colors":{"primary":"#000","page_background":"#fff"}},"metadata":{"a":"b"}}`,
	`{"branding":null,"metadata":null}`,
	`{"grant_id":"cgr_0123456789abcdef"}`,
	`{"flags":{"allow_organization_name_in_authentication_api":true},"allow_organization_name_in_authentication_api":true}`,
	`{"token_lifetime":1e3}`, `{"token_lifetime":1.5}`, `{"token_lifetime":9007199254740993}`, `{"token_lifetime":-0}`,
	`{"token_lifetime":1e400}`, `{"scopes":[{"value":1}]}`, `{"scope":[null]}`, `{"metadata":{"a":1}}`,
	`{"name":"a","name":5}`, `{"name":"a"}{}`, `{"name":"a"} `, "\t{}\r\n", `[]`, `null`, `"x"`, `1`, ``, ` `,
	"{\"name\":\"\xff\"}", `{"name":"\ud800"}`, `{"name":"\u0000"}`, "{\"name\":\"\u2028\"}", `{"\u0000":1}`,
	`{"zzz":1,"aaa":2}`, `{"branding":{"colors":[]}}`, `{"a":[[[[[[[[[[]]]]]]]]]]}`,
	strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001),
	// NUL, which PostgreSQL refuses in text, in every string of every body.
	`{"identifier":"https://n/\u0000","name":"\u0000","scopes":[{"value":"r\u0000","description":"\u0000"}],"signing_alg":"\u0000"}`,
	`{"name":"n","description":"\u0000","app_type":"\u0000","grant_types":["\u0000"],"token_endpoint_auth_method":"\u0000","default_organization":{"organization_id":"org_\u0000","flows":["\u0000"]},"organization_usage":"\u0000","organization_require_behavior":"\u0000"}`,
	`{"client_id":"\u0000","audience":"\u0000","scope":["\u0000"],"organization_usage":"\u0000"}`,
	`{"name":"n\u0000","display_name":"\u0000","branding":{"logo_url":"https://x/\u0000","colors":{"primary":"\u0000","page_background":"\u0000"}},"metadata":{"\u0000":"\u0000"}}`,
	`{"metadata":{"k":"\u0000"}}`, `{"metadata":{"\u0000":"v"}}`, `{"grant_id":"cgr_\u0000"}`,
	// The people half: connections, their clients, users; the new fields of clients, APIs and settings.
	`{"name":"db2","strategy":"auth0","display_name":"DB","options":{"passwordPolicy":"fair","password_complexity_options":{"min_length":10},"disable_signup":true,"brute_force_protection":true},"enabled_clients":[],"show_as_button":true,"realms":["db2"],"metadata":{"a":"b"},"is_domain_connection":false}`,
	`{"name":"sso","strategy":"oidc","options":{"type":"back_channel","client_id":"c","client_secret":"s","issuer":"https://idp.example/","authorization_endpoint":"https://idp.example/a","token_endpoint":"https://idp.example/t","jwks_uri":"https://idp.example/k","scopes":"openid email","domain_aliases":["acme.example"],"connection_settings":{"pkce":"S256"},"token_endpoint_auth_method":"client_secret_basic"}}`,
	`{"name":"saml","strategy":"samlp","options":{"signInEndpoint":"https://idp.example/sso","signingCert":"x","fieldsMap":{"email":"mail"},"idpinitiated":{"enabled":false}}}`,
	`{"options":{"client_secret":null},"metadata":null}`, `{"options":{"\u0000":1}}`,
	`[{"client_id":"c","status":true},{"client_id":"d","status":false}]`, `[{"client_id":"\u0000","status":true}]`, `[[]]`, `[{}]`,
	`{"connection":"db2","email":"Ann@Example.com","password":"Passw0rdOk","email_verified":true,"name":"Ann","given_name":"A","family_name":"S","nickname":"ann","picture":"https://x/p.png","blocked":false,"app_metadata":{"plan":"gold","n":{"a":[1,2]}},"user_metadata":{"lang":"fr"},"user_id":"imported","verify_email":false}`,
	`{"name":null,"given_name":null,"blocked":null,"app_metadata":{"plan":null},"user_metadata":null,"email_verified":null}`,
	`{"app_metadata":{"a.b":1,"$c":2}}`, `{"email":"\u0000@x","password":"\u0000"}`,
	`{"callbacks":["https://a.example/cb"],"allowed_logout_urls":["https://a.example/"],"initiate_login_uri":"https://a.example/login","organization_discovery_methods":["email"],"jwt_configuration":{"lifetime_in_seconds":60},"refresh_token":{"rotation_type":"rotating","expiration_type":"expiring","leeway":0,"token_lifetime":60,"idle_token_lifetime":60,"infinite_token_lifetime":false,"infinite_idle_token_lifetime":false},"oidc_conformant":true}`,
	`{"callbacks":null,"refresh_token":null,"jwt_configuration":null,"initiate_login_uri":null}`,
	`{"enforce_policies":true,"token_dialect":"access_token_authz"}`, `{"token_dialect":"rfc9068_profile"}`,
	`{"default_redirection_uri":"https://a.example/","allowed_logout_urls":["https://a.example/"],"session_lifetime":24,"idle_session_lifetime":12}`,
	// Members, roles, organization connections and invitations, aimed at fuzzManagementAPI's entities.
	`{"members":["` + fuzzUserID + `"]}`, `{"members":[]}`, `{"name":"Editor","description":"Edits"}`,
	`{"permissions":[{"resource_server_identifier":"https://api.example.com/data","permission_name":"read:data"}]}`,
	`{"roles":["` + fuzzRoleID + `"]}`,
	`{"connection_id":"` + fuzzConnectionID + `","assign_membership_on_login":true,"is_signup_enabled":true,"show_as_button":false}`,
	`{"inviter":{"name":"Ada"},"invitee":{"email":"jane@example.com"},"client_id":"` + fuzzPortalID + `","connection_id":"` + fuzzConnectionID +
		`","roles":["` + fuzzRoleID + `"],"app_metadata":{"a":{"b":[1,null,true,1e3]}},"user_metadata":{},"ttl_sec":60,"send_invitation_email":false}`,
	`{"inviter":{"name":"Ada"},"invitee":{"email":"jane@example.com"},"client_id":"` + fuzzPortalID + `","app_metadata":{"a.b":1}}`,
	`{"members":["\u0000"]}`, `{"name":"\u0000","description":"\u0000"}`, `{"roles":["\u0000"]}`, `{"connection_id":"\u0000"}`,
	`{"permissions":[{"resource_server_identifier":"\u0000","permission_name":"\u0000"}]}`,
	`{"inviter":{"name":"\u0000"},"invitee":{"email":"\u0000@x.co"},"client_id":"\u0000","connection_id":"\u0000","roles":["\u0000"],"app_metadata":{"\u0000":"\u0000"},"user_metadata":{"k":"\u0000"}}`,
}

// The entities of the people half that fuzzManagementAPI creates through the store, with fixed ids so
// that seeds can name them.
const (
	fuzzUserID       = "auth0|000000000000000000000001"
	fuzzRoleID       = "rol_0000000000000001"
	fuzzConnectionID = "con_0000000000000001"
	fuzzPortalID     = "fuzzportal0000000000000000000001"
)

// FuzzDecodeBodies feeds any body to every decoder. Each must refuse it with a 400 invalid_body, or accept
// a body that is one JSON object in valid UTF-8, and then refuse that body with an unknown property added
// or with any of its properties given a value of another type: decoding stays strict.
func FuzzDecodeBodies(f *testing.F) {
	for _, s := range decoderSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, decode := range arrayBodyDecoders {
			checkArrayDecoder(t, name, decode, body)
		}
		for name, decode := range bodyDecoders {
			err := decode(body)
			if err != nil {
				checkInvalidBody(t, name, body, err)
				continue
			}
			fields, ok := jsonObject(body)
			if !ok {
				t.Fatalf("%s accepted %q, which is not one JSON object in UTF-8", name, body)
			}
			fields["~unknown"] = json.RawMessage(`1`)
			want := payloadError("", "Additional properties not allowed: ~unknown")
			if err := decode(mustJSON(t, fields)); !sameError(err, want) {
				t.Fatalf("%s with an unknown property added to %q: %v, want %v", name, body, err, want)
			}
			delete(fields, "~unknown")
			for key, value := range fields {
				other := json.RawMessage(`{"~":[]}`)
				switch {
				case bytes.HasPrefix(value, []byte("{")):
					other = json.RawMessage(`"x"`)
				case string(value) == "null":
					// null unsets a metadata object, which takes any object: an array is of another type for every property.
					other = json.RawMessage(`[{}]`)
				}
				fields[key] = other
				changed := mustJSON(t, fields)
				fields[key] = value
				if err := decode(changed); err == nil {
					t.Fatalf("%s accepted %s, with the value of %q changed in type from %q", name, changed, key, body)
				} else {
					checkInvalidBody(t, name, changed, err)
				}
			}
		}
	})
}

// checkArrayDecoder asserts of a decoder of an array of objects what FuzzDecodeBodies asserts of the
// others, for each of the array's objects: it refuses body with a 400 invalid_body, or accepts a JSON
// array in valid UTF-8 and then refuses it with an unknown property added to an item.
func checkArrayDecoder(t *testing.T, name string, decode func([]byte) error, body []byte) {
	t.Helper()
	err := decode(body)
	if err != nil {
		checkInvalidBody(t, name, body, err)
		return
	}
	var items []map[string]json.RawMessage
	if !utf8.Valid(body) || json.Unmarshal(body, &items) != nil {
		t.Fatalf("%s accepted %q, which is not one JSON array of objects in UTF-8", name, body)
	}
	for i := range items {
		items[i]["~unknown"] = json.RawMessage(`1`)
		if err := decode(mustJSON(t, items)); err == nil {
			t.Fatalf("%s accepted %q with an unknown property added to item %d", name, body, i)
		} else {
			checkInvalidBody(t, name, body, err)
		}
		delete(items[i], "~unknown")
	}
}

// checkInvalidBody asserts that err is a 400 invalid_body.
func checkInvalidBody(t *testing.T, decoder string, body []byte, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.ErrorCode != "invalid_body" || e.Message == "" {
		t.Fatalf("%s refused %q with %v, want a 400 invalid_body", decoder, body, err)
	}
}

// jsonObject returns the properties of body when it is one JSON object in valid UTF-8 (a repeated key:
// the last value).
func jsonObject(body []byte) (map[string]json.RawMessage, bool) {
	var fields map[string]json.RawMessage
	if !utf8.Valid(body) || json.Unmarshal(body, &fields) != nil || fields == nil {
		return nil, false
	}
	return fields, true
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameError(err error, want *Error) bool {
	var e *Error
	return errors.As(err, &e) && *e == *want
}

// maxServeTime bounds the time one fuzzed request may take: far above what any takes, so a loaded CI
// machine never trips it, it still catches a hang.
const maxServeTime = 5 * time.Second

// bodyRoute is an endpoint that reads a body; path may name the fuzz fixture's entities.
type bodyRoute struct{ method, path string }

// FuzzManagementBody sends any body to every endpoint that reads one, through the real handlers, tenant
// service and SQLite store, with a token holding every Management scope. No body may get a 5xx or go
// unanswered; a 4xx must be in Auth0's error shape, and any answer valid JSON.
func FuzzManagementBody(f *testing.F) {
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(f.TempDir(), "orgauth.db"))
	if err != nil {
		f.Fatal(err)
	}
	fuzzManagementBody(f, st)
}

// FuzzManagementBodyPostgres is FuzzManagementBody over PostgreSQL, which refuses some strings SQLite
// keeps (NUL); it needs ORGAUTH_TEST_POSTGRES_DSN, as the store tests do.
func FuzzManagementBodyPostgres(f *testing.F) {
	st, err := sqlstore.OpenPostgres(context.Background(), pgtest.Schema(f))
	if err != nil {
		f.Fatal(err)
	}
	fuzzManagementBody(f, st)
}

// fuzzManagementBody fuzzes the Management API over st. Each seed goes to one route (in turn): the whole
// seeds × routes matrix is TestManagementBodySeeds, and a corpus that large would not finish its
// baseline run within CI's few seconds of fuzzing (on PostgreSQL it did not).
func fuzzManagementBody(f *testing.F, st store.Store) {
	f.Cleanup(func() { st.Close() })
	h, routes := fuzzManagementAPI(f, st)
	for i, s := range decoderSeeds {
		f.Add(uint8(i%len(routes)), []byte(s))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		serveBody(t, h, routes[int(route)%len(routes)], body)
	})
}

// TestManagementBodySeeds sends every seed body to every route that reads one, on both engines, with
// FuzzManagementBody's requirements.
func TestManagementBodySeeds(t *testing.T) {
	open := map[string]func(t *testing.T) (store.Store, error){
		"sqlite": func(t *testing.T) (store.Store, error) {
			return sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "orgauth.db"))
		},
		"postgres": func(t *testing.T) (store.Store, error) {
			return sqlstore.OpenPostgres(context.Background(), pgtest.Schema(t))
		},
	}
	for engine, open := range open {
		t.Run(engine, func(t *testing.T) {
			st, err := open(t)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			h, routes := fuzzManagementAPI(t, st)
			for _, rt := range routes {
				for _, s := range decoderSeeds {
					serveBody(t, h, rt, []byte(s))
				}
			}
		})
	}
}

// serveBody sends body to rt with a token holding every Management scope and checks the answer.
func serveBody(t *testing.T, h http.Handler, rt bodyRoute, body []byte) {
	t.Helper()
	r := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer admin")
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
	case <-time.After(maxServeTime):
		t.Fatalf("%s %s: no answer within %v", rt.method, rt.path, maxServeTime)
	}
	checkManagementAnswer(t, rt, rec)
}

// checkManagementAnswer asserts what FuzzManagementBody requires of every answer: no 5xx, and a JSON
// body, but for a 204, in Auth0's error shape when it is a 4xx.
func checkManagementAnswer(t *testing.T, rt bodyRoute, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s %s: status %d: %s", rt.method, rt.path, rec.Code, rec.Body)
	}
	if rec.Code == http.StatusNoContent && rec.Body.Len() == 0 {
		return // members, roles: 204 with no body
	}
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s %s: status %d, body %q is not JSON: %v", rt.method, rt.path, rec.Code, rec.Body, err)
	}
	if rec.Code < 400 {
		return
	}
	e, _ := body.(map[string]any)
	message, _ := e["message"].(string)
	code, hasCode := e["errorCode"]
	_, codeIsString := code.(string)
	if e["statusCode"] != float64(rec.Code) || e["error"] != http.StatusText(rec.Code) || message == "" ||
		hasCode && !codeIsString || len(e) != 3 && !(hasCode && len(e) == 4) {
		t.Fatalf("%s %s: status %d, body %s is not in Auth0's error shape", rt.method, rt.path, rec.Code, rec.Body)
	}
}

// fuzzManagementAPI is the Management API over a bootstrapped tenant in st, with an API, an application,
// a grant and an organization to aim updates at, and the routes that read a body. Bearer "admin" holds
// every Management scope.
func fuzzManagementAPI(tb testing.TB, st store.Store) (http.Handler, []bodyRoute) {
	ctx := context.Background()
	svc, err := tenant.Open(ctx, st, tenant.Options{Issuer: testIssuer, Keys: &fakeKeys{}, KEK: testKEK, Passwords: cheapPasswords(tb, 0, 0)})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Bootstrap(ctx, testIssuer, "", ""); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	New(Config{Issuer: testIssuer, Tenant: svc,
		Verifier: fakeVerifier{tokens: map[string][]string{"admin": tenant.ManagementScopes}}}).Mount(mux)

	create := func(path, body string) map[string]any {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer admin")
		mux.ServeHTTP(rec, r)
		var out map[string]any
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			tb.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
		return out
	}
	audience := "https://api.example.com/data"
	create("/api/v2/resource-servers", `{"identifier":"`+audience+`","name":"Data","scopes":[{"value":"read:data"}]}`)
	clientID := create("/api/v2/clients", `{"name":"Sync","app_type":"non_interactive","grant_types":["client_credentials"]}`)["client_id"].(string)
	grantID := create("/api/v2/client-grants", `{"client_id":"`+clientID+`","audience":"`+audience+`","scope":["read:data"]}`)["id"].(string)
	orgID := create("/api/v2/organizations", `{"name":"acme"}`)["id"].(string)
	connID := create("/api/v2/connections", `{"name":"db","strategy":"auth0","options":{"passwordPolicy":"low"}}`)["id"].(string)
	userID := create("/api/v2/users", `{"connection":"db","email":"ann@example.com","password":"passw0rd"}`)["user_id"].(string)
	now := time.Now().UTC()
	for _, err := range []error{
		st.CreateConnection(ctx, store.Connection{ID: fuzzConnectionID, Name: "fuzz-db", Strategy: store.StrategyAuth0, CreatedAt: now, UpdatedAt: now}, nil),
		st.CreateUser(ctx, store.User{ID: fuzzUserID, ConnectionID: fuzzConnectionID, Email: "fuzz@example.com", CreatedAt: now, UpdatedAt: now}),
		st.CreateRole(ctx, store.Role{ID: fuzzRoleID, Name: "fuzz", CreatedAt: now, UpdatedAt: now}),
		st.CreateClient(ctx, store.Client{ClientID: fuzzPortalID, Name: "Portal", AppType: "regular_web", OrganizationUsage: "allow",
			InitiateLoginURI: "https://app.example/login", RefreshToken: store.DefaultRefreshTokenConfig(), CreatedAt: now, UpdatedAt: now}),
	} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	create("/api/v2/organizations/"+orgID+"/enabled_connections", `{"connection_id":"`+fuzzConnectionID+`"}`)
	member := "/api/v2/organizations/" + orgID + "/members/" + fuzzUserID + "/roles"

	return mux, []bodyRoute{
		{"POST", "/api/v2/resource-servers"},
		{"PATCH", "/api/v2/resource-servers/" + urlEscape(audience)},
		{"POST", "/api/v2/clients"},
		{"PATCH", "/api/v2/clients/" + clientID},
		{"POST", "/api/v2/client-grants"},
		{"PATCH", "/api/v2/client-grants/" + grantID},
		{"POST", "/api/v2/organizations"},
		{"PATCH", "/api/v2/organizations/" + orgID},
		{"POST", "/api/v2/organizations/" + orgID + "/client-grants"},
		{"PATCH", "/api/v2/tenants/settings"},
		{"POST", "/api/v2/connections"},
		{"PATCH", "/api/v2/connections/" + connID},
		{"PATCH", "/api/v2/connections/" + connID + "/clients"},
		{"POST", "/api/v2/users"},
		{"PATCH", "/api/v2/users/" + url.PathEscape(userID)},
		{"POST", "/api/v2/organizations/" + orgID + "/members"},
		{"DELETE", "/api/v2/organizations/" + orgID + "/members"},
		{"POST", "/api/v2/roles"},
		{"PATCH", "/api/v2/roles/" + fuzzRoleID},
		{"POST", "/api/v2/roles/" + fuzzRoleID + "/permissions"},
		{"DELETE", "/api/v2/roles/" + fuzzRoleID + "/permissions"},
		{"POST", "/api/v2/users/" + fuzzUserID + "/roles"},
		{"DELETE", "/api/v2/users/" + fuzzUserID + "/roles"},
		{"POST", member},
		{"DELETE", member},
		{"POST", "/api/v2/organizations/" + orgID + "/enabled_connections"},
		{"PATCH", "/api/v2/organizations/" + orgID + "/enabled_connections/" + fuzzConnectionID},
		{"POST", "/api/v2/organizations/" + orgID + "/invitations"},
	}
}
