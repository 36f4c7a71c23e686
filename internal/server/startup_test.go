package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/config"
)

// TestRoot: GET / sends a person to the dashboard and tells a script where the discovery document is;
// every other unknown path stays 404.
func TestRoot(t *testing.T) {
	in := start(t, "", "")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(in.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	discovery := in.issuer + ".well-known/openid-configuration"
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/dashboard/" {
		t.Fatalf("GET /: %d, Location %q; want 302 to /dashboard/", res.StatusCode, res.Header.Get("Location"))
	}
	if got, want := res.Header.Get("Link"), "<"+discovery+`>; rel="service-desc"`; got != want {
		t.Errorf("Link %q, want %q", got, want)
	}
	wantBody := "orgauth, an OAuth 2.0 authorization server.\n" +
		"  Dashboard:            " + in.issuer + "dashboard/\n" +
		"  OpenID configuration: " + discovery + "\n"
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || string(body) != wantBody {
		t.Errorf("body (%s):\n%s\nwant:\n%s", ct, body, wantBody)
	}

	// A browser lands on the dashboard; the discovery document is where the body says.
	if r := in.do(mustRequest("GET", in.url+"/")); r.status != 200 || !bytes.Contains(r.raw, []byte("<html")) {
		t.Errorf("following the redirect: %d\n%.200s", r.status, r.raw)
	}
	if r := must(t, in.do(mustRequest("GET", discovery)), 200); r.str("issuer") != in.issuer {
		t.Errorf("discovery: %s", r.raw)
	}
	for _, path := range []string{"/nope", "/index.html", "/dashboard/../nope"} {
		if r := in.do(mustRequest("GET", in.url+path)); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
}

// TestBootstrapSettingsIgnoredWarns: bootstrap variables only act on a store's first start; on a later
// one orgauth says it ignores them, and why.
func TestBootstrapSettingsIgnoredWarns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orgauth.db")
	open := func(cfg config.Config) string {
		t.Helper()
		var logs bytes.Buffer
		dropTime := func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
		s, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime})))
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		var warnings []string
		for line := range strings.Lines(logs.String()) {
			if strings.HasPrefix(line, "level=WARN") {
				warnings = append(warnings, line)
			}
		}
		return strings.Join(warnings, "")
	}
	base := config.Config{Addr: "127.0.0.1:8080", Issuer: "http://127.0.0.1:8080/", DB: db, LogLevel: "info", LogFormat: "text",
		KeyEncryptionKey: testKEK} // a generated one would be warned about
	withAll := base
	withAll.BootstrapClientID, withAll.BootstrapClientSecret = adminID, adminSecret
	withAll.BootstrapAdminEmail, withAll.BootstrapAdminPassword = "ann@example.com", "correct horse battery"

	if w := open(withAll); w != "" {
		t.Fatalf("first start warned:\n%s", w)
	}
	if w := open(base); w != "" {
		t.Fatalf("a later start without bootstrap settings warned:\n%s", w)
	}
	want := `level=WARN msg="bootstrap settings ignored: the store already has its admin application; they apply only to a store's first start" ignored=ORGAUTH_BOOTSTRAP_CLIENT_ID,ORGAUTH_BOOTSTRAP_CLIENT_SECRET` + "\n" +
		`level=WARN msg="bootstrap settings ignored: the store already has administrators; add more with orgauth admins add" ignored=ORGAUTH_BOOTSTRAP_ADMIN_EMAIL,ORGAUTH_BOOTSTRAP_ADMIN_PASSWORD` + "\n"
	if w := open(withAll); w != want {
		t.Fatalf("later start with bootstrap settings warned:\n%s\nwant:\n%s", w, want)
	}
	secretOnly := base
	secretOnly.BootstrapClientSecret = adminSecret
	want = `level=WARN msg="bootstrap settings ignored: the store already has its admin application; they apply only to a store's first start" ignored=ORGAUTH_BOOTSTRAP_CLIENT_SECRET` + "\n"
	if w := open(secretOnly); w != want {
		t.Fatalf("later start with the secret only warned:\n%s\nwant:\n%s", w, want)
	}
}

// TestRunRefusesUnreadableTLSFiles: a TLS file that cannot be loaded stops the start before anything
// listens or any store is created.
func TestRunRefusesUnreadableTLSFiles(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	missing := filepath.Join(dir, "cert.pem")
	cfg := config.Config{Addr: addr, Issuer: "https://" + addr + "/", DB: filepath.Join(dir, "orgauth.db"),
		TLSCert: missing, TLSKey: filepath.Join(dir, "key.pem"), LogLevel: "info", LogFormat: "text"}
	var logs bytes.Buffer
	err = Run(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil)), io.Discard)
	want := "load TLS certificate and key (--tls-cert, --tls-key): open " + missing + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Fatalf("Run: %v, want %s", err, want)
	}
	if strings.Contains(logs.String(), "listening") {
		t.Errorf("logged listening:\n%s", logs.String())
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "orgauth.db*")); len(matches) != 0 {
		t.Errorf("store created: %v", matches)
	}
}
