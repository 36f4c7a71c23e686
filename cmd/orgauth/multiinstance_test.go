package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
)

// process is one `orgauth serve` running in the background.
type process struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// launch starts the binary with a shared issuer and database.
func launch(t *testing.T, bin, db, issuer string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &process{url: "http://" + addr}
	p.cmd = exec.Command(bin, "serve", "--addr", addr, "--db", db, "--issuer", issuer)
	// Instances sharing a store share its key-encryption key (32 zero bytes here).
	p.cmd.Env = append(os.Environ(), "ORGAUTH_BOOTSTRAP_CLIENT_ID=", "ORGAUTH_BOOTSTRAP_CLIENT_SECRET=",
		"ORGAUTH_KEY_ENCRYPTION_KEY_FILE=", "ORGAUTH_KEY_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
	})
	return p
}

func (p *process) waitHealthy(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get(p.url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy:\n%s", p.url, p.output())
		}
	}
}

// call sends a request and decodes a JSON object answer.
func call(t *testing.T, method, u, bearer string, body any, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	switch {
	case form != nil:
		req, _ = http.NewRequest(method, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case body != nil:
		b, _ := json.Marshal(body)
		req, _ = http.NewRequest(method, u, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"_raw": string(raw)}
	}
	return res.StatusCode, out
}

func expect(t *testing.T, status int, out map[string]any, want int) map[string]any {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d: %v", status, want, out)
	}
	return out
}

// kidOf returns the kid in a JWT's header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	h, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var header struct{ Kid string }
	json.Unmarshal(h, &header)
	return header.Kid
}

// verifyWith checks a token's signature against a JWKS document.
func verifyWith(t *testing.T, jwks, token string) {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(jwks), &set); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %s is not in the JWKS", tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("the token does not verify with the JWKS: %v", err)
	}
}

// TestTwoInstancesOnePostgres runs two orgauth processes on one PostgreSQL database and proves they act
// as one server.
func TestTwoInstancesOnePostgres(t *testing.T) {
	db := pgtest.Schema(t)
	bin := buildBinary(t)
	const issuer = "http://orgauth.test/"

	// Both start at once on the empty database: exactly one bootstraps.
	a, b := launch(t, bin, db, issuer), launch(t, bin, db, issuer)
	a.waitHealthy(t)
	b.waitHealthy(t)
	var creds string
	for _, p := range []*process{a, b} {
		if strings.Contains(p.output(), "client_secret:") {
			if creds != "" {
				t.Fatal("both instances created an admin application")
			}
			creds = p.output()
		}
	}
	if creds == "" {
		t.Fatalf("no instance printed admin credentials:\nA:\n%s\nB:\n%s", a.output(), b.output())
	}
	field := func(name string) string { return strings.Fields(creds[strings.Index(creds, name):])[1] }
	adminID, adminSecret := field("client_id:"), field("client_secret:")
	mgmtToken := func(p *process) string {
		_, out := call(t, "POST", p.url+"/oauth/token", "", nil, url.Values{"grant_type": {"client_credentials"},
			"client_id": {adminID}, "client_secret": {adminSecret}, "audience": {issuer + "api/v2/"}})
		return out["access_token"].(string)
	}
	adminA := mgmtToken(a)
	_, clients := call(t, "GET", a.url+"/api/v2/clients?include_totals=true", adminA, nil, nil)
	if clients["total"] != float64(1) {
		t.Fatalf("clients after a simultaneous bootstrap: %v", clients)
	}

	// The same keys on both.
	jwks := func(p *process) string {
		res, err := http.Get(p.url + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return string(raw)
	}
	if jwks(a) != jwks(b) {
		t.Fatalf("the instances publish different JWKS:\nA %s\nB %s", jwks(a), jwks(b))
	}

	// Configure through A: an API, an application whose grant requires an organization, one organization.
	st, out := call(t, "POST", a.url+"/api/v2/resource-servers", adminA, map[string]any{"identifier": "https://api.test", "scopes": []any{map[string]string{"value": "read"}}}, nil)
	expect(t, st, out, 201)
	st, app := call(t, "POST", a.url+"/api/v2/clients", adminA, map[string]any{"name": "bot", "app_type": "non_interactive"}, nil)
	expect(t, st, app, 201)
	st, grant := call(t, "POST", a.url+"/api/v2/client-grants", adminA, map[string]any{"client_id": app["client_id"], "audience": "https://api.test", "scope": []string{"read"}, "organization_usage": "require"}, nil)
	expect(t, st, grant, 201)
	st, org := call(t, "POST", a.url+"/api/v2/organizations", adminA, map[string]any{"name": "acme"}, nil)
	expect(t, st, org, 201)
	orgID, grantID := org["id"].(string), grant["id"].(string)
	st, out = call(t, "POST", a.url+"/api/v2/organizations/"+orgID+"/client-grants", adminA, map[string]any{"grant_id": grantID}, nil)
	expect(t, st, out, 201)

	tokenForm := url.Values{"grant_type": {"client_credentials"}, "client_id": {app["client_id"].(string)},
		"client_secret": {app["client_secret"].(string)}, "audience": {"https://api.test"}, "organization": {orgID}}
	// within polls until B's answer has the wanted status, and returns how long that took.
	within := func(want int, limit time.Duration) (time.Duration, map[string]any) {
		start := time.Now()
		for {
			st, out := call(t, "POST", b.url+"/oauth/token", "", nil, tokenForm)
			if st == want {
				return time.Since(start), out
			}
			if time.Since(start) > limit {
				t.Fatalf("B still answers %d %v after %v", st, out, limit)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	// A token from B (B may need a moment: it learns of A's writes by notification).
	_, tok := within(200, 2*time.Second)
	tokenFromB := tok["access_token"].(string)
	st, out = call(t, "POST", a.url+"/oauth/token", "", nil, tokenForm)
	expect(t, st, out, 200)
	verifyWith(t, jwks(b), out["access_token"].(string))

	// An association removed through A stops B's next token request within a second.
	st, out = call(t, "DELETE", a.url+"/api/v2/organizations/"+orgID+"/client-grants/"+grantID, adminA, nil, nil)
	expect(t, st, out, 204)
	took, _ := within(403, time.Second)
	t.Logf("B refused the removed association %v after A's write", took)

	// A rotation through A reaches B: B signs with the new current key, which B already published.
	st, out = call(t, "POST", a.url+"/api/v2/organizations/"+orgID+"/client-grants", adminA, map[string]any{"grant_id": grantID}, nil)
	expect(t, st, out, 201)
	within(200, 2*time.Second)
	oldKid := kidOf(t, tokenFromB)
	before := jwks(b)
	st, out = call(t, "POST", a.url+"/api/v2/keys/signing/rotate", adminA, nil, nil)
	expect(t, st, out, 201)
	start := time.Now()
	for {
		_, tok := within(200, time.Second)
		kid := kidOf(t, tok["access_token"].(string))
		if kid != oldKid {
			if !strings.Contains(before, kid) {
				t.Fatalf("B signs with %s, which it did not publish before the rotation", kid)
			}
			t.Logf("B signed with the rotated key %v after A's rotation", time.Since(start))
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("B still signs with the old key 2 s after the rotation")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(jwks(b), oldKid) {
		t.Fatal("B dropped the old key while its tokens are alive")
	}
}
