package authlimit

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// clock is a settable time for the limiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimiter(opts Options) (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	opts.Now = c.now
	return New(opts), c
}

var (
	attacker = netip.MustParseAddr("203.0.113.7")
	realApp  = netip.MustParseAddr("198.51.100.20")
)

func mustAllow(t *testing.T, l *Limiter, client string, source netip.Addr) {
	t.Helper()
	if ok, wait := l.Allow(client, source); !ok {
		t.Fatalf("Allow(%s, %s) refused (retry after %v), want allowed", client, source, wait)
	}
}

func mustRefuse(t *testing.T, l *Limiter, client string, source netip.Addr, wantWait time.Duration) {
	t.Helper()
	if ok, wait := l.Allow(client, source); ok || wait != wantWait {
		t.Fatalf("Allow(%s, %s) = %v, %v; want refused, retry after %v", client, source, ok, wait, wantWait)
	}
}

func TestPairIsSlowedThenLocked(t *testing.T) {
	l, c := newTestLimiter(Options{})
	for range 5 {
		mustAllow(t, l, "c1", attacker)
		l.Failed("c1", attacker)
	}
	mustAllow(t, l, "c1", attacker) // five failures cost no wait
	// From the sixth failure on, each doubles the wait, up to the lock's 15 minutes.
	for _, wait := range []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900} {
		l.Failed("c1", attacker)
		mustRefuse(t, l, "c1", attacker, wait*time.Second)
		c.advance(wait * time.Second)
		mustAllow(t, l, "c1", attacker)
	}
	// The twentieth failure locks the pair for 15 minutes, and so does each one after it, until an
	// hour passes without a failure.
	for range 3 {
		l.Failed("c1", attacker)
		mustRefuse(t, l, "c1", attacker, 15*time.Minute)
		c.advance(15 * time.Minute)
		mustAllow(t, l, "c1", attacker)
	}
	c.advance(45 * time.Minute)
	l.Failed("c1", attacker)
	mustAllow(t, l, "c1", attacker) // a fresh count: one failure is free
	// Nobody else is touched: the same id from the real client's address, another id from the attacker's.
	mustAllow(t, l, "c1", realApp)
	mustAllow(t, l, "c2", attacker)
}

func TestSuccessForgetsThePairsFailures(t *testing.T) {
	l, _ := newTestLimiter(Options{})
	for range 6 {
		l.Failed("c1", realApp)
	}
	mustRefuse(t, l, "c1", realApp, time.Second)
	l.Succeeded("c1", realApp)
	mustAllow(t, l, "c1", realApp)
	for range 5 {
		l.Failed("c1", realApp)
	}
	mustAllow(t, l, "c1", realApp) // the count started over
}

func TestSourceIsLockedAcrossClientIDs(t *testing.T) {
	l, _ := newTestLimiter(Options{})
	for i := range 99 {
		l.Failed(fmt.Sprintf("guess-%d", i), attacker)
	}
	mustAllow(t, l, "c1", attacker)
	l.Failed("guess-99", attacker)
	mustRefuse(t, l, "c1", attacker, time.Hour)
	mustAllow(t, l, "c1", realApp)
}

func TestClientUnderAttackRefusesOnlySourcesThatFailed(t *testing.T) {
	l, _ := newTestLimiter(Options{})
	source := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	for i := range 1000 {
		mustAllow(t, l, "c1", source(i))
		l.Failed("c1", source(i))
	}
	// Each source failed once, far below its own limits, but the id has had 1,000 failures.
	mustRefuse(t, l, "c1", source(3), time.Hour)
	mustAllow(t, l, "c1", realApp)                          // never failed for c1: not refused
	mustAllow(t, l, "c2", source(3))                        // another id from that source
	mustAllow(t, l, "c1", netip.MustParseAddr("192.0.2.1")) // a fresh source gets its few tries
}

