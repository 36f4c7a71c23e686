package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newClientCredential(clientID string) store.ClientCredential {
	n := f.next()
	return store.ClientCredential{
		ID:             fmt.Sprintf("cred_%016d", n),
		ClientID:       clientID,
		Name:           fmt.Sprintf("key %d", n),
		CredentialType: "public_key",
		KID:            fmt.Sprintf("kid-%010d", n),
		Alg:            "RS256",
		PEM:            fmt.Sprintf("-----BEGIN PUBLIC KEY-----\nkey %d\n-----END PUBLIC KEY-----\n", n),
		CreatedAt:      at(n),
		UpdatedAt:      at(n),
	}
}

func testClientCredentials(t *testing.T, open opener) {
	t.Run("create then get and list return every field", func(t *testing.T) {
		f := open(t)
		c := f.client()
		cred := f.newClientCredential(c.ClientID)
		cred.Alg, cred.ExpiresAt, cred.CreatedAt, cred.UpdatedAt = "PS256", inZone().Add(48*time.Hour), inZone(), inZone().Add(time.Hour)
		must(t, f.s.CreateClientCredential(f.ctx, cred, nil))
		want := cred
		want.ExpiresAt, want.CreatedAt, want.UpdatedAt = cred.ExpiresAt.UTC(), cred.CreatedAt.UTC(), cred.UpdatedAt.UTC()
		got, err := f.s.GetClientCredential(f.ctx, c.ClientID, cred.ID)
		must(t, err)
		equal(t, "credential", got, want)
		second := f.newClientCredential(c.ClientID) // no expiry
		must(t, f.s.CreateClientCredential(f.ctx, second, nil))
		list, err := f.s.ListClientCredentials(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "credentials", list, []store.ClientCredential{want, second})
	})

	t.Run("a credential belongs to its client only", func(t *testing.T) {
		f := open(t)
		a, b := f.client(), f.client()
		cred := f.newClientCredential(a.ClientID)
		must(t, f.s.CreateClientCredential(f.ctx, cred, nil))
		_, err := f.s.GetClientCredential(f.ctx, b.ClientID, cred.ID)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.DeleteClientCredential(f.ctx, b.ClientID, cred.ID), store.ErrNotFound)
		_, err = f.s.UpdateClientCredential(f.ctx, b.ClientID, cred.ID, func(*store.ClientCredential) error { return nil })
		wantErr(t, err, store.ErrNotFound)
		list, err := f.s.ListClientCredentials(f.ctx, b.ClientID)
		must(t, err)
		if len(list) != 0 {
			t.Errorf("b lists %s", show(list))
		}
	})

	t.Run("unknown client", func(t *testing.T) {
		f := open(t)
		wantErr(t, f.s.CreateClientCredential(f.ctx, f.newClientCredential("nobody"), nil), store.ErrNotFound)
		_, err := f.s.ListClientCredentials(f.ctx, "nobody")
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("check sees the count and aborts", func(t *testing.T) {
		f := open(t)
		c := f.client()
		var counts []int
		check := func(n int) error {
			counts = append(counts, n)
			if n >= 2 {
				return errBoom
			}
			return nil
		}
		for range 2 {
			must(t, f.s.CreateClientCredential(f.ctx, f.newClientCredential(c.ClientID), check))
		}
		wantErr(t, f.s.CreateClientCredential(f.ctx, f.newClientCredential(c.ClientID), check), errBoom)
		equal(t, "counts", counts, []int{0, 1, 2})
		list, err := f.s.ListClientCredentials(f.ctx, c.ClientID)
		must(t, err)
		if len(list) != 2 {
			t.Errorf("%d credentials after the refused one", len(list))
		}
	})

	t.Run("duplicate id conflicts", func(t *testing.T) {
		f := open(t)
		c := f.client()
		cred := f.newClientCredential(c.ClientID)
		must(t, f.s.CreateClientCredential(f.ctx, cred, nil))
		wantErr(t, f.s.CreateClientCredential(f.ctx, cred, nil), store.ErrConflict)
	})

	t.Run("update writes the expiry only", func(t *testing.T) {
		f := open(t)
		c := f.client()
		cred := f.newClientCredential(c.ClientID)
		must(t, f.s.CreateClientCredential(f.ctx, cred, nil))
		got, err := f.s.UpdateClientCredential(f.ctx, c.ClientID, cred.ID, func(x *store.ClientCredential) error {
			x.ExpiresAt, x.UpdatedAt = at(1000), at(999)
			x.Name, x.KID, x.Alg, x.PEM = "renamed", "other-kid-123", "PS256", "other"
			return nil
		})
		must(t, err)
		want := cred
		want.ExpiresAt, want.UpdatedAt = at(1000), at(999)
		equal(t, "updated", got, want)
		got, err = f.s.UpdateClientCredential(f.ctx, c.ClientID, cred.ID, func(x *store.ClientCredential) error {
			x.ExpiresAt = time.Time{}
			return nil
		})
		must(t, err)
		if !got.ExpiresAt.IsZero() {
			t.Errorf("expiry not cleared: %v", got.ExpiresAt)
		}
		_, err = f.s.UpdateClientCredential(f.ctx, c.ClientID, cred.ID, func(*store.ClientCredential) error { return errBoom })
		wantErr(t, err, errBoom)
	})

	t.Run("client references read back; nil and empty read as nil", func(t *testing.T) {
		f := open(t)
		c := f.newClient()
		creds := []store.ClientCredential{f.newClientCredential(""), f.newClientCredential("")}
		c.PrivateKeyJWTCredentials = []string{creds[0].ID, creds[1].ID}
		must(t, f.s.CreateClientWithCredentials(f.ctx, c, creds))
		got, err := f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "references", got.PrivateKeyJWTCredentials, c.PrivateKeyJWTCredentials)
		list, err := f.s.ListClientCredentials(f.ctx, c.ClientID)
		must(t, err)
		if len(list) != 2 || list[0].ClientID != c.ClientID {
			t.Fatalf("credentials %s", show(list))
		}
		got, err = f.s.UpdateClient(f.ctx, c.ClientID, func(x *store.Client) error {
			x.PrivateKeyJWTCredentials = []string{}
			return nil
		})
		must(t, err)
		if got.PrivateKeyJWTCredentials != nil {
			t.Errorf("empty references read back as %v", got.PrivateKeyJWTCredentials)
		}
	})

	t.Run("create with credentials is all or nothing", func(t *testing.T) {
		f := open(t)
		c := f.newClient()
		cred := f.newClientCredential("")
		c.PrivateKeyJWTCredentials = []string{cred.ID}
		wantErr(t, f.s.CreateClientWithCredentials(f.ctx, c, []store.ClientCredential{cred, cred}), store.ErrConflict)
		_, err := f.s.GetClient(f.ctx, c.ClientID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("delete removes the reference; deleting again is not found", func(t *testing.T) {
		f := open(t)
		c := f.newClient()
		creds := []store.ClientCredential{f.newClientCredential(""), f.newClientCredential("")}
		c.PrivateKeyJWTCredentials = []string{creds[0].ID, creds[1].ID}
		must(t, f.s.CreateClientWithCredentials(f.ctx, c, creds))
		must(t, f.s.DeleteClientCredential(f.ctx, c.ClientID, creds[0].ID))
		got, err := f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		equal(t, "references", got.PrivateKeyJWTCredentials, []string{creds[1].ID})
		wantErr(t, f.s.DeleteClientCredential(f.ctx, c.ClientID, creds[0].ID), store.ErrNotFound)
		must(t, f.s.DeleteClientCredential(f.ctx, c.ClientID, creds[1].ID))
		got, err = f.s.GetClient(f.ctx, c.ClientID)
		must(t, err)
		if got.PrivateKeyJWTCredentials != nil {
			t.Errorf("references after deleting the last: %v", got.PrivateKeyJWTCredentials)
		}
	})

	t.Run("deleting the client deletes its credentials", func(t *testing.T) {
		f := open(t)
		c := f.client()
		cred := f.newClientCredential(c.ClientID)
		must(t, f.s.CreateClientCredential(f.ctx, cred, nil))
		must(t, f.s.DeleteClient(f.ctx, c.ClientID))
		must(t, f.s.CreateClient(f.ctx, c))
		list, err := f.s.ListClientCredentials(f.ctx, c.ClientID)
		must(t, err)
		if len(list) != 0 {
			t.Errorf("credentials survived their client: %s", show(list))
		}
	})
}
