package tenant

import (
	"context"
	"time"
)

// Staleness bounds of the Directory when several processes share the store.
const (
	// DefaultPollInterval is how often Watch reads the store's version, as a safety net under change
	// notifications: a change another instance made is seen within this interval even if its
	// notification was lost.
	DefaultPollInterval = time.Second
	// rewatchDelay is the pause before listening again after the notification channel broke.
	rewatchDelay = time.Second
	// checkTimeout bounds one version read, so that a hung connection cannot stall the watcher.
	checkTimeout = time.Second
)

// WatchOptions configure Watch.
type WatchOptions struct {
	PollInterval time.Duration // default DefaultPollInterval
	// MaxStaleness: this long after the last successful version check the cache may hide a change, so
	// the Directory stops serving from it and reads the store on every lookup. Default 2 × PollInterval.
	MaxStaleness time.Duration
	// OnChange runs after the Directory was invalidated because the store changed (e.g. reload keys).
	OnChange func(ctx context.Context)
}

// Watch keeps the Directory coherent with writes made by other processes sharing the store, until ctx
// ends: it invalidates the Directory on every change notification and whenever the store's version
// moved, and it bounds staleness: when the version cannot be read for MaxStaleness (the database is
// unreachable), lookups bypass the cache, so a revoked permission is never served from
// memory beyond that bound.
//
// Versions that this process wrote through the store (store.Store.OwnWrites) do not invalidate: the
// Service that made them updated its Directory already. So whatever the Directory caches must be
// written through this Service alone among the users of its store value, as in orgauth serve.
func (s *Service) Watch(ctx context.Context, opts WatchOptions) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.MaxStaleness <= 0 {
		opts.MaxStaleness = 2 * opts.PollInterval
	}
	if opts.OnChange == nil {
		opts.OnChange = func(context.Context) {}
	}
	w := &watcher{s: s, opts: opts, changed: make(chan struct{}, 1)}
	s.dir.freshFor(0) // from now on the cache is trusted only after a successful check
	w.check(ctx)      // sets the version baseline and the first freshness deadline
	go w.listen(ctx)

	tick := time.NewTicker(opts.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-w.changed:
		}
		w.check(ctx)
	}
}

type watcher struct {
	s       *Service
	opts    WatchOptions
	changed chan struct{} // a notification arrived; buffered by one, so bursts coalesce
	version int64
	known   bool // version holds a value read from the store
}

// listen relays the store's change notifications, listening again whenever the channel breaks.
func (w *watcher) listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := w.s.store.WatchChanges(ctx, func() {
			select {
			case w.changed <- struct{}{}:
			default:
			}
		})
		if ctx.Err() != nil {
			return
		}
		w.s.log.WarnContext(ctx, "change notifications interrupted; polling until they resume", "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(rewatchDelay):
		}
	}
}

// check reads the store's version: a new one invalidates the Directory, unless every version since the
// last check is a write this process made, which already updated the Directory itself; any successful
// read extends the time the Directory may serve from memory.
func (w *watcher) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, max(w.opts.PollInterval, checkTimeout))
	defer cancel()
	v, err := w.s.store.Version(cctx)
	if err != nil {
		if ctx.Err() == nil {
			w.s.log.WarnContext(ctx, "read store version", "error", err)
		}
		return
	}
	switch {
	case !w.known:
		w.s.dir.Invalidate() // entries cached before the baseline may predate it
	case v != w.version:
		if !w.s.store.OwnWrites(w.version, v) {
			w.s.dir.Invalidate()
		}
		w.opts.OnChange(ctx)
	}
	w.version, w.known = v, true
	w.s.dir.freshFor(w.opts.MaxStaleness)
}
