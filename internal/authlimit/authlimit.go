// Package authlimit slows and then refuses repeated failed client authentication at the token endpoint,
// without letting an attacker lock a legitimate client out.
//
// Failures are counted three ways, each forgotten an hour (the window) after the last one:
//   - per (client_id, source): past a few failures, each further attempt must wait twice as long as the
//     one before (slowed), and past more of them the pair is refused for a while (locked), then allowed
//     one attempt per lock until it stops failing. This is what stops guessing; it never touches
//     another source using the same client_id.
//   - per source, whatever the client_id: past many failures the source is locked, so trying many ids
//     from one place does not escape the per-pair count.
//   - per client_id, from every source: past many failures the id is under attack, and then a source
//     that has failed for it even once is refused until its failures expire. A source with no failure
//     for the id (the real client, typically) is never refused on this count.
//
// A source is an IP address; IPv6 addresses count by their /64, which one host usually holds whole.
// client_ids are kept as keyed 64-bit hashes, so memory per entry is fixed whatever is sent; the
// number of entries is bounded too. When nothing has failed lately, checks take no lock.
package authlimit

import (
	"hash/maphash"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a Limiter; zero values take the defaults in parentheses.
type Options struct {
	Window        time.Duration // a key's failures are forgotten this long after its last one (1 h)
	PairFree      int           // failures of a (client_id, source) that cost no wait (5)
	PairSlowStart time.Duration // the first wait once slowed; each further failure doubles it, up to PairLockFor (1 s)
	PairLock      int           // failures of a (client_id, source) that lock it (20)
	PairLockFor   time.Duration // how long (15 min)
	SourceLock    int           // failures from a source, any client_id, that lock it (100)
	SourceLockFor time.Duration // how long (1 h)
	ClientAttack  int           // failures for a client_id from every source that put it under attack (1,000)
	MaxEntries    int           // entries kept of each kind, at most (100,000)
	Now           func() time.Time
}

func (o *Options) defaults() {
	setDuration := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	setInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	setDuration(&o.Window, time.Hour)
	setInt(&o.PairFree, 5)
	setDuration(&o.PairSlowStart, time.Second)
	setInt(&o.PairLock, 20)
	setDuration(&o.PairLockFor, 15*time.Minute)
	setInt(&o.SourceLock, 100)
	setDuration(&o.SourceLockFor, time.Hour)
	setInt(&o.ClientAttack, 1000)
	setInt(&o.MaxEntries, 100_000)
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Limiter counts failed client authentications; it is safe for concurrent use.
type Limiter struct {
	opts Options
	seed maphash.Seed

	// tracked is the number of entries of all kinds; zero lets Allow and Succeeded skip the lock.
	tracked atomic.Int64

	mu sync.Mutex
	// sweptAt is when makeRoom last scanned a full map: at most once a second, so a full map of locked
	// keys costs each further failure nothing.
	sweptAt time.Time
	// expiredSweptAt is when sweep last deleted every expired entry (once a minute): entries nobody asks
	// about again go too, so that tracked returns to zero and Allow to its lock-free path.
	expiredSweptAt time.Time
	pairs          map[pairKey]*entry
	sources        map[netip.Addr]*entry
	clients        map[uint64]*entry
}

type pairKey struct {
	client uint64
	source netip.Addr
}

// entry counts the failures of one key; they are forgotten once Window has passed since the last one.
type entry struct {
	last     time.Time
	failures int
	// until: attempts before it are refused (a slowed or locked key).
	until time.Time
}

// New returns a Limiter with opts.
func New(opts Options) *Limiter {
	opts.defaults()
	return &Limiter{opts: opts, seed: maphash.MakeSeed(), pairs: map[pairKey]*entry{},
		sources: map[netip.Addr]*entry{}, clients: map[uint64]*entry{}}
}

// Allow reports whether an attempt to authenticate clientID from source may go ahead; when not, how
// long the caller should wait (the answer's Retry-After).
func (l *Limiter) Allow(clientID string, source netip.Addr) (ok bool, retryAfter time.Duration) {
	if l.tracked.Load() == 0 {
		return true, 0
	}
	now := l.opts.Now()
	pair := l.pairKey(clientID, source)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	wait := time.Duration(0)
	if e := liveIn(l, l.sources, pair.source, now); e != nil && now.Before(e.until) {
		wait = e.until.Sub(now)
	}
	p := liveIn(l, l.pairs, pair, now)
	if p != nil && now.Before(p.until) {
		wait = max(wait, p.until.Sub(now))
	}
	if c := liveIn(l, l.clients, pair.client, now); c != nil && c.failures >= l.opts.ClientAttack && p != nil {
		// Under attack: this source has failed for the id; it may try again once its failures expire.
		wait = max(wait, p.last.Add(l.opts.Window).Sub(now))
	}
	if wait > 0 {
		return false, wait
	}
	return true, 0
}

// Failed records a failed authentication of clientID from source.
func (l *Limiter) Failed(clientID string, source netip.Addr) {
	now := l.opts.Now()
	pair := l.pairKey(clientID, source)
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.opts
	if p := count(l, l.pairs, pair, now); p != nil {
		switch {
		case p.failures >= o.PairLock:
			p.until = now.Add(o.PairLockFor)
		case p.failures > o.PairFree:
			p.until = now.Add(min(o.PairSlowStart<<min(p.failures-o.PairFree-1, 30), o.PairLockFor))
		}
	}
	if s := count(l, l.sources, pair.source, now); s != nil && s.failures >= o.SourceLock {
		s.until = now.Add(o.SourceLockFor)
	}
	count(l, l.clients, pair.client, now)
}

// Succeeded records a successful authentication: the pair's failures are forgotten (a client that
// mistyped its secret is not slowed once it has it right). The source's and the id's counts stay.
func (l *Limiter) Succeeded(clientID string, source netip.Addr) {
	if l.tracked.Load() == 0 {
		return
	}
	pair := l.pairKey(clientID, source)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.pairs[pair]; ok {
		delete(l.pairs, pair)
		l.tracked.Add(-1)
	}
}

func (l *Limiter) pairKey(clientID string, source netip.Addr) pairKey {
	source = source.Unmap()
	if source.Is6() {
		prefix, _ := source.WithZone("").Prefix(64)
		source = prefix.Addr()
	}
	// A keyed hash: fixed size whatever the id's length, and collisions nobody can aim for.
	return pairKey{client: maphash.String(l.seed, clientID), source: source}
}

// liveIn returns m's entry for key unless it has expired (which it deletes); l.mu must be held.
func liveIn[K comparable](l *Limiter, m map[K]*entry, key K, now time.Time) *entry {
	e, ok := m[key]
	if !ok {
		return nil
	}
	if l.expired(e, now) {
		delete(m, key)
		l.tracked.Add(-1)
		return nil
	}
	return e
}

func (l *Limiter) expired(e *entry, now time.Time) bool {
	return !now.Before(e.last.Add(l.opts.Window)) && !now.Before(e.until)
}

// count adds a failure to m's entry for key, making one when there is room; l.mu must be held.
func count[K comparable](l *Limiter, m map[K]*entry, key K, now time.Time) *entry {
	e := liveIn(l, m, key, now)
	if e == nil {
		if len(m) >= l.opts.MaxEntries && !makeRoom(l, m, now) {
			return nil
		}
		e = &entry{}
		m[key] = e
		l.tracked.Add(1)
	}
	e.last = now
	e.failures++
	return e
}

// sweep deletes every expired entry, at most once a minute; l.mu must be held.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.expiredSweptAt) < time.Minute {
		return
	}
	l.expiredSweptAt = now
	deleteExpired(l, l.pairs, now)
	deleteExpired(l, l.sources, now)
	deleteExpired(l, l.clients, now)
}

func deleteExpired[K comparable](l *Limiter, m map[K]*entry, now time.Time) {
	for k, e := range m {
		if l.expired(e, now) {
			delete(m, k)
			l.tracked.Add(-1)
		}
	}
}

// makeRoom deletes m's expired entries, or else those of its entries that refuse nothing now (a few at
// a time: map iteration order is random, so no key is favoured); it reports whether there is room.
func makeRoom[K comparable](l *Limiter, m map[K]*entry, now time.Time) bool {
	if now.Sub(l.sweptAt) < time.Second {
		return false
	}
	l.sweptAt = now
	deleteExpired(l, m, now)
	for k, e := range m {
		if len(m) < l.opts.MaxEntries-l.opts.MaxEntries/16 {
			break
		}
		if !now.Before(e.until) {
			delete(m, k)
			l.tracked.Add(-1)
		}
	}
	return len(m) < l.opts.MaxEntries
}
