package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// initialSettings are a new store's tenant settings: SPEC-users §11's session lifetimes, in hours.
var initialSettings = store.TenantSettings{SessionLifetime: 168, IdleSessionLifetime: 72}

func testTenant(t *testing.T, open opener) {
	t.Run("settings start with every switch off and the default session lifetimes", func(t *testing.T) {
		f := open(t)
		got, err := f.s.GetTenantSettings(f.ctx)
		must(t, err)
		equal(t, "settings", got, initialSettings)
	})

	t.Run("update stores the settings and returns them", func(t *testing.T) {
		f := open(t)
		want := store.TenantSettings{
			AllowOrganizationNameInAuthenticationAPI: true,
			DefaultRedirectionURI:                    "https://app.example.com/login",
			AllowedLogoutURLs:                        []string{"https://app.example.com/", "https://example.com/bye"},
			SessionLifetime:                          24,
			IdleSessionLifetime:                      2,
		}
		got, err := f.s.UpdateTenantSettings(f.ctx, func(ts *store.TenantSettings) error {
			equal(t, "fn receives", *ts, initialSettings)
			*ts = want
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetTenantSettings(f.ctx)
		must(t, err)
		equal(t, "stored", got, want)
	})

	t.Run("settings update fn error aborts and leaves them unchanged", func(t *testing.T) {
		f := open(t)
		_, err := f.s.UpdateTenantSettings(f.ctx, func(ts *store.TenantSettings) error {
			ts.AllowOrganizationNameInAuthenticationAPI = true
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetTenantSettings(f.ctx)
		must(t, err)
		equal(t, "stored", got, initialSettings)
	})

	t.Run("empty logout URLs read back as nil", func(t *testing.T) {
		f := open(t)
		got, err := f.s.UpdateTenantSettings(f.ctx, func(ts *store.TenantSettings) error {
			ts.AllowedLogoutURLs = []string{}
			return nil
		})
		must(t, err)
		equal(t, "settings", got, initialSettings)
	})

	t.Run("a secret is stored on first use and returned ever after", func(t *testing.T) {
		f := open(t)
		first, second := []byte("first secret"), []byte("second secret")
		got, err := f.s.TenantSecret(f.ctx, "hash-key", first)
		must(t, err)
		equal(t, "first call", got, first)
		got, err = f.s.TenantSecret(f.ctx, "hash-key", second)
		must(t, err)
		equal(t, "second call", got, first)
		got, err = f.s.TenantSecret(f.ctx, "other-key", second)
		must(t, err)
		equal(t, "another name", got, second)
	})

	t.Run("concurrent callers agree on one secret", func(t *testing.T) {
		f := open(t)
		const callers = 10
		got := make([][]byte, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				secret, err := f.s.TenantSecret(f.ctx, "hash-key", []byte(fmt.Sprintf("secret %d", i)))
				if err != nil {
					t.Errorf("caller %d: %v", i, err)
				}
				got[i] = secret
			})
		}
		wg.Wait()
		for i, secret := range got {
			if !bytes.Equal(secret, got[0]) {
				t.Errorf("caller %d got %q, caller 0 got %q", i, secret, got[0])
			}
		}
		if !bytes.HasPrefix(got[0], []byte("secret ")) {
			t.Errorf("secret %q is none of the generated ones", got[0])
		}
	})
}
