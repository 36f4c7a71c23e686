package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// newRefreshToken is the first token of a new family, issued at at(n), expiring absolutely 30 days and
// idly 15 days later.
func (f *fixture) newRefreshToken(clientID, userID, orgID string) store.RefreshToken {
	n := f.next()
	return store.RefreshToken{
		TokenHash:      f.hash("refresh token"),
		FamilyID:       fmt.Sprintf("rtf_%d", n),
		ClientID:       clientID,
		UserID:         userID,
		OrganizationID: orgID,
		Audience:       "https://api.example.com/",
		Scopes:         []string{"openid", "offline_access"},
		CreatedAt:      at(n),
		ExpiresAt:      at(n).Add(30 * 24 * time.Hour),
		IdleExpiresAt:  at(n).Add(15 * 24 * time.Hour),
	}
}

func (f *fixture) refreshToken(clientID, userID, orgID string) store.RefreshToken {
	f.t.Helper()
	t := f.newRefreshToken(clientID, userID, orgID)
	must(f.t, f.s.CreateRefreshToken(f.ctx, t))
	return t
}

// getRefreshToken reads a token, which must exist.
func (f *fixture) getRefreshToken(hash []byte) store.RefreshToken {
	f.t.Helper()
	t, err := f.s.GetRefreshToken(f.ctx, hash)
	must(f.t, err)
	return t
}

// rotate uses the token hash at now, with a fresh next token (returned), a leeway and an idle expiry
// an hour later.
func (f *fixture) rotate(hash []byte, now time.Time, leeway time.Duration) (store.RefreshToken, []byte, error) {
	next := f.hash("next refresh token")
	t, err := f.rotateTo(hash, next, now, leeway)
	return t, next, err
}

// rotateTo is rotate with the next token given, safe to call from several goroutines.
func (f *fixture) rotateTo(hash, next []byte, now time.Time, leeway time.Duration) (store.RefreshToken, error) {
	return f.s.RotateRefreshToken(f.ctx, store.RefreshTokenUse{TokenHash: hash, NextHash: next, Now: now,
		IdleExpiresAt: now.Add(time.Hour), Leeway: leeway})
}

