package storetest

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newSession(adminID string, expires time.Time) store.Session {
	n := f.next()
	hash := sha256.Sum256([]byte(fmt.Sprintf("session token %d", n)))
	return store.Session{
		TokenHash: hash[:],
		AdminID:   adminID,
		CSRFToken: fmt.Sprintf("csrf%d", n),
		CreatedAt: at(n),
		ExpiresAt: expires,
	}
}

func (f *fixture) session(adminID string, expires time.Time) store.Session {
	f.t.Helper()
	sess := f.newSession(adminID, expires)
	must(f.t, f.s.CreateSession(f.ctx, sess))
	return sess
}

func testSessions(t *testing.T, open opener) {
	t.Run("create then get before expiry returns every field", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		sess := f.newSession(a.ID, inZone().Add(time.Hour))
		sess.CreatedAt = inZone()
		must(t, f.s.CreateSession(f.ctx, sess))
		want := sess
		want.CreatedAt, want.ExpiresAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC()
		got, err := f.s.GetSession(f.ctx, sess.TokenHash, inZone())
		must(t, err)
		equal(t, "session", got, want)
	})

	t.Run("a session is not found from the instant it expires", func(t *testing.T) {
		f := open(t)
		sess := f.session(f.admin().ID, at(100))
		_, err := f.s.GetSession(f.ctx, sess.TokenHash, at(100).Add(-time.Millisecond))
		must(t, err)
		for _, now := range []time.Time{at(100), at(100).Add(time.Millisecond), at(1000)} {
			_, err := f.s.GetSession(f.ctx, sess.TokenHash, now)
			wantErr(t, err, store.ErrNotFound)
		}
	})

	t.Run("an unknown token hash is not found", func(t *testing.T) {
		f := open(t)
		f.session(f.admin().ID, at(100))
		unknown := sha256.Sum256([]byte("unknown"))
		_, err := f.s.GetSession(f.ctx, unknown[:], at(0))
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("create for an unknown admin is not found", func(t *testing.T) {
		f := open(t)
		sess := f.newSession("adm_nosuchadmin0000", at(100))
		wantErr(t, f.s.CreateSession(f.ctx, sess), store.ErrNotFound)
		_, err := f.s.GetSession(f.ctx, sess.TokenHash, at(0))
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("create with a taken token hash conflicts", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		first := f.session(a.ID, at(100))
		dup := f.newSession(a.ID, at(200))
		dup.TokenHash = first.TokenHash
		wantErr(t, f.s.CreateSession(f.ctx, dup), store.ErrConflict)
		got, err := f.s.GetSession(f.ctx, first.TokenHash, at(0))
		must(t, err)
		equal(t, "kept", got, first)
	})

	t.Run("delete removes only that session and deleting a missing one is no error", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		gone, kept := f.session(a.ID, at(100)), f.session(a.ID, at(100))
		must(t, f.s.DeleteSession(f.ctx, gone.TokenHash))
		_, err := f.s.GetSession(f.ctx, gone.TokenHash, at(0))
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetSession(f.ctx, kept.TokenHash, at(0))
		must(t, err)
		must(t, f.s.DeleteSession(f.ctx, gone.TokenHash))
	})

	t.Run("delete expired removes the sessions expired at now and keeps the others", func(t *testing.T) {
		f := open(t)
		a := f.admin()
		old, atNow, live := f.session(a.ID, at(50)), f.session(a.ID, at(100)), f.session(a.ID, at(100).Add(time.Millisecond))
		must(t, f.s.DeleteExpiredSessions(f.ctx, at(100)))
		// Asking at an earlier time tells a deleted session from an expired one.
		for _, sess := range []store.Session{old, atNow} {
			_, err := f.s.GetSession(f.ctx, sess.TokenHash, at(0))
			wantErr(t, err, store.ErrNotFound)
		}
		got, err := f.s.GetSession(f.ctx, live.TokenHash, at(0))
		must(t, err)
		equal(t, "live session", got, live)
		_, err = f.s.GetAdmin(f.ctx, a.ID)
		must(t, err)
	})
}
