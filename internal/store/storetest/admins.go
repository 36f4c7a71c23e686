package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newAdmin() store.Admin {
	n := f.next()
	return store.Admin{
		ID:           fmt.Sprintf("adm_%016d", n),
		Email:        fmt.Sprintf("admin%d@example.com", n),
		PasswordHash: fmt.Sprintf("$argon2id$v=19$m=65536,t=3,p=4$salt%d$hash%d", n, n),
		CreatedAt:    at(n),
		UpdatedAt:    at(n),
	}
}

func (f *fixture) admin() store.Admin {
	f.t.Helper()
	a := f.newAdmin()
	must(f.t, f.s.CreateAdmin(f.ctx, a))
	return a
}

func adminID(a store.Admin) string { return a.ID }

func testAdmins(t *testing.T, open opener) {
	t.Run("create then get by id and by email returns every field", func(t *testing.T) {
		f := open(t)
		a := f.newAdmin()
		a.CreatedAt, a.UpdatedAt = inZone(), inZone().Add(time.Second)
		must(t, f.s.CreateAdmin(f.ctx, a))
		want := a
		want.CreatedAt, want.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
		got, err := f.s.GetAdmin(f.ctx, a.ID)
		must(t, err)
		equal(t, "by id", got, want)
		got, err = f.s.GetAdminByEmail(f.ctx, a.Email)
		must(t, err)
		equal(t, "by email", got, want)
	})

	t.Run("unknown id and email are not found", func(t *testing.T) {
		f := open(t)
		f.admin()
		_, err := f.s.GetAdmin(f.ctx, "adm_nosuchadmin0000")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetAdminByEmail(f.ctx, "nosuch@example.com")
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("create with a taken email or id conflicts", func(t *testing.T) {
		f := open(t)
		first := f.admin()
		dupEmail := f.newAdmin()
		dupEmail.Email = first.Email
		wantErr(t, f.s.CreateAdmin(f.ctx, dupEmail), store.ErrConflict)
		_, err := f.s.GetAdmin(f.ctx, dupEmail.ID)
		wantErr(t, err, store.ErrNotFound)
		dupID := f.newAdmin()
		dupID.ID = first.ID
		wantErr(t, f.s.CreateAdmin(f.ctx, dupID), store.ErrConflict)
		got, err := f.s.GetAdmin(f.ctx, first.ID)
		must(t, err)
		equal(t, "kept", got, first)
	})

	t.Run("list returns every admin in creation order", func(t *testing.T) {
		f := open(t)
		got, err := f.s.ListAdmins(f.ctx)
		must(t, err)
		equal(t, "empty list", got, nil)
		a1, a2, a3 := f.admin(), f.admin(), f.admin()
		got, err = f.s.ListAdmins(f.ctx)
		must(t, err)
		equal(t, "admins", got, []store.Admin{a1, a2, a3})
	})

	t.Run("update stores what fn leaves and returns what get returns", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		want := a
		want.Email, want.PasswordHash, want.UpdatedAt = "renamed@example.com", "$argon2id$new", at(1000)
		got, err := f.s.UpdateAdmin(f.ctx, a.ID, func(x *store.Admin) error {
			equal(t, "fn receives", *x, a)
			x.Email, x.PasswordHash, x.UpdatedAt = want.Email, want.PasswordHash, want.UpdatedAt
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetAdminByEmail(f.ctx, want.Email)
		must(t, err)
		equal(t, "stored", got, want)
		_, err = f.s.GetAdminByEmail(f.ctx, a.Email)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("update keeps the id and creation time", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		got, err := f.s.UpdateAdmin(f.ctx, a.ID, func(x *store.Admin) error {
			x.ID, x.CreatedAt = "adm_zzzzzzzzzzzzzzzz", at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, a)
	})

	t.Run("changing the email to a taken one conflicts and changes nothing", func(t *testing.T) {
		f := open(t)
		a, other := f.admin(), f.admin()
		_, err := f.s.UpdateAdmin(f.ctx, a.ID, func(x *store.Admin) error {
			x.Email, x.PasswordHash = other.Email, "changed"
			return nil
		})
		wantErr(t, err, store.ErrConflict)
		got, err := f.s.GetAdmin(f.ctx, a.ID)
		must(t, err)
		equal(t, "stored", got, a)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		_, err := f.s.UpdateAdmin(f.ctx, a.ID, func(x *store.Admin) error {
			x.PasswordHash = "changed"
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetAdmin(f.ctx, a.ID)
		must(t, err)
		equal(t, "stored", got, a)
	})

	t.Run("update of an unknown admin is not found and does not call fn", func(t *testing.T) {
		f := open(t)
		_, err := f.s.UpdateAdmin(f.ctx, "adm_nosuchadmin0000", func(*store.Admin) error {
			t.Error("update function called")
			return nil
		})
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("delete removes the admin and its sessions only", func(t *testing.T) {
		f := open(t)
		a, other := f.admin(), f.admin()
		gone1, gone2 := f.session(a.ID, at(100)), f.session(a.ID, at(200))
		kept := f.session(other.ID, at(100))

		must(t, f.s.DeleteAdmin(f.ctx, a.ID))
		_, err := f.s.GetAdmin(f.ctx, a.ID)
		wantErr(t, err, store.ErrNotFound)
		for _, sess := range []store.Session{gone1, gone2} {
			_, err := f.s.GetSession(f.ctx, sess.TokenHash, at(0))
			wantErr(t, err, store.ErrNotFound)
		}
		got, err := f.s.GetSession(f.ctx, kept.TokenHash, at(0))
		must(t, err)
		equal(t, "other admin's session", got, kept)
		admins, err := f.s.ListAdmins(f.ctx)
		must(t, err)
		equal(t, "admins", ids(admins, adminID), []string{other.ID})

		wantErr(t, f.s.DeleteAdmin(f.ctx, a.ID), store.ErrNotFound)
	})
}
