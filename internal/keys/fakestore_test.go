package keys

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// fakeStore keeps signing keys in memory with the rules of store.Store: one current and one next key per
// algorithm (ErrConflict), rotation needs a next key (ErrNotFound).
type fakeStore struct {
	mu        sync.Mutex
	keys      []store.SigningKey
	lists     int // ListSigningKeys calls
	deletes   int // DeletePreviousSigningKeys calls
	conflicts int // inserts refused with ErrConflict
	// afterList, when set, runs after every ListSigningKeys, outside the lock.
	afterList func()
}

var _ KeyStore = (*fakeStore)(nil)

func (f *fakeStore) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	f.mu.Lock()
	f.lists++
	out := make([]store.SigningKey, len(f.keys))
	for i, k := range f.keys {
		k.PrivateKey = slices.Clone(k.PrivateKey)
		out[i] = k
	}
	f.mu.Unlock()
	if f.afterList != nil {
		f.afterList()
	}
	return out, nil
}

func (f *fakeStore) InsertSigningKey(ctx context.Context, k store.SigningKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.insertLocked(k); err != nil {
		f.conflicts++
		return err
	}
	return nil
}

func (f *fakeStore) insertLocked(k store.SigningKey) error {
	for _, old := range f.keys {
		if old.KID == k.KID {
			return fmt.Errorf("insert key %s: %w", k.KID, store.ErrConflict)
		}
		if k.State != store.KeyPrevious && old.Alg == k.Alg && old.State == k.State {
			return fmt.Errorf("insert %s %s key: %w", k.State, k.Alg, store.ErrConflict)
		}
	}
	k.PrivateKey = slices.Clone(k.PrivateKey)
	f.keys = append(f.keys, k)
	return nil
}

func (f *fakeStore) RotateSigningKeys(ctx context.Context, alg string, newNext store.SigningKey, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := slices.IndexFunc(f.keys, func(k store.SigningKey) bool { return k.Alg == alg && k.State == store.KeyNext })
	if next < 0 {
		return fmt.Errorf("rotate %s: %w", alg, store.ErrNotFound)
	}
	saved := slices.Clone(f.keys)
	for i := range f.keys {
		if f.keys[i].Alg == alg && f.keys[i].State == store.KeyCurrent {
			f.keys[i].State = store.KeyPrevious
			f.keys[i].RetiredAt = now
		}
	}
	f.keys[next].State = store.KeyCurrent
	if err := f.insertLocked(newNext); err != nil {
		f.keys = saved
		return err
	}
	return nil
}

func (f *fakeStore) DeletePreviousSigningKeys(ctx context.Context, retiredBefore time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	f.keys = slices.DeleteFunc(f.keys, func(k store.SigningKey) bool {
		return k.State == store.KeyPrevious && k.RetiredAt.Before(retiredBefore)
	})
	return nil
}

func (f *fakeStore) TrimPreviousSigningKeys(ctx context.Context, keep int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	// Newest retirement first; among equal ones, the later inserted first.
	order := make([]int, 0, len(f.keys))
	for i := range f.keys {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := f.keys[b].RetiredAt.Compare(f.keys[a].RetiredAt); c != 0 {
			return c
		}
		return b - a
	})
	drop := map[int]bool{}
	count := map[string]int{}
	for _, i := range order {
		if k := f.keys[i]; k.State == store.KeyPrevious {
			count[k.Alg]++
			drop[i] = count[k.Alg] > keep
		}
	}
	var kept []store.SigningKey
	for i, k := range f.keys {
		if !drop[i] {
			kept = append(kept, k)
		}
	}
	f.keys = kept
	return nil
}

func (f *fakeStore) ResealSigningKeys(ctx context.Context, reseal func(store.SigningKey) ([]byte, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	resealed := slices.Clone(f.keys)
	for i, k := range resealed {
		k.PrivateKey = slices.Clone(k.PrivateKey)
		sealed, err := reseal(k)
		if err != nil {
			return err
		}
		if sealed != nil {
			resealed[i].PrivateKey = slices.Clone(sealed)
		}
	}
	f.keys = resealed
	return nil
}

// stored returns the keys of alg in state.
func (f *fakeStore) stored(alg, state string) []store.SigningKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.SigningKey
	for _, k := range f.keys {
		if k.Alg == alg && k.State == state {
			out = append(out, k)
		}
	}
	return out
}
