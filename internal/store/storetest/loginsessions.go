package storetest

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// hash is the SHA-256 of a secret named by what and a number not used before in this fixture.
func (f *fixture) hash(what string) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "%s %d", what, f.next()))
	return h[:]
}

func (f *fixture) newLoginSession(userID string, expires time.Time) store.LoginSession {
	n := f.next()
	return store.LoginSession{
		IDHash:        f.hash("login session"),
		UserID:        userID,
		ConnectionID:  "con_0000000000000000",
		AuthTime:      at(n),
		LastSeen:      at(n),
		CreatedAt:     at(n),
		ExpiresAt:     expires,
		IdleExpiresAt: expires,
	}
}

// loginSession creates a session that expires, absolutely and idly, at expires.
func (f *fixture) loginSession(userID string, expires time.Time) store.LoginSession {
	f.t.Helper()
	ls := f.newLoginSession(userID, expires)
	must(f.t, f.s.CreateLoginSession(f.ctx, ls))
	return ls
}

func testLoginSessions(t *testing.T, open opener) {
	t.Run("create then get before expiry returns every field", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		ls := f.newLoginSession(u.ID, inZone().Add(168*time.Hour))
		ls.ConnectionID, ls.AuthTime, ls.LastSeen, ls.CreatedAt = u.ConnectionID, inZone(), inZone().Add(time.Second), inZone()
		ls.IdleExpiresAt = inZone().Add(72 * time.Hour)
		must(t, f.s.CreateLoginSession(f.ctx, ls))
		want := ls
		want.AuthTime, want.LastSeen, want.CreatedAt = ls.AuthTime.UTC(), ls.LastSeen.UTC(), ls.CreatedAt.UTC()
		want.ExpiresAt, want.IdleExpiresAt = ls.ExpiresAt.UTC(), ls.IdleExpiresAt.UTC()
		got, err := f.s.GetLoginSession(f.ctx, ls.IDHash, inZone())
		must(t, err)
		equal(t, "session", got, want)
	})

	t.Run("a session is not found from the instant it expires, absolutely or idly", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		idle := f.newLoginSession(u.ID, at(1000))
		idle.IdleExpiresAt = at(100)
		absolute := f.newLoginSession(u.ID, at(100))
		absolute.IdleExpiresAt = at(1000)
		for _, ls := range []store.LoginSession{idle, absolute} {
			must(t, f.s.CreateLoginSession(f.ctx, ls))
			_, err := f.s.GetLoginSession(f.ctx, ls.IDHash, at(100).Add(-time.Millisecond))
			must(t, err)
			for _, now := range []time.Time{at(100), at(100).Add(time.Millisecond), at(2000)} {
				_, err := f.s.GetLoginSession(f.ctx, ls.IDHash, now)
				wantErr(t, err, store.ErrNotFound)
			}
		}
	})

	t.Run("touch moves last seen and the idle expiry of a live session only", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		ls := f.newLoginSession(u.ID, at(1000))
		ls.IdleExpiresAt = at(100)
		must(t, f.s.CreateLoginSession(f.ctx, ls))
		must(t, f.s.TouchLoginSession(f.ctx, ls.IDHash, at(90), at(190)))
		got, err := f.s.GetLoginSession(f.ctx, ls.IDHash, at(150))
		must(t, err)
		want := ls
		want.LastSeen, want.IdleExpiresAt = at(90), at(190)
		equal(t, "touched", got, want)

		wantErr(t, f.s.TouchLoginSession(f.ctx, ls.IDHash, at(190), at(290)), store.ErrNotFound) // idle
		wantErr(t, f.s.TouchLoginSession(f.ctx, f.hash("unknown"), at(0), at(100)), store.ErrNotFound)
		past := f.loginSession(u.ID, at(100))
		wantErr(t, f.s.TouchLoginSession(f.ctx, past.IDHash, at(100), at(2000)), store.ErrNotFound) // absolute
	})

	t.Run("create for an unknown user is not found, a taken hash conflicts", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		wantErr(t, f.s.CreateLoginSession(f.ctx, f.newLoginSession("auth0|nosuch", at(100))), store.ErrNotFound)
		first := f.loginSession(u.ID, at(100))
		dup := f.newLoginSession(u.ID, at(200))
		dup.IDHash = first.IDHash
		wantErr(t, f.s.CreateLoginSession(f.ctx, dup), store.ErrConflict)
		_, err := f.s.GetLoginSession(f.ctx, f.hash("unknown"), at(0))
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("delete one, all of a user's, and the expired ones", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		u, other := f.user(c.ID), f.user(c.ID)
		one, two, others := f.loginSession(u.ID, at(1000)), f.loginSession(u.ID, at(1000)), f.loginSession(other.ID, at(1000))
		must(t, f.s.DeleteLoginSession(f.ctx, one.IDHash))
		must(t, f.s.DeleteLoginSession(f.ctx, one.IDHash)) // gone already: no error
		_, err := f.s.GetLoginSession(f.ctx, one.IDHash, at(0))
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetLoginSession(f.ctx, two.IDHash, at(0))
		must(t, err)

		three := f.loginSession(u.ID, at(1000))
		must(t, f.s.DeleteUserLoginSessions(f.ctx, u.ID))
		must(t, f.s.DeleteUserLoginSessions(f.ctx, "auth0|\x00"))
		for _, ls := range []store.LoginSession{two, three} {
			_, err := f.s.GetLoginSession(f.ctx, ls.IDHash, at(0))
			wantErr(t, err, store.ErrNotFound)
		}
		_, err = f.s.GetLoginSession(f.ctx, others.IDHash, at(0))
		must(t, err)

		idle := f.newLoginSession(other.ID, at(1000))
		idle.IdleExpiresAt = at(100)
		must(t, f.s.CreateLoginSession(f.ctx, idle))
		absolute, live := f.loginSession(other.ID, at(100)), f.loginSession(other.ID, at(100).Add(time.Millisecond))
		must(t, f.s.DeleteExpiredLoginSessions(f.ctx, at(100)))
		for _, ls := range []store.LoginSession{idle, absolute} {
			_, err := f.s.GetLoginSession(f.ctx, ls.IDHash, at(0))
			wantErr(t, err, store.ErrNotFound)
		}
		for _, ls := range []store.LoginSession{others, live} {
			_, err := f.s.GetLoginSession(f.ctx, ls.IDHash, at(0))
			must(t, err)
		}
	})
}
