package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func testSigningKeys(t *testing.T, open opener) {
	t.Run("a new store has no keys", func(t *testing.T) {
		f := open(t)
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", len(keys), 0)
	})

	t.Run("inserted keys are listed in creation order with every field", func(t *testing.T) {
		f := open(t)
		current := f.newSigningKey("RS256", store.KeyCurrent)
		current.CreatedAt = inZone()
		next := f.newSigningKey("RS256", store.KeyNext)
		previous := f.newSigningKey("ES256", store.KeyPrevious)
		previous.RetiredAt = inZone().Add(time.Hour)
		for _, k := range []store.SigningKey{current, next, previous} {
			must(t, f.s.InsertSigningKey(f.ctx, k))
		}
		current.CreatedAt = current.CreatedAt.UTC()
		previous.RetiredAt = previous.RetiredAt.UTC()
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", keys, []store.SigningKey{current, next, previous})
	})

	t.Run("one current and one next key per algorithm", func(t *testing.T) {
		f := open(t)
		for _, k := range []store.SigningKey{
			f.newSigningKey("RS256", store.KeyCurrent),
			f.newSigningKey("RS256", store.KeyNext),
			f.newSigningKey("ES256", store.KeyCurrent),
			f.newSigningKey("ES256", store.KeyNext),
		} {
			must(t, f.s.InsertSigningKey(f.ctx, k))
		}
		for _, state := range []string{store.KeyCurrent, store.KeyNext} {
			wantErr(t, f.s.InsertSigningKey(f.ctx, f.newSigningKey("RS256", state)), store.ErrConflict)
		}
		for range 2 {
			must(t, f.s.InsertSigningKey(f.ctx, f.newSigningKey("RS256", store.KeyPrevious)))
		}
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", len(keys), 6)
	})

	t.Run("a taken kid conflicts", func(t *testing.T) {
		f := open(t)
		k := f.newSigningKey("RS256", store.KeyCurrent)
		must(t, f.s.InsertSigningKey(f.ctx, k))
		dup := f.newSigningKey("ES256", store.KeyPrevious)
		dup.KID = k.KID
		wantErr(t, f.s.InsertSigningKey(f.ctx, dup), store.ErrConflict)
	})

	t.Run("rotate retires current, promotes next and adds the new next", func(t *testing.T) {
		f := open(t)
		current, next := f.newSigningKey("RS256", store.KeyCurrent), f.newSigningKey("RS256", store.KeyNext)
		otherCurrent, otherNext := f.newSigningKey("ES256", store.KeyCurrent), f.newSigningKey("ES256", store.KeyNext)
		for _, k := range []store.SigningKey{current, next, otherCurrent, otherNext} {
			must(t, f.s.InsertSigningKey(f.ctx, k))
		}
		newNext := f.newSigningKey("RS256", "")
		now := inZone()
		must(t, f.s.RotateSigningKeys(f.ctx, "RS256", newNext, now))

		current.State, current.RetiredAt = store.KeyPrevious, now.UTC()
		next.State = store.KeyCurrent
		newNext.State = store.KeyNext
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", keys, []store.SigningKey{current, next, otherCurrent, otherNext, newNext})
	})

	t.Run("rotate without a current key promotes next", func(t *testing.T) {
		f := open(t)
		next := f.newSigningKey("RS256", store.KeyNext)
		must(t, f.s.InsertSigningKey(f.ctx, next))
		newNext := f.newSigningKey("RS256", store.KeyNext)
		must(t, f.s.RotateSigningKeys(f.ctx, "RS256", newNext, at(100)))
		next.State = store.KeyCurrent
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", keys, []store.SigningKey{next, newNext})
	})

	t.Run("rotate without a next key is not found and changes nothing", func(t *testing.T) {
		f := open(t)
		current := f.newSigningKey("RS256", store.KeyCurrent)
		otherNext := f.newSigningKey("ES256", store.KeyNext)
		must(t, f.s.InsertSigningKey(f.ctx, current))
		must(t, f.s.InsertSigningKey(f.ctx, otherNext))
		err := f.s.RotateSigningKeys(f.ctx, "RS256", f.newSigningKey("RS256", store.KeyNext), at(100))
		wantErr(t, err, store.ErrNotFound)
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", keys, []store.SigningKey{current, otherNext})
	})

	t.Run("rotate with a new key of another algorithm fails and changes nothing", func(t *testing.T) {
		f := open(t)
		current, next := f.newSigningKey("RS256", store.KeyCurrent), f.newSigningKey("RS256", store.KeyNext)
		must(t, f.s.InsertSigningKey(f.ctx, current))
		must(t, f.s.InsertSigningKey(f.ctx, next))
		if err := f.s.RotateSigningKeys(f.ctx, "RS256", f.newSigningKey("ES256", store.KeyNext), at(100)); err == nil {
			t.Fatal("rotate accepted a new key of another algorithm")
		}
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys", keys, []store.SigningKey{current, next})
	})

	t.Run("delete previous removes only previous keys retired before the time", func(t *testing.T) {
		f := open(t)
		cutoff := at(1000)
		retired := func(at time.Time) store.SigningKey {
			k := f.newSigningKey("RS256", store.KeyPrevious)
			k.RetiredAt = at
			return k
		}
		old, atCutoff, recent := retired(cutoff.Add(-time.Millisecond)), retired(cutoff), retired(cutoff.Add(time.Hour))
		current, next := f.newSigningKey("RS256", store.KeyCurrent), f.newSigningKey("RS256", store.KeyNext)
		for _, k := range []store.SigningKey{old, atCutoff, recent, current, next} {
			must(t, f.s.InsertSigningKey(f.ctx, k))
		}
		must(t, f.s.DeletePreviousSigningKeys(f.ctx, cutoff))
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "kept", ids(keys, keyID), []string{atCutoff.KID, recent.KID, current.KID, next.KID})
	})

	t.Run("trim keeps the most recently retired previous keys of each algorithm", func(t *testing.T) {
		f := open(t)
		retired := func(alg string, at time.Time) store.SigningKey {
			k := f.newSigningKey(alg, store.KeyPrevious)
			k.RetiredAt = at
			return k
		}
		// Inserted out of retirement order; the two retired at 300 tie, and the later inserted wins.
		rs100, rs300a, rs200, rs300b := retired("RS256", at(100)), retired("RS256", at(300)), retired("RS256", at(200)), retired("RS256", at(300))
		es100, es200 := retired("ES256", at(100)), retired("ES256", at(200))
		current, next := f.newSigningKey("RS256", store.KeyCurrent), f.newSigningKey("RS256", store.KeyNext)
		for _, k := range []store.SigningKey{rs100, rs300a, current, rs200, es100, rs300b, es200, next} {
			must(t, f.s.InsertSigningKey(f.ctx, k))
		}
		must(t, f.s.TrimPreviousSigningKeys(f.ctx, 2))
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "kept", ids(keys, keyID), []string{rs300a.KID, current.KID, es100.KID, rs300b.KID, es200.KID, next.KID})

		must(t, f.s.TrimPreviousSigningKeys(f.ctx, 0))
		keys, err = f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "kept", ids(keys, keyID), []string{current.KID, next.KID})
	})

	t.Run("reseal replaces the private keys it returns, all or none", func(t *testing.T) {
		f := open(t)
		a, b := f.newSigningKey("RS256", store.KeyCurrent), f.newSigningKey("ES256", store.KeyPrevious)
		b.RetiredAt = at(100)
		must(t, f.s.InsertSigningKey(f.ctx, a))
		must(t, f.s.InsertSigningKey(f.ctx, b))

		refused := errors.New("refused")
		err := f.s.ResealSigningKeys(f.ctx, func(k store.SigningKey) ([]byte, error) {
			if k.KID == b.KID {
				return nil, refused
			}
			return []byte("changed"), nil
		})
		wantErr(t, err, refused)
		keys, err := f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys after a refused reseal", keys, []store.SigningKey{a, b})

		var seen []store.SigningKey
		must(t, f.s.ResealSigningKeys(f.ctx, func(k store.SigningKey) ([]byte, error) {
			seen = append(seen, k)
			if k.KID == a.KID {
				return nil, nil
			}
			return append([]byte("sealed:"), k.PrivateKey...), nil
		}))
		equal(t, "keys reseal saw", seen, []store.SigningKey{a, b})
		b.PrivateKey = append([]byte("sealed:"), b.PrivateKey...)
		keys, err = f.s.ListSigningKeys(f.ctx)
		must(t, err)
		equal(t, "keys after reseal", keys, []store.SigningKey{a, b})
	})
}
