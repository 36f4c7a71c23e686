package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/orgauth/orgauth/internal/config"
)

// nodeDir holds the Node SDK script with its pinned, locked npm packages.
const nodeDir = "testdata/node"

// startTLS is start over HTTPS with the test server's self-signed certificate, on a new temp store.
func startTLS(t *testing.T) *instance {
	t.Helper()
	db := filepath.Join(t.TempDir(), "orgauth.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "https://" + ln.Addr().String() + "/"
	cfg := config.Config{Addr: ln.Addr().String(), Issuer: issuer, DB: db,
		BootstrapClientID: adminID, BootstrapClientSecret: adminSecret, LogLevel: "info", LogFormat: "text"}
	srv, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.StartTLS()
	in := &instance{t: t, ts: ts, srv: srv, url: ts.URL, client: ts.Client(), db: db, issuer: issuer}
	t.Cleanup(in.stop)
	return in
}

// forTest is the same instance reporting its failures to t, for use inside a subtest.
func (in *instance) forTest(t *testing.T) *instance {
	c := *in
	c.t = t
	return &c
}

// serveTLS runs orgauth the way `orgauth serve --tls-cert … --tls-key …` does (config.Load, then Run),
// on a new temp store, with a self-signed certificate for localhost and 127.0.0.1 made like the README's
// openssl recipe. It returns the instance and the certificate's file, which clients trust
// (NODE_EXTRA_CA_CERTS): verification stays on.
func serveTLS(t *testing.T) (*instance, string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	roots := writeSelfSigned(t, certFile, keyFile)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"ORGAUTH_BOOTSTRAP_CLIENT_ID": adminID, "ORGAUTH_BOOTSTRAP_CLIENT_SECRET": adminSecret}
	cfg, err := config.Load([]string{"--addr", addr, "--db", filepath.Join(dir, "orgauth.db"),
		"--tls-cert", certFile, "--tls-key", keyFile}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "https://"+addr+"/" {
		t.Fatalf("issuer %q, want https://%s/", cfg.Issuer, addr)
	}

	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v\n%s", err, logs.String())
		}
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	in := &instance{t: t, url: "https://" + addr, client: client, db: cfg.DB, issuer: cfg.Issuer}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := client.Get(in.url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy over HTTPS in time:\n%s", logs.String())
		}
	}
	return in, certFile
}

// writeSelfSigned writes a self-signed P-256 certificate for localhost, 127.0.0.1 and ::1 (CN=localhost,
// CA:TRUE, as `openssl req -x509` makes) and its PKCS #8 key, and returns a pool trusting it.
func writeSelfSigned(t *testing.T, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return roots
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// requireNode skips when node or npm is missing, except in CI, where every test must run.
func requireNode(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not on PATH; CI must install Node.js and npm (see .ci/run)", tool)
			}
			t.Skipf("%s is not on PATH; install Node.js and npm to run the Auth0 Node SDK compatibility test", tool)
		}
	}
}

