package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// newCode is a code issued at at(n), valid 60 s.
func (f *fixture) newCode(clientID, userID, orgID string) store.AuthorizationCode {
	n := f.next()
	return store.AuthorizationCode{
		CodeHash:       f.hash("code"),
		ClientID:       clientID,
		RedirectURI:    "https://app.example.com/callback",
		UserID:         userID,
		OrganizationID: orgID,
		Scopes:         []string{"openid", "offline_access"},
		AuthTime:       at(n),
		CreatedAt:      at(n),
		ExpiresAt:      at(n).Add(time.Minute),
	}
}

func (f *fixture) code(clientID, userID, orgID string) store.AuthorizationCode {
	f.t.Helper()
	c := f.newCode(clientID, userID, orgID)
	must(f.t, f.s.CreateAuthorizationCode(f.ctx, c))
	return c
}

// codeParties creates a client, a user and an organization the user is a member of.
func (f *fixture) codeParties() (client, user, org string) {
	f.t.Helper()
	o := f.organization()
	u := f.user(f.connection().ID)
	f.addMembers(o.ID, u.ID)
	return f.client().ClientID, u.ID, o.ID
}

func testAuthorizationCodes(t *testing.T, open opener) {
	t.Run("the first redemption returns every field and records when and the family", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		sess := f.loginSession(u, at(1000))
		c := store.AuthorizationCode{
			CodeHash:            f.hash("code"),
			ClientID:            cl,
			RedirectURI:         "https://app.example.com/callback",
			CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
			CodeChallengeMethod: "S256",
			UserID:              u,
			SessionIDHash:       sess.IDHash,
			OrganizationID:      o,
			Audience:            "https://api.example.com/",
			Scopes:              []string{"openid", "profile", "read:things"},
			Nonce:               "n-0S6_WzA2Mj",
			AuthTime:            inZone().Add(-time.Minute),
			CreatedAt:           inZone(),
			ExpiresAt:           inZone().Add(time.Minute),
		}
		must(t, f.s.CreateAuthorizationCode(f.ctx, c))
		got, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, inZone().Add(time.Second), "family-1")
		must(t, err)
		want := c
		want.AuthTime, want.CreatedAt, want.ExpiresAt = c.AuthTime.UTC(), c.CreatedAt.UTC(), c.ExpiresAt.UTC()
		want.UsedAt, want.FamilyID = inZone().Add(time.Second).UTC(), "family-1"
		equal(t, "redeemed", got, want)
	})

	t.Run("optional fields read back empty", func(t *testing.T) {
		f := open(t)
		cl, u, _ := f.codeParties()
		c := f.newCode(cl, u, "")
		c.Scopes = []string{}
		must(t, f.s.CreateAuthorizationCode(f.ctx, c))
		got, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "")
		must(t, err)
		c.Scopes, c.UsedAt = nil, c.CreatedAt
		equal(t, "redeemed", got, c)
	})

	t.Run("a second redemption is a reuse that returns the code and revokes its family", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		c := f.code(cl, u, o)
		_, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt.Add(time.Second), "fam-1")
		must(t, err)
		tok := f.newRefreshToken(cl, u, o)
		tok.FamilyID = "fam-1"
		must(t, f.s.CreateRefreshToken(f.ctx, tok))
		for _, now := range []time.Time{c.CreatedAt.Add(2 * time.Second), c.ExpiresAt.Add(time.Hour)} { // expired too
			got, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, now, "fam-2")
			wantErr(t, err, store.ErrReused)
			equal(t, "family of the first redemption", got.FamilyID, "fam-1")
			equal(t, "first use", got.UsedAt, c.CreatedAt.Add(time.Second))
		}
		got, err := f.s.GetRefreshToken(f.ctx, tok.TokenHash)
		must(t, err)
		equal(t, "family revoked at the first reuse", got.RevokedAt, c.CreatedAt.Add(2*time.Second))
		_, err = f.s.RotateRefreshToken(f.ctx, store.RefreshTokenUse{TokenHash: tok.TokenHash, NextHash: f.hash("next"), Now: c.CreatedAt.Add(3 * time.Second)})
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("a reuse before the family started makes it unstartable", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		c := f.code(cl, u, o)
		_, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "fam-1")
		must(t, err)
		_, err = f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "fam-2")
		wantErr(t, err, store.ErrReused)
		tok := f.newRefreshToken(cl, u, o)
		tok.FamilyID = "fam-1"
		wantErr(t, f.s.CreateRefreshToken(f.ctx, tok), store.ErrConflict)
		_, err = f.s.GetRefreshToken(f.ctx, tok.TokenHash)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("a reuse of a code redeemed without a family revokes nothing", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		c := f.code(cl, u, o)
		_, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "")
		must(t, err)
		got, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "fam")
		wantErr(t, err, store.ErrReused)
		equal(t, "family", got.FamilyID, "")
	})

	t.Run("an unknown code, or an unused one from the instant it expires, is not found", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		c := f.code(cl, u, o)
		_, err := f.s.RedeemAuthorizationCode(f.ctx, f.hash("unknown"), c.CreatedAt, "fam")
		wantErr(t, err, store.ErrNotFound)
		for _, now := range []time.Time{c.ExpiresAt, c.ExpiresAt.Add(time.Hour)} {
			_, err = f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, now, "fam")
			wantErr(t, err, store.ErrNotFound)
		}
		_, err = f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.ExpiresAt.Add(-time.Millisecond), "fam")
		must(t, err)
	})

	t.Run("create refuses unknown references and a taken hash", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		for name, c := range map[string]store.AuthorizationCode{
			"client":       f.newCode("nosuchclient", u, o),
			"user":         f.newCode(cl, "auth0|nosuch", o),
			"organization": f.newCode(cl, u, "org_nosuchorg000000"),
		} {
			if err := f.s.CreateAuthorizationCode(f.ctx, c); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown %s: error %v, want %v", name, err, store.ErrNotFound)
			}
		}
		first := f.code(cl, u, o)
		dup := f.newCode(cl, u, "")
		dup.CodeHash = first.CodeHash
		wantErr(t, f.s.CreateAuthorizationCode(f.ctx, dup), store.ErrConflict)
	})

	t.Run("of concurrent redemptions exactly one wins, the others are reuses", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		for round := range 5 {
			c := f.code(cl, u, o)
			const redeemers = 4
			errs := make([]error, redeemers)
			var wg sync.WaitGroup
			for i := range redeemers {
				wg.Go(func() { _, errs[i] = f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "fam") })
			}
			wg.Wait()
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, store.ErrReused):
					t.Errorf("round %d, redeemer %d: %v", round, i, err)
				}
			}
			equal(t, "winners", wins, 1)
		}
	})

	t.Run("delete expired removes the codes expired by the cutoff, used or not", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		used, unused, live := f.newCode(cl, u, o), f.newCode(cl, u, o), f.newCode(cl, u, o)
		used.ExpiresAt, unused.ExpiresAt, live.ExpiresAt = at(100), at(100), at(100).Add(time.Millisecond)
		for _, c := range []store.AuthorizationCode{used, unused, live} {
			must(t, f.s.CreateAuthorizationCode(f.ctx, c))
		}
		_, err := f.s.RedeemAuthorizationCode(f.ctx, used.CodeHash, at(0), "fam")
		must(t, err)
		must(t, f.s.DeleteExpiredAuthorizationCodes(f.ctx, at(100)))
		for _, c := range []store.AuthorizationCode{used, unused} {
			_, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, at(0), "fam")
			wantErr(t, err, store.ErrNotFound)
		}
		_, err = f.s.RedeemAuthorizationCode(f.ctx, live.CodeHash, at(0), "fam")
		must(t, err)
	})

	t.Run("deleting the client deletes its codes", func(t *testing.T) {
		f := open(t)
		cl, u, o := f.codeParties()
		c := f.code(cl, u, o)
		must(t, f.s.DeleteClient(f.ctx, cl))
		_, err := f.s.RedeemAuthorizationCode(f.ctx, c.CodeHash, c.CreatedAt, "fam")
		wantErr(t, err, store.ErrNotFound)
	})
}