func testRefreshTokens(t *testing.T, open opener) {
	t.Run("create then get returns every field", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		sess := f.loginSession(u, at(1000))
		tok := f.newRefreshToken(cl, u, o)
		tok.SessionIDHash, tok.CreatedAt = sess.IDHash, inZone()
		tok.ExpiresAt, tok.IdleExpiresAt = inZone().Add(time.Hour), inZone().Add(time.Minute)
		tok.Counter, tok.Used = 5, true // ignored
		must(t, f.s.CreateRefreshToken(f.ctx, tok))
		want := tok
		want.Counter, want.Used = 0, false
		want.CreatedAt, want.ExpiresAt, want.IdleExpiresAt = tok.CreatedAt.UTC(), tok.ExpiresAt.UTC(), tok.IdleExpiresAt.UTC()
		equal(t, "token", f.getRefreshToken(tok.TokenHash), want)
	})

	t.Run("a token without an organization, an audience, scopes or expiries", func(t *testing.T) {
		f := open(t)
		cl, u, _ := f.codeParties()
		tok := f.newRefreshToken(cl, u, "")
		tok.Audience, tok.Scopes, tok.ExpiresAt, tok.IdleExpiresAt = "", []string{}, time.Time{}, time.Time{}
		must(t, f.s.CreateRefreshToken(f.ctx, tok))
		tok.Scopes = nil
		equal(t, "token", f.getRefreshToken(tok.TokenHash), tok)
		_, _, err := f.rotate(tok.TokenHash, at(1_000_000_000), 0) // never expires
		must(t, err)
	})

	t.Run("create refuses unknown references, a taken family and a taken hash", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		for name, tok := range map[string]store.RefreshToken{
			"client":       f.newRefreshToken("nosuchclient", u, o),
			"user":         f.newRefreshToken(cl, "auth0|nosuch", o),
			"organization": f.newRefreshToken(cl, u, "org_nosuchorg000000"),
		} {
			if err := f.s.CreateRefreshToken(f.ctx, tok); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown %s: error %v, want %v", name, err, store.ErrNotFound)
			}
		}
		first := f.refreshToken(cl, u, o)
		sameFamily, sameHash := f.newRefreshToken(cl, u, o), f.newRefreshToken(cl, u, o)
		sameFamily.FamilyID, sameHash.TokenHash = first.FamilyID, first.TokenHash
		wantErr(t, f.s.CreateRefreshToken(f.ctx, sameFamily), store.ErrConflict)
		wantErr(t, f.s.CreateRefreshToken(f.ctx, sameHash), store.ErrConflict)
		_, err := f.s.GetRefreshToken(f.ctx, f.hash("unknown"))
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetRefreshToken(f.ctx, sameFamily.TokenHash)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("rotation: the used token is returned, the next one is current, the absolute expiry stays", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		tok := f.refreshToken(cl, u, o)
		now := tok.CreatedAt.Add(time.Minute)
		got, next, err := f.rotate(tok.TokenHash, now, 0)
		must(t, err)
		equal(t, "returned as presented", got, tok)

		used := tok
		used.Used, used.IdleExpiresAt = true, now.Add(time.Hour)
		equal(t, "the used token", f.getRefreshToken(tok.TokenHash), used)
		current := used
		current.TokenHash, current.Counter, current.Used, current.CreatedAt = next, 1, false, now
		equal(t, "the next token", f.getRefreshToken(next), current)

		got, next2, err := f.rotate(next, now.Add(time.Minute), 0)
		must(t, err)
		equal(t, "the second rotation returns", got.Counter, 1)
		equal(t, "the third token", f.getRefreshToken(next2).Counter, 2)
	})

	t.Run("without a next token the token stays current and its idle expiry moves", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		tok := f.refreshToken(cl, u, o)
		for i := range 3 {
			now := tok.IdleExpiresAt.Add(time.Duration(i) * 30 * time.Minute).Add(-time.Second)
			got, err := f.s.RotateRefreshToken(f.ctx, store.RefreshTokenUse{TokenHash: tok.TokenHash, Now: now, IdleExpiresAt: now.Add(time.Hour)})
			must(t, err)
			equal(t, "counter", got.Counter, 0)
		}
		got := f.getRefreshToken(tok.TokenHash)
		if got.Used || !got.IdleExpiresAt.Equal(tok.IdleExpiresAt.Add(2*time.Hour).Add(-time.Second)) {
			t.Errorf("after three uses: %s", show(got))
		}
	})

	t.Run("presenting a used token revokes the family and says so", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		tok := f.refreshToken(cl, u, o)
		other := f.refreshToken(cl, u, o)
		now := tok.CreatedAt.Add(time.Minute)
		_, next, err := f.rotate(tok.TokenHash, now, 0)
		must(t, err)
		_, latest, err := f.rotate(next, now.Add(time.Second), 0)
		must(t, err)

		_, _, err = f.rotate(tok.TokenHash, now.Add(2*time.Second), 0)
		var reuse *store.ReuseError
		if !errors.As(err, &reuse) || !errors.Is(err, store.ErrReused) {
			t.Fatalf("error %v, want a *store.ReuseError matching store.ErrReused", err)
		}
		equal(t, "reuse", *reuse, store.ReuseError{FamilyID: tok.FamilyID, LatestCounter: 2, TokenCounter: 0})
		for _, h := range [][]byte{tok.TokenHash, next, latest} {
			equal(t, "revoked at", f.getRefreshToken(h).RevokedAt, now.Add(2*time.Second))
		}
		_, _, err = f.rotate(latest, now.Add(3*time.Second), 0)
		wantErr(t, err, store.ErrNotFound)
		_, _, err = f.rotate(tok.TokenHash, now.Add(3*time.Second), 0) // revoked: no longer a reuse
		wantErr(t, err, store.ErrNotFound)
		equal(t, "another family", f.getRefreshToken(other.TokenHash).RevokedAt, time.Time{})
	})

	t.Run("within the leeway only the token just before the current one may be used again", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		tok := f.refreshToken(cl, u, o)
		t0 := tok.CreatedAt.Add(time.Minute)
		_, t1, err := f.rotate(tok.TokenHash, t0, 0)
		must(t, err)
		_, t2, err := f.rotate(t1, t0.Add(10*time.Second), 0)
		must(t, err)

		// t1 again, 5 s after t2 was issued, with a 10 s leeway: a new token in t2's place.
		got, t3, err := f.rotate(t1, t0.Add(15*time.Second), 10*time.Second)
		must(t, err)
		equal(t, "returned", got.Counter, 1)
		cur := f.getRefreshToken(t3)
		equal(t, "the new current token", []any{cur.Counter, cur.Used}, []any{3, false})
		equal(t, "t2, never received, is used", f.getRefreshToken(t2).Used, true)

		// tok is two behind: a reuse even within the leeway.
		_, _, err = f.rotate(tok.TokenHash, t0.Add(16*time.Second), time.Hour)
		var reuse *store.ReuseError
		if !errors.As(err, &reuse) {
			t.Fatalf("error %v, want a reuse", err)
		}
		equal(t, "reuse", *reuse, store.ReuseError{FamilyID: tok.FamilyID, LatestCounter: 3, TokenCounter: 0})
	})

	t.Run("past the leeway the token before the current one is a reuse", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		tok := f.refreshToken(cl, u, o)
		t0 := tok.CreatedAt.Add(time.Minute)
		_, _, err := f.rotate(tok.TokenHash, t0, 0)
		must(t, err)
		_, _, err = f.rotate(tok.TokenHash, t0.Add(10*time.Second), 10*time.Second) // the leeway's end
		wantErr(t, err, store.ErrReused)
	})

	t.Run("expired tokens are not found: absolutely, or idly for the current one", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		abs := f.newRefreshToken(cl, u, o)
		abs.ExpiresAt, abs.IdleExpiresAt = at(100), at(1000)
		idle := f.newRefreshToken(cl, u, o)
		idle.ExpiresAt, idle.IdleExpiresAt = at(1000), at(100)
		for _, tok := range []store.RefreshToken{abs, idle} {
			must(t, f.s.CreateRefreshToken(f.ctx, tok))
			for _, now := range []time.Time{at(100), at(5000)} {
				_, _, err := f.rotate(tok.TokenHash, now, 0)
				wantErr(t, err, store.ErrNotFound)
			}
			_, _, err := f.rotate(tok.TokenHash, at(100).Add(-time.Millisecond), 0)
			must(t, err)
		}
		_, _, err := f.rotate(abs.TokenHash, at(100), time.Hour) // used and past the family's expiry: not a reuse
		wantErr(t, err, store.ErrNotFound)
		equal(t, "not revoked", f.getRefreshToken(abs.TokenHash).RevokedAt, time.Time{})
		_, _, err = f.rotate(f.hash("unknown"), at(0), 0)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("of concurrent rotations of one token exactly one wins and the family is revoked", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		for round := range 5 {
			tok := f.refreshToken(cl, u, o)
			const users = 4
			errs := make([]error, users)
			nexts := make([][]byte, users)
			for i := range nexts {
				nexts[i] = f.hash("next refresh token")
			}
			var wg sync.WaitGroup
			for i := range users {
				wg.Go(func() { _, errs[i] = f.rotateTo(tok.TokenHash, nexts[i], tok.CreatedAt.Add(time.Second), 0) })
			}
			wg.Wait()
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
					_, _, err := f.rotate(nexts[i], tok.CreatedAt.Add(2*time.Second), 0)
					wantErr(t, err, store.ErrNotFound) // revoked by the losers' reuse
				case !errors.Is(err, store.ErrReused) && !errors.Is(err, store.ErrNotFound):
					t.Errorf("round %d, user %d: %v", round, i, err)
				}
			}
			equal(t, "winners", wins, 1)
			if f.getRefreshToken(tok.TokenHash).RevokedAt.IsZero() {
				t.Errorf("round %d: the family is not revoked", round)
			}
		}
	})

	t.Run("revoke a family, a user's, a user's in an organization", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		other := f.user(f.connection().ID)
		o2 := f.organization()
		fam, inOrg, inO2, personal, others := f.refreshToken(cl, u, o), f.refreshToken(cl, u, o), f.refreshToken(cl, u, o2.ID),
			f.refreshToken(cl, u, ""), f.refreshToken(cl, other.ID, o)
		revoked := func(tok store.RefreshToken) time.Time { return f.getRefreshToken(tok.TokenHash).RevokedAt }

		must(t, f.s.RevokeRefreshTokenFamily(f.ctx, fam.FamilyID, at(100)))
		must(t, f.s.RevokeRefreshTokenFamily(f.ctx, fam.FamilyID, at(200))) // revoked already: the first time stays
		must(t, f.s.RevokeRefreshTokenFamily(f.ctx, "nosuch", at(200)))
		equal(t, "family", revoked(fam), at(100))
		equal(t, "another family", revoked(inOrg), time.Time{})

		must(t, f.s.RevokeUserOrganizationRefreshTokens(f.ctx, u, o, at(300)))
		equal(t, "in the organization", revoked(inOrg), at(300))
		equal(t, "in another organization", revoked(inO2), time.Time{})
		equal(t, "personal", revoked(personal), time.Time{})
		equal(t, "another user's", revoked(others), time.Time{})

		must(t, f.s.RevokeUserRefreshTokens(f.ctx, u, at(400)))
		for _, tok := range []store.RefreshToken{inO2, personal} {
			equal(t, "the user's", revoked(tok), at(400))
		}
		equal(t, "another user's", revoked(others), time.Time{})
		must(t, f.s.RevokeUserRefreshTokens(f.ctx, "auth0|\x00", at(400)))
		must(t, f.s.RevokeUserOrganizationRefreshTokens(f.ctx, "auth0|\xff", "org_\x00", at(400)))
	})

	t.Run("delete expired removes the families expired or revoked by the cutoff", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		mk := func(expires, idle time.Time) store.RefreshToken {
			tok := f.newRefreshToken(cl, u, o)
			tok.ExpiresAt, tok.IdleExpiresAt = expires, idle
			must(t, f.s.CreateRefreshToken(f.ctx, tok))
			return tok
		}
		abs, idle, revoked, revokedLater := mk(at(100), at(1000)), mk(at(1000), at(100)), mk(at(1000), at(1000)), mk(at(1000), at(1000))
		live, forever := mk(at(100).Add(time.Millisecond), at(1000)), mk(time.Time{}, time.Time{})
		_, next, err := f.rotate(abs.TokenHash, at(50), 0)
		must(t, err)
		must(t, f.s.RevokeRefreshTokenFamily(f.ctx, revoked.FamilyID, at(100)))
		must(t, f.s.RevokeRefreshTokenFamily(f.ctx, revokedLater.FamilyID, at(101)))

		must(t, f.s.DeleteExpiredRefreshTokens(f.ctx, at(100)))
		for _, h := range [][]byte{abs.TokenHash, next, idle.TokenHash, revoked.TokenHash} {
			_, err := f.s.GetRefreshToken(f.ctx, h)
			wantErr(t, err, store.ErrNotFound)
		}
		for _, tok := range []store.RefreshToken{revokedLater, live, forever} {
			f.getRefreshToken(tok.TokenHash)
		}
	})

	t.Run("deleting the client or the user deletes the tokens", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		other := f.client().ClientID
		byClient, byUser := f.refreshToken(cl, f.user(f.connection().ID).ID, o), f.refreshToken(other, u, o)
		must(t, f.s.DeleteClient(f.ctx, cl))
		must(t, f.s.DeleteUser(f.ctx, u))
		for _, tok := range []store.RefreshToken{byClient, byUser} {
			_, err := f.s.GetRefreshToken(f.ctx, tok.TokenHash)
			wantErr(t, err, store.ErrNotFound)
		}
	})
}
