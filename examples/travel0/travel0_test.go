package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/server"
)

const (
	adminID     = "travel0admin00000000000000000000"
	adminSecret = "travel0-admin-secret-0123456789-0123456789-0123456789"
)

// startOrgauth runs orgauth in process over real HTTP on a temp-dir store and returns its URL.
func startOrgauth(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{
		Addr: ln.Addr().String(), Issuer: "http://" + ln.Addr().String() + "/",
		DB:                filepath.Join(t.TempDir(), "orgauth.db"),
		BootstrapClientID: adminID, BootstrapClientSecret: adminSecret,
		LogLevel: "info", LogFormat: "text",
	}
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return ts.URL
}

func playStory(t *testing.T, orgauth string) ([]result, string) {
	t.Helper()
	var out bytes.Buffer
	results, err := run(context.Background(), runConfig{
		orgauth: orgauth, adminID: adminID, adminSecret: adminSecret,
		client: &http.Client{}, out: &out, log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	return results, out.String()
}

// organizationID looks an organization up by name through the Management API.
func organizationID(t *testing.T, m *management, name string) string {
	t.Helper()
	var o struct {
		ID string `json:"id"`
	}
	if err := m.call(context.Background(), "GET", "/organizations/name/"+name, nil, &o); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func TestStory(t *testing.T) {
	orgauth := startOrgauth(t)
	results, out := playStory(t, orgauth)

	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{})
	d, err := discover(ctx, &http.Client{}, orgauth)
	if err != nil {
		t.Fatal(err)
	}
	m := newManagement(ctx, orgauth, d, adminID, adminSecret)
	acme, globex, initech := organizationID(t, m, "acme-travel"), organizationID(t, m, "globex-tours"), organizationID(t, m, "initech-trips")
	realm := `Bearer realm="` + adventuresAudience + `"`
	notOnBehalf := `access_denied: Client is not authorized to access "` + adventuresAudience + `" on behalf of organization `

	want := []struct {
		status int
		detail string
	}{
		// Acme Travel's bot
		{200, `token with org_id=` + acme + `, scope "read:adventures create:adventures"`},
		{201, `adv_1 "Glacier hike on the Aletsch"`},
		{200, `1 adventure: "Glacier hike on the Aletsch"`},
		{403, notOnBehalf + `"` + globex + `"`},
		{403, realm + `, error="insufficient_scope", error_description="The token is for another organization"`},
		// Globex Tours' bot
		{200, `token with org_id=` + globex + `, scope "read:adventures"`},
		{200, `no adventures`},
		{403, realm + `, error="insufficient_scope", error_description="Insufficient scope; expected all of: create:adventures", scope="create:adventures"`},
		// Travel0's CLI
		{201, `adv_2 "Fjord kayaking"`},
		{200, `1 adventure: "Glacier hike on the Aletsch"`},
		{403, realm + `, error="insufficient_scope", error_description="The token is not for an organization"`},
		{401, realm + `, error="invalid_token", error_description="The token is not for this API"`},
		// Wanderlust
		{200, `1 adventure: "Glacier hike on the Aletsch"`},
		{200, `no adventures`},
		{403, notOnBehalf + `"` + initech + `"`},
		// Anyone
		{401, realm},
	}
	if len(results) != len(want) {
		t.Fatalf("%d steps, want %d\n%s", len(results), len(want), out)
	}
	for i, w := range want {
		r := results[i]
		if r.got != w.status || !strings.HasSuffix(r.detail, w.detail) || !r.ok() {
			t.Errorf("step %d %q:\n got %d %s (story expects %d)\nwant %d …%s", i+1, r.step, r.got, r.detail, r.want, w.status, w.detail)
		}
	}
	if !strings.Contains(out, "All 16 steps went as expected.") {
		t.Errorf("output:\n%s", out)
	}

	t.Run("a second run reuses what the first one set up", func(t *testing.T) {
		countClients := func() int {
			var list []struct{}
			if err := m.call(context.Background(), "GET", "/clients?per_page=100", nil, &list); err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		before := countClients()
		results, out := playStory(t, orgauth)
		for _, r := range results {
			if !r.ok() {
				t.Errorf("step %q: got %d %s, want %d", r.step, r.got, r.detail, r.want)
			}
		}
		if after := countClients(); after != before {
			t.Errorf("%d applications after the second run, %d before", after, before)
		}
		if organizationID(t, m, "acme-travel") != acme || !strings.Contains(out, acme) {
			t.Errorf("acme-travel was not reused:\n%s", out)
		}
	})
}

func TestCommand(t *testing.T) {
	orgauth := startOrgauth(t)
	env := map[string]string{"ORGAUTH_ADMIN_ID": adminID, "ORGAUTH_ADMIN_SECRET": adminSecret}
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		code   int
		out    string // in stdout, or stderr when the code is not 0
	}{
		{"ok/credentials from the environment", []string{"--orgauth", orgauth}, func(k string) string { return env[k] }, 0, "All 16 steps went as expected."},
		{"ok/credentials from flags", []string{"--orgauth", orgauth + "/", "--admin-id", adminID, "--admin-secret", adminSecret}, func(string) string { return "" }, 0, "All 16 steps went as expected."},
		{"fail/no credentials", []string{"--orgauth", orgauth}, func(string) string { return "" }, 2, "the admin credentials are required"},
		{"fail/wrong secret", []string{"--orgauth", orgauth, "--admin-secret", "wrong"}, func(k string) string { return env[k] }, 1, "invalid_client"},
		{"fail/unknown flag", []string{"--nope"}, func(string) string { return "" }, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := command(tt.args, tt.getenv, &stdout, &stderr)
			got := stdout.String()
			if code != 0 {
				got = stderr.String()
			}
			if code != tt.code || !strings.Contains(got, tt.out) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
		})
	}
}
