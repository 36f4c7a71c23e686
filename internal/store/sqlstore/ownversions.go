package sqlstore

import "sync"

// ownVersionsKept bounds the versions ownVersions remembers; past it, it forgets them all, and callers
// asking about them learn that it cannot tell.
const ownVersionsKept = 1 << 12

// ownVersions remembers the tenant versions one Store value committed, for Store.OwnWrites. Its zero
// value is ready to use; it is safe for concurrent use.
type ownVersions struct {
	mu       sync.Mutex
	versions map[int64]struct{}
}

// Commit runs commit, the commit of a transaction that wrote version v, and records v when it succeeds.
// All waits for it: a watcher that read v after the commit cannot ask before v is recorded and mistake
// this process's write for another's. Only for commits that are serialized anyway (by SQLite's single
// writer, or by the tenant version's row, which a PostgreSQL write transaction holds until it commits).
func (o *ownVersions) Commit(v int64, commit func() error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := commit(); err != nil {
		return err
	}
	o.add(v)
	return nil
}

func (o *ownVersions) add(v int64) {
	if o.versions == nil || len(o.versions) >= ownVersionsKept {
		o.versions = make(map[int64]struct{})
	}
	o.versions[v] = struct{}{}
}

// All reports whether every version in (after, through] was added, and forgets the versions up to
// through: the store's watcher asks about each version once, in order.
func (o *ownVersions) All(after, through int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	all := through-after <= int64(len(o.versions))
	for v := after + 1; all && v <= through; v++ {
		_, all = o.versions[v]
	}
	for v := range o.versions {
		if v <= through {
			delete(o.versions, v)
		}
	}
	return all
}