func TestFailuresExpireAnHourAfterTheLast(t *testing.T) {
	l, c := newTestLimiter(Options{})
	for range 6 {
		l.Failed("c1", attacker)
		c.advance(50 * time.Minute) // each failure keeps the count alive
	}
	l.Failed("c1", attacker)
	mustRefuse(t, l, "c1", attacker, 2*time.Second) // the seventh failure within an hour of the sixth
	c.advance(time.Hour)
	l.Failed("c1", attacker)
	mustAllow(t, l, "c1", attacker) // forgotten: one failure is free
	c.advance(time.Hour)
	mustAllow(t, l, "c1", attacker)
	if n := l.tracked.Load(); n != 0 {
		t.Fatalf("%d entries tracked after every window expired, want 0 (Allow's lock-free path)", n)
	}
}

func TestExpiredEntriesNobodyAsksAboutAreSwept(t *testing.T) {
	l, c := newTestLimiter(Options{})
	for i := range 100 {
		l.Failed(fmt.Sprintf("guess-%d", i), netip.AddrFrom4([4]byte{10, 9, 0, byte(i)}))
	}
	c.advance(time.Hour)
	mustAllow(t, l, "c1", realApp) // asks about none of them
	if n := l.tracked.Load(); n != 0 {
		t.Fatalf("%d entries tracked an hour after the last failure, want 0", n)
	}
}

func TestLockOutlivesTheWindow(t *testing.T) {
	l, c := newTestLimiter(Options{Window: time.Minute, PairLock: 6})
	for range 6 {
		l.Failed("c1", attacker)
	}
	c.advance(2 * time.Minute) // the window is over, the 15-minute lock is not
	mustRefuse(t, l, "c1", attacker, 13*time.Minute)
}

func TestSourcesGroupIPv6By64AndUnmapIPv4(t *testing.T) {
	l, _ := newTestLimiter(Options{PairFree: 1})
	l.Failed("c1", netip.MustParseAddr("2001:db8:1:2::1"))
	l.Failed("c1", netip.MustParseAddr("2001:db8:1:2:ffff::9%eth0"))
	mustRefuse(t, l, "c1", netip.MustParseAddr("2001:db8:1:2::77"), time.Second)
	mustAllow(t, l, "c1", netip.MustParseAddr("2001:db8:1:3::1"))

	l.Failed("c2", netip.MustParseAddr("::ffff:203.0.113.7"))
	l.Failed("c2", attacker)
	mustRefuse(t, l, "c2", attacker, time.Second)
}

func TestEntriesAreBounded(t *testing.T) {
	l, c := newTestLimiter(Options{MaxEntries: 64})
	long := make([]byte, 1<<20) // an id of any length costs one fixed-size key
	for i := range 10_000 {
		long[0] = byte(i)
		l.Failed(fmt.Sprintf("%d-%s", i, long[:i%2]), netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		if i%1000 == 0 {
			c.advance(time.Second) // lets a full map be swept again
		}
	}
	for name, n := range map[string]int{"pairs": len(l.pairs), "sources": len(l.sources), "clients": len(l.clients)} {
		if n > 64 {
			t.Errorf("%s: %d entries, want at most 64", name, n)
		}
	}
	if got, want := l.tracked.Load(), int64(len(l.pairs)+len(l.sources)+len(l.clients)); got != want {
		t.Errorf("tracked = %d, want %d (the entries held)", got, want)
	}
}

func TestAllowAllocatesNothing(t *testing.T) {
	l, _ := newTestLimiter(Options{})
	if n := testing.AllocsPerRun(100, func() { l.Allow("c1", realApp) }); n != 0 {
		t.Errorf("Allow with nothing tracked: %v allocations, want 0", n)
	}
	l.Failed("c2", attacker)
	if n := testing.AllocsPerRun(100, func() { l.Allow("c1", realApp); l.Succeeded("c1", realApp) }); n != 0 {
		t.Errorf("Allow and Succeeded with failures tracked: %v allocations, want 0", n)
	}
}

// BenchmarkAllowSucceeded is what a successful token request pays, with and without failures tracked.
func BenchmarkAllowSucceeded(b *testing.B) {
	for _, failures := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("failures=%d", failures), func(b *testing.B) {
			l := New(Options{})
			for i := range failures {
				l.Failed(fmt.Sprintf("guess-%d", i), netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
			}
			b.ReportAllocs()
			for b.Loop() {
				l.Allow("c1", realApp)
				l.Succeeded("c1", realApp)
			}
		})
	}
}
