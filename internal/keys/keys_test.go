package keys

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func TestOpen(t *testing.T) {
	t.Run("creates a current and a next key for every algorithm", func(t *testing.T) {
		st := &fakeStore{}
		clk := newClock()
		m := open(t, st, clk)

		infos := m.Keys()
		if len(infos) != 6 {
			t.Fatalf("Keys() = %d keys, want 6: %+v", len(infos), infos)
		}
		for _, alg := range Algorithms() {
			for _, state := range []string{store.KeyCurrent, store.KeyNext} {
				got := st.stored(alg, state)
				if len(got) != 1 {
					t.Fatalf("store has %d %s %s keys, want 1", len(got), state, alg)
				}
				if !got[0].CreatedAt.Equal(clk.Now()) {
					t.Errorf("%s %s key created at %v, want %v", state, alg, got[0].CreatedAt, clk.Now())
				}
				if want := kids(infos, state)[alg]; !slices.Equal(want, []string{got[0].KID}) {
					t.Errorf("Keys() lists %s %s kids %v, store has %s", state, alg, want, got[0].KID)
				}
			}
		}
	})

	t.Run("reuses the stored keys after a restart", func(t *testing.T) {
		st := seededStore(t)
		clk := newClock()
		before := open(t, st, clk)
		token := sign(t, before, ES256, claimsAt(t, clk.Now(), nil))

		after := open(t, st, clk)
		if !slices.EqualFunc(before.Keys(), after.Keys(), KeyInfo.equal) {
			t.Errorf("keys changed across restart:\nbefore %+v\nafter  %+v", before.Keys(), after.Keys())
		}
		if len(st.keys) != 6 {
			t.Errorf("store holds %d keys after restart, want 6", len(st.keys))
		}
		if _, err := verify(after, token, testIssuer, testAudience); err != nil {
			t.Errorf("token signed before the restart does not verify after it: %v", err)
		}
	})

	t.Run("two instances racing on an empty store share one key per algorithm and state", func(t *testing.T) {
		st := &fakeStore{}
		// Hold both instances after their first read until both have seen the empty store.
		var lists atomic.Int32
		bothListed := make(chan struct{})
		st.afterList = func() {
			if lists.Add(1) == 2 {
				close(bothListed)
			}
			<-bothListed
		}
		clk := newClock()
		var wg sync.WaitGroup
		ms := make([]*Manager, 2)
		errs := make([]error, 2)
		for i := range ms {
			wg.Go(func() { ms[i], errs[i] = Open(context.Background(), st, Options{KEK: testKEK, Now: clk.Now}) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("Open: %v", err)
		}

		if st.conflicts != 6 {
			t.Errorf("store refused %d inserts, want 6 (one loser per key)", st.conflicts)
		}
		for _, alg := range Algorithms() {
			for _, state := range []string{store.KeyCurrent, store.KeyNext} {
				if n := len(st.stored(alg, state)); n != 1 {
					t.Errorf("store has %d %s %s keys, want 1", n, state, alg)
				}
			}
		}
		if !slices.EqualFunc(ms[0].Keys(), ms[1].Keys(), KeyInfo.equal) {
			t.Errorf("instances disagree:\n%+v\n%+v", ms[0].Keys(), ms[1].Keys())
		}
		token := sign(t, ms[0], RS256, claimsAt(t, clk.Now(), nil))
		if _, err := verify(ms[1], token, testIssuer, testAudience); err != nil {
			t.Errorf("one instance's token does not verify on the other: %v", err)
		}
	})

	t.Run("refuses a stored key whose kid is not its thumbprint", func(t *testing.T) {
		st := seededStore(t)
		st.keys[0].KID = "not-the-thumbprint"
		if _, err := Open(context.Background(), st, Options{KEK: testKEK}); err == nil {
			t.Fatal("Open accepted a key with a forged kid")
		}
	})

	t.Run("refuses a negative retention", func(t *testing.T) {
		if _, err := Open(context.Background(), seededStore(t), Options{KEK: testKEK, Retain: -time.Second}); err == nil {
			t.Fatal("Open accepted a negative retention")
		}
	})
}

func TestReload(t *testing.T) {
	t.Run("costs one read and no write when nothing changed", func(t *testing.T) {
		st := seededStore(t)
		m := open(t, st, newClock())
		snap, lists := m.snap.Load(), st.lists

		if err := m.Reload(context.Background()); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		if st.lists-lists != 1 || st.deletes != 0 || st.conflicts != 0 {
			t.Errorf("Reload made %d reads, %d deletes, %d inserts; want 1, 0, 0", st.lists-lists, st.deletes, st.conflicts)
		}
		if m.snap.Load() != snap {
			t.Error("Reload replaced an unchanged snapshot")
		}
	})

	t.Run("picks up another instance's rotation without re-parsing known keys", func(t *testing.T) {
		st := seededStore(t)
		clk := newClock()
		a, b := open(t, st, clk), open(t, st, clk)
		oldCurrent := b.snap.Load().current[RS256]
		oldNext := b.snap.Load().keys[kids(b.Keys(), store.KeyNext)[RS256][0]]

		if err := a.Rotate(context.Background()); err != nil {
			t.Fatalf("Rotate: %v", err)
		}
		if err := b.Reload(context.Background()); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		if !slices.EqualFunc(a.Keys(), b.Keys(), KeyInfo.equal) {
			t.Fatalf("instances disagree after reload:\n%+v\n%+v", a.Keys(), b.Keys())
		}
		s := b.snap.Load()
		if s.current[RS256] != oldNext {
			t.Error("the promoted key was parsed again instead of reused")
		}
		if s.keys[oldCurrent.kid] != oldCurrent {
			t.Error("the retired key was parsed again instead of reused")
		}
	})

	t.Run("keeps the keys in use when the store holds a broken key", func(t *testing.T) {
		st := seededStore(t)
		clk := newClock()
		m := open(t, st, clk)
		snap := m.snap.Load()
		st.mu.Lock()
		st.keys = append(st.keys, store.SigningKey{
			KID: "broken", Alg: RS256, PrivateKey: []byte("junk"), State: store.KeyPrevious,
			CreatedAt: clk.Now(), RetiredAt: clk.Now(),
		})
		st.mu.Unlock()

		if err := m.Reload(context.Background()); err == nil {
			t.Error("Reload accepted an unparsable key")
		}
		if m.snap.Load() != snap {
			t.Error("a failed Reload replaced the keys in use")
		}
	})
}

func TestRotate(t *testing.T) {
	st := seededStore(t)
	clk := newClock()
	m := open(t, st, clk)
	before := m.Keys()
	jwksBefore := jwksKIDs(t, m.JWKS())
	tokens := map[string]string{}
	for _, alg := range Algorithms() {
		tokens[alg] = sign(t, m, alg, claimsAt(t, clk.Now(), nil))
	}

	clk.Advance(time.Minute)
	if err := m.Rotate(context.Background()); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	after := m.Keys()
	jwksAfter := jwksKIDs(t, m.JWKS())

	for _, alg := range Algorithms() {
		oldCurrent, oldNext := kids(before, store.KeyCurrent)[alg][0], kids(before, store.KeyNext)[alg][0]
		newCurrent, newNext := kids(after, store.KeyCurrent)[alg][0], kids(after, store.KeyNext)[alg][0]
		if newCurrent != oldNext {
			t.Errorf("%s: current is %s, want the former next key %s", alg, newCurrent, oldNext)
		}
		if !slices.Contains(jwksBefore, newCurrent) {
			t.Errorf("%s: new current key %s was not published before the rotation", alg, newCurrent)
		}
		if got := kids(after, store.KeyPrevious)[alg]; !slices.Equal(got, []string{oldCurrent}) {
			t.Errorf("%s: previous keys %v, want [%s]", alg, got, oldCurrent)
		}
		if !slices.Contains(jwksAfter, oldCurrent) || !slices.Contains(jwksAfter, newNext) {
			t.Errorf("%s: JWKS after rotation %v lacks the old current %s or the new next %s", alg, jwksAfter, oldCurrent, newNext)
		}
		if slices.Contains(jwksBefore, newNext) {
			t.Errorf("%s: next key %s is not new", alg, newNext)
		}

		if _, err := verify(m, tokens[alg], testIssuer, testAudience); err != nil {
			t.Errorf("%s token signed before rotation no longer verifies: %v", alg, err)
		}
		verifyWithJWKS(t, m.JWKS(), tokens[alg])
		token := sign(t, m, alg, claimsAt(t, clk.Now(), nil))
		if kid := tokenKID(t, token); kid != newCurrent {
			t.Errorf("%s token signed with %s after rotation, want %s", alg, kid, newCurrent)
		}
	}
	for _, k := range after {
		if k.State == store.KeyPrevious && !k.RetiredAt.Equal(clk.Now()) {
			t.Errorf("key %s retired at %v, want %v", k.KID, k.RetiredAt, clk.Now())
		}
	}
}

func TestPrune(t *testing.T) {
	st := seededStore(t)
	clk := newClock()
	const retain = 2 * time.Hour
	m, err := Open(context.Background(), st, Options{KEK: testKEK, Now: clk.Now, Retain: retain})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	retired := kids(m.Keys(), store.KeyCurrent)
	if err := m.Rotate(context.Background()); err != nil {
		t.Fatalf("Rotate: %v", err)
	}

	clk.Advance(retain - time.Second)
	if err := m.Reload(context.Background()); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	for alg, kid := range retired {
		if !slices.Contains(jwksKIDs(t, m.JWKS()), kid[0]) {
			t.Errorf("%s key %s left the JWKS before the retention period ended", alg, kid[0])
		}
	}

	clk.Advance(2 * time.Second)
	if err := m.Reload(context.Background()); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	published := jwksKIDs(t, m.JWKS())
	for alg, kid := range retired {
		if slices.Contains(published, kid[0]) {
			t.Errorf("%s key %s is still published after the retention period", alg, kid[0])
		}
		if n := len(st.stored(alg, store.KeyPrevious)); n != 0 {
			t.Errorf("store still holds %d previous %s keys", n, alg)
		}
	}
	if len(published) != 6 {
		t.Errorf("JWKS has %d keys after pruning, want 6 (current and next per algorithm)", len(published))
	}
}
