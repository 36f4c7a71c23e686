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
	// MaxStaleness: this long after the last successful version check the snapshot may hide a change,
	// so the Directory stops serving it (ErrStale) until the store answers. Default 2 × PollInterval.
	MaxStaleness time.Duration
	// OnChange runs when the store's version moved (e.g. to reload the signing keys).
	OnChange func(ctx context.Context)
}

// Watch keeps the Directory coherent with writes made by other processes sharing the store, until ctx
// ends: on every change notification, and every PollInterval, it reads the store's version and catches
// the snapshot up when the version moved past it. It bounds staleness: when the version cannot be read for
// MaxStaleness (the database is unreachable), the Directory answers ErrStale instead of its snapshot, so
// a revoked permission is never served from memory beyond that bound. This process's own writes are
// seen at once without it (Directory.Snapshot).
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
	s.dir.maxStaleness.Store(int64(opts.MaxStaleness)) // from now on the snapshot is served within the bound
	w.check(ctx)                                       // sets the version baseline and the first freshness deadline
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

// check reads the store's version: when the snapshot is older (another process wrote, or catching up
// failed), the Directory catches up. A successful check extends the time the snapshot may be served.
func (w *watcher) check(ctx context.Context) {
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, max(w.opts.PollInterval, checkTimeout))
	defer cancel()
	v, err := w.s.store.Version(cctx)
	if err != nil {
		if ctx.Err() == nil {
			w.s.log.WarnContext(ctx, "read store version", "error", err)
		}
		return
	}
	if snap := w.s.dir.current.Load(); snap == nil || snap.version < v {
		if err := w.s.dir.catchUp(ctx, v); err != nil {
			if ctx.Err() == nil {
				w.s.log.WarnContext(ctx, "catch up with the store", "error", err)
			}
			return
		}
	}
	if w.known && v != w.version {
		w.opts.OnChange(ctx)
	}
	w.version, w.known = v, true
	w.s.dir.confirm(start)
}
