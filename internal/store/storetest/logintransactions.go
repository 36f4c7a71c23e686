package storetest

import (
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newLoginTransaction(expires int) store.LoginTransaction {
	n := f.next()
	return store.LoginTransaction{IDHash: f.hash("transaction"), BrowserHash: f.hash("browser"),
		Data: []byte(`{"client_id":"web"}`), CreatedAt: at(n), ExpiresAt: at(expires)}
}

func testLoginTransactions(t *testing.T, open opener) {
	t.Run("create, get, update, delete", func(t *testing.T) {
		f := open(t)
		tx := f.newLoginTransaction(1000)
		must(t, f.s.CreateLoginTransaction(f.ctx, tx))
		got, err := f.s.GetLoginTransaction(f.ctx, tx.IDHash, at(0))
		must(t, err)
		equal(t, "transaction", got, tx)
		wantErr(t, f.s.CreateLoginTransaction(f.ctx, tx), store.ErrConflict)

		must(t, f.s.UpdateLoginTransaction(f.ctx, tx.IDHash, []byte(`{"step":2}`), at(0)))
		got, err = f.s.GetLoginTransaction(f.ctx, tx.IDHash, at(0))
		must(t, err)
		equal(t, "data after the update", string(got.Data), `{"step":2}`)

		must(t, f.s.DeleteLoginTransaction(f.ctx, tx.IDHash))
		_, err = f.s.GetLoginTransaction(f.ctx, tx.IDHash, at(0))
		wantErr(t, err, store.ErrNotFound)
		must(t, f.s.DeleteLoginTransaction(f.ctx, tx.IDHash)) // again: no error
		wantErr(t, f.s.UpdateLoginTransaction(f.ctx, tx.IDHash, []byte(`{}`), at(0)), store.ErrNotFound)
	})

	t.Run("a transaction is gone from the instant it expires; the expired ones are deleted", func(t *testing.T) {
		f := open(t)
		old, live := f.newLoginTransaction(100), f.newLoginTransaction(200)
		must(t, f.s.CreateLoginTransaction(f.ctx, old))
		must(t, f.s.CreateLoginTransaction(f.ctx, live))
		_, err := f.s.GetLoginTransaction(f.ctx, old.IDHash, at(100))
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.UpdateLoginTransaction(f.ctx, old.IDHash, []byte(`{}`), at(100)), store.ErrNotFound)
		must(t, f.s.DeleteExpiredLoginTransactions(f.ctx, at(150)))
		_, err = f.s.GetLoginTransaction(f.ctx, old.IDHash, at(0))
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetLoginTransaction(f.ctx, live.IDHash, at(150))
		must(t, err)
	})

	t.Run("writes bump no version", func(t *testing.T) {
		f := open(t)
		before := f.version()
		tx := f.newLoginTransaction(1000)
		must(t, f.s.CreateLoginTransaction(f.ctx, tx))
		must(t, f.s.UpdateLoginTransaction(f.ctx, tx.IDHash, []byte(`{}`), at(0)))
		must(t, f.s.DeleteLoginTransaction(f.ctx, tx.IDHash))
		equal(t, "version", f.version(), before)
	})
}
