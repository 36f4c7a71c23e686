package tenant

import (
	"hash/maphash"
	"iter"
)

// cowShards is the number of shards of a cowMap: a change copies about 1/cowShards of its entries.
const cowShards = 256

// cowMap is an immutable map from strings to V, for the snapshots of the tenant. Editing it yields a new
// map that shares every shard but the changed ones with the old one: a change to one entry of a map of
// n entries copies about n/cowShards of them, and readers of the old map are never disturbed. The zero
// value is an empty map.
type cowMap[V any] struct {
	seed   maphash.Seed
	shards *[cowShards]map[string]V
	n      int
}

func (m cowMap[V]) shard(key string) int {
	return int(maphash.String(m.seed, key) % cowShards)
}

// get returns the value of key.
func (m cowMap[V]) get(key string) (V, bool) {
	if m.shards == nil {
		var zero V
		return zero, false
	}
	v, ok := m.shards[m.shard(key)][key]
	return v, ok
}

// len returns the number of entries.
func (m cowMap[V]) len() int { return m.n }

// all yields every entry, in no particular order.
func (m cowMap[V]) all() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if m.shards == nil {
			return
		}
		for _, s := range m.shards {
			for k, v := range s {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// cowEdit collects changes to a cowMap; each shard is copied at most once per edit.
type cowEdit[V any] struct {
	m      cowMap[V]
	copied [cowShards]bool
}

// edit starts a new version of m; m itself never changes.
func (m cowMap[V]) edit() *cowEdit[V] {
	e := &cowEdit[V]{m: m}
	if m.shards == nil {
		e.m.seed = maphash.MakeSeed()
		e.m.shards = new([cowShards]map[string]V)
		return e
	}
	shards := *m.shards // the array of shard pointers is copied; the shards are shared until written
	e.m.shards = &shards
	return e
}

// writable returns key's shard, copied on its first write in this edit.
func (e *cowEdit[V]) writable(key string) map[string]V {
	i := e.m.shard(key)
	if !e.copied[i] {
		old := e.m.shards[i]
		s := make(map[string]V, len(old)+1)
		for k, v := range old {
			s[k] = v
		}
		e.m.shards[i] = s
		e.copied[i] = true
	}
	return e.m.shards[i]
}

func (e *cowEdit[V]) set(key string, v V) {
	s := e.writable(key)
	if _, ok := s[key]; !ok {
		e.m.n++
	}
	s[key] = v
}

func (e *cowEdit[V]) delete(key string) {
	if _, ok := e.m.get(key); !ok {
		return
	}
	delete(e.writable(key), key)
	e.m.n--
}

// get reads the edit's current state.
func (e *cowEdit[V]) get(key string) (V, bool) { return e.m.get(key) }

// done returns the new map. The edit must not be used afterwards.
func (e *cowEdit[V]) done() cowMap[V] { return e.m }
