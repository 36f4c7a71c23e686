package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/config"
)

const (
	adminID     = "admin0000000000000000000000000000"
	adminSecret = "admin-secret-0123456789-0123456789-0123456789"
)

// instance is one orgauth running over real HTTP on a temp-dir SQLite store.
type instance struct {
	t      *testing.T
	ts     *httptest.Server // nil when Run serves it
	srv    *Server          // nil when Run serves it
	url    string           // the base URL, without a trailing slash
	client *http.Client     // trusts the instance's certificate over HTTPS
	db     string
	issuer string
}

// start runs orgauth on db (a new temp store when empty) at addr (any free port when empty).
func start(t *testing.T, db, addr string) *instance {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "orgauth.db")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/"
	cfg := config.Config{Addr: ln.Addr().String(), Issuer: issuer, DB: db,
		BootstrapClientID: adminID, BootstrapClientSecret: adminSecret, LogLevel: "info", LogFormat: "text"}
	srv, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	in := &instance{t: t, ts: ts, srv: srv, url: ts.URL, client: ts.Client(), db: db, issuer: issuer}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	if in.ts != nil {
		in.ts.Close()
		in.srv.Close()
		in.ts = nil
	}
}

// restart stops the instance and starts a new one on the same store and address.
func (in *instance) restart() *instance {
	addr := in.ts.Listener.Addr().String()
	in.stop()
	return start(in.t, in.db, addr)
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	list   []any
	raw    []byte
}

func (r response) str(key string) string { s, _ := r.body[key].(string); return s }

func (in *instance) do(req *http.Request) response {
	in.t.Helper()
	res, err := in.client.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '[' {
		json.Unmarshal(raw, &r.list)
	} else {
		json.Unmarshal(raw, &r.body)
	}
	return r
}

// api calls the Management API with a bearer token and an optional JSON body (a string is sent as is).
func (in *instance) api(method, path, bearer string, body any) response {
	in.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, in.url+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return in.do(req)
}

// token posts a form to the token endpoint.
func (in *instance) token(form url.Values) response {
	in.t.Helper()
	req, _ := http.NewRequest("POST", in.url+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return in.do(req)
}

// adminToken gets a Management API token with the bootstrap credentials.
func (in *instance) adminToken() string {
	in.t.Helper()
	r := in.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {adminID},
		"client_secret": {adminSecret}, "audience": {in.issuer + "api/v2/"}})
	if r.status != 200 {
		in.t.Fatalf("admin token: %d %s", r.status, r.raw)
	}
	return r.str("access_token")
}

// must asserts a status and returns the response.
func must(t *testing.T, r response, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// claims verifies an access token against the instance's JWKS and returns its claims.
func (in *instance) claims(token string) map[string]any {
	in.t.Helper()
	r := in.do(mustRequest("GET", in.url+"/.well-known/jwks.json"))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(r.raw, &set); err != nil {
		in.t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		in.t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		in.t.Fatalf("kid %q is not in the JWKS", tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		in.t.Fatalf("signature: %v", err)
	}
	return claims
}

func mustRequest(method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return req
}
