package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/server"
	"github.com/orgauth/orgauth/internal/tenant"
)

func TestAdminsAddApp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orgauth.db")
	getenv := func(k string) string {
		if k == "ORGAUTH_DB" {
			return db
		}
		return ""
	}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := adminsCmd(args, getenv, strings.NewReader(""), &out)
		return out.String(), err
	}
	open := func(t *testing.T) *tenant.Service {
		t.Helper()
		ctx := context.Background()
		st, err := server.OpenStore(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		ten, err := tenant.Open(ctx, st, tenant.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return ten
	}

	t.Run("fail/without a store", func(t *testing.T) {
		_, err := run("add-app")
		if err == nil || !strings.Contains(err.Error(), "no store at ") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("fail/before the first start there is no Management API", func(t *testing.T) {
		open(t) // a store, but never served
		_, err := run("add-app")
		if err == nil || !strings.Contains(err.Error(), "start orgauth serve once first") {
			t.Fatalf("err = %v", err)
		}
	})

	const issuer = "https://auth.example/"
	ten := open(t)
	boot, err := ten.Bootstrap(context.Background(), issuer, "", "")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("recovers a tenant whose administrator application is gone", func(t *testing.T) {
		out, err := run("add-app", "--name", "break-glass")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`client_id:\s+(\S+)\n\s+client_secret:\s+(\S+)\n\s+audience:\s+(\S+)`).FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, `administrator application "break-glass" added`) || m[3] != tenant.ManagementAudience(issuer) {
			t.Fatalf("output:\n%s", out)
		}
		ten := open(t)
		// The new application administers: the bootstrap one may go now, and the new one may not.
		if err := ten.DeleteClient(context.Background(), boot.ClientID); err != nil {
			t.Fatal(err)
		}
		if err := ten.DeleteClient(context.Background(), m[1]); err == nil || !strings.Contains(err.Error(), "orgauth admins add-app") {
			t.Fatalf("deleting the last administrator application: %v", err)
		}
		// The printed secret is its secret, and its grant holds every Management scope.
		if !authenticates(t, ten, m[1], m[2]) {
			t.Fatal("the printed secret does not authenticate")
		}
		snap, _ := ten.Directory().Snapshot(context.Background())
		g, ok := snap.ClientGrant(m[1], m[3])
		if !ok || len(g.Scopes) != len(tenant.ManagementScopes) {
			t.Fatalf("its Management grant: %+v, %v", g, ok)
		}
	})

	t.Run("fail/unexpected arguments", func(t *testing.T) {
		if _, err := run("add-app", "extra"); err == nil || err.Error() != "unexpected arguments: extra" {
			t.Fatalf("err = %v", err)
		}
	})
}

// authenticates reports whether the tenant's token endpoint accepts secret for the client.
func authenticates(t testing.TB, ten *tenant.Service, clientID, secret string) bool {
	t.Helper()
	snap, err := ten.Directory().Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, ok := snap.AuthenticateClient(clientID, secret)
	return ok
}
