package mgmt

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/tenant"
)

// fakeKeys is a tenant.SigningKeys with a fixed key list; Rotate promotes next to current and records the call.
type fakeKeys struct {
	keys    []tenant.SigningKey
	fault   error
	rotated int
}

func (k *fakeKeys) Rotate(context.Context) error {
	if k.fault != nil {
		return k.fault
	}
	k.rotated++
	for i := range k.keys {
		switch k.keys[i].State {
		case "current":
			k.keys[i].State = "previous"
		case "next":
			k.keys[i].State = "current"
		}
	}
	return nil
}

func (k *fakeKeys) Keys() []tenant.SigningKey { return k.keys }

// testServer is the Management API over the real tenant service and a SQLite store in a temporary
// directory, bootstrapped with its Management API, and a fake verifier whose bearer strings are:
// "admin" (every Management scope), "reader" (read:organizations only) and "aliased" (the underscore-free
// organization client grant scopes only).
type testServer struct {
	t     *testing.T
	url   string
	keys  *fakeKeys
	store store.Store     // to set up or check what the API does not show (login sessions, sealed secrets)
	svc   *tenant.Service // the tenant the API calls
}

// testKEK seals the test tenant's connection secrets.
var testKEK = func() *kek.Key {
	k, err := kek.New(bytes.Repeat([]byte{7}, kek.Size))
	if err != nil {
		panic(err)
	}
	return k
}()

// cheapPasswords hashes the test users' passwords fast: these tests are about the API, not the hashing.
func cheapPasswords(tb testing.TB, slots int, wait time.Duration) *password.Hasher {
	h, err := password.NewHasher(password.Options{Params: password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, Slots: slots, Wait: wait})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func newTestServer(t *testing.T) *testServer {
	return newTestServerWith(t, tenant.Options{Issuer: testIssuer, KEK: testKEK, Passwords: cheapPasswords(t, 0, 0)})
}

// newTestServerWith is newTestServer with the tenant's options (its Keys are the fake keys).
func newTestServerWith(t *testing.T, opts tenant.Options) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fk := &fakeKeys{}
	opts.Keys = fk
	svc, err := tenant.Open(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Bootstrap(ctx, testIssuer, "", ""); err != nil {
		t.Fatal(err)
	}
	h := New(Config{Issuer: testIssuer, Tenant: svc, Verifier: fakeVerifier{tokens: map[string][]string{
		"admin":   tenant.ManagementScopes,
		"reader":  {"read:organizations"},
		"aliased": {"create:organizationclientgrants", "read:organizationclientgrants", "delete:organizationclientgrants"},
		// Users: read only, and app_metadata only.
		"user-reader":  {"read:users", "read:connections"},
		"app-metadata": {"update:users_app_metadata"},
	}}})
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testServer{t: t, url: srv.URL, keys: fk, store: st, svc: svc}
}

// response is one answer, with its body kept raw and decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   any
}

// obj is the body as a JSON object (nil when it is not one).
func (r response) obj() map[string]any {
	m, _ := r.body.(map[string]any)
	return m
}

// list is the body as a JSON array (nil when it is not one).
func (r response) list() []any {
	l, _ := r.body.([]any)
	return l
}

// do sends a request with the admin token.
func (s *testServer) do(method, path, body string) response {
	return s.doAs("admin", method, path, body)
}

func (s *testServer) doAs(token, method, path, body string) response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			s.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return out
}

// must sends a request with the admin token and fails the test unless the status is want.
func (s *testServer) must(want int, method, path, body string) response {
	s.t.Helper()
	r := s.do(method, path, body)
	if r.status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r
}

// wantAuth0Error checks an error answer: status, Auth0 shape, message and errorCode ("" = none).
func wantAuth0Error(t *testing.T, r response, status int, message, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	body := r.obj()
	if body["statusCode"] != float64(status) || body["error"] != http.StatusText(status) {
		t.Errorf("not Auth0's error shape: %s", r.raw)
	}
	if message != "" && body["message"] != message {
		t.Errorf("message = %q, want %q", body["message"], message)
	}
	gotCode, hasCode := body["errorCode"]
	if code == "" && hasCode || code != "" && gotCode != code {
		t.Errorf("errorCode = %v, want %q", gotCode, code)
	}
}

// fixture creates an API with scopes read:data and write:data, an M2M application, and returns the
// API identifier and the client id.
func (s *testServer) fixture() (audience, clientID string) {
	s.t.Helper()
	audience = "https://api.example.com/data"
	s.must(201, "POST", "/api/v2/resource-servers",
		`{"identifier":"`+audience+`","name":"Data","scopes":[{"value":"read:data"},{"value":"write:data"}]}`)
	c := s.must(201, "POST", "/api/v2/clients",
		`{"name":"Billing sync","app_type":"non_interactive","grant_types":["client_credentials"]}`)
	return audience, c.obj()["client_id"].(string)
}