// installNodeModules runs `npm ci` unless node_modules holds a complete install of the current lockfile
// (npm writes node_modules/.package-lock.json last, so a half-finished install does not count).
func installNodeModules(t *testing.T) {
	t.Helper()
	lock, err := os.Stat(filepath.Join(nodeDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	installed, err := os.Stat(filepath.Join(nodeDir, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lock.ModTime()) {
		return
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = nodeDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", nodeDir, err, out)
	}
}

// sdkSummary is what sdk.mjs prints once every in-script check has passed.
type sdkSummary struct {
	ClientID    string `json:"client_id"`
	GrantID     string `json:"grant_id"`
	OrgID       string `json:"org_id"`
	AccessToken string `json:"access_token"`
}

// TestCompatAuth0NodeSDK runs the README scenario with Auth0's official Node SDK (npm auth0 v7) against
// orgauth serving HTTPS itself (--tls-cert, --tls-key), certificate verification on. The SDK only speaks
// https: it builds every URL as https://{domain}/, so there is no plain-HTTP variant to test.
func TestCompatAuth0NodeSDK(t *testing.T) {
	requireNode(t)
	installNodeModules(t)
	in, certFile := serveTLS(t)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "sdk.mjs")
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(),
		"SDK_DOMAIN="+strings.TrimPrefix(in.url, "https://"),
		"SDK_CLIENT_ID="+adminID,
		"SDK_CLIENT_SECRET="+adminSecret,
		"NODE_EXTRA_CA_CERTS="+certFile,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node sdk.mjs: %v\n%s%s", err, stderr.Bytes(), stdout.Bytes())
	}
	var got sdkSummary
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("sdk.mjs output: %v\n%s", err, stdout.Bytes())
	}

	c := in.claims(got.AccessToken)
	// The script turned on the tenant flag before asking, so the token names the organization too.
	want := map[string]any{
		"iss": in.issuer, "aud": "https://example-api", "sub": got.ClientID + "@clients", "azp": got.ClientID,
		"gty": "client-credentials", "org_id": got.OrgID, "org_name": "acme",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if scope, _ := c["scope"].(string); !slices.Equal(slices.Sorted(slices.Values(strings.Fields(scope))), []string{"create:posts", "read:posts"}) {
		t.Errorf("claim scope = %q, want create:posts and read:posts", scope)
	}
	// The association the SDK made is the one stored.
	orgs := must(t, in.api("GET", "/api/v2/client-grants/"+got.GrantID+"/organizations", in.adminToken(), nil), 200)
	var ids []string
	for _, o := range orgs.list {
		org, _ := o.(map[string]any)
		id, _ := org["id"].(string)
		ids = append(ids, id)
	}
	if !slices.Equal(ids, []string{got.OrgID}) {
		t.Errorf("organizations of grant %s: %s, want only %s", got.GrantID, orgs.raw, got.OrgID)
	}
}

// TestCompatOAuth2ClientCredentials gets organization tokens with golang.org/x/oauth2/clientcredentials
// over HTTPS, with the client secret sent either way the library offers.
func TestCompatOAuth2ClientCredentials(t *testing.T) {
	in := startTLS(t)
	w := setupWorld(t, in)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, in.ts.Client())
	clientConfig := func(style oauth2.AuthStyle, organization string) *clientcredentials.Config {
		return &clientcredentials.Config{
			ClientID:       w.clientID,
			ClientSecret:   w.secret,
			TokenURL:       in.issuer + "oauth/token",
			EndpointParams: url.Values{"audience": {w.audience}, "organization": {organization}},
			AuthStyle:      style,
		}
	}
	styles := []struct {
		name   string
		style  oauth2.AuthStyle
		method string // the client's token_endpoint_auth_method, which the token endpoint enforces
	}{
		{"secret in the Basic header", oauth2.AuthStyleInHeader, "client_secret_basic"},
		{"secret in the form", oauth2.AuthStyleInParams, "client_secret_post"},
	}
	for _, s := range styles {
		must(t, in.api("PATCH", "/api/v2/clients/"+w.clientID, w.admin, map[string]any{"token_endpoint_auth_method": s.method}), 200)
		t.Run(s.name+"/token for the associated organization", func(t *testing.T) {
			tok, err := clientConfig(s.style, w.orgA).Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || !tok.Valid() || tok.Expiry.Before(time.Now().Add(23*time.Hour)) {
				t.Fatalf("token type %q, expiry %v", tok.TokenType, tok.Expiry)
			}
			c := in.forTest(t).claims(tok.AccessToken)
			want := map[string]any{"iss": in.issuer, "aud": w.audience, "azp": w.clientID, "org_id": w.orgA}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
		})
		t.Run(s.name+"/refused for an organization not associated", func(t *testing.T) {
			tok, err := clientConfig(s.style, w.orgB).Token(ctx)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				t.Fatalf("got token %v, error %v; want a *oauth2.RetrieveError", tok, err)
			}
			wantDesc := `Client is not authorized to access "` + w.audience + `" on behalf of organization "` + w.orgB + `"`
			if re.Response.StatusCode != 403 || re.ErrorCode != "access_denied" || re.ErrorDescription != wantDesc {
				t.Fatalf("got %d %q %q, want 403 access_denied %q", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, wantDesc)
			}
		})
	}
}
