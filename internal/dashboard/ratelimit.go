package dashboard

import (
	"sync"
	"time"
)

// limiter counts failed sign-ins per key (email and client address) in a sliding window, in memory:
// each instance limits on its own, which bounds guessing per instance without a shared store.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	attempts map[string][]time.Time // failures and attempts in flight, oldest first
}

// maxLimiterKeys bounds the memory a spray of distinct emails can take.
const maxLimiterKeys = 100_000

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, attempts: map[string][]time.Time{}}
}

// begin records an attempt for key as a failure until succeeded clears it, so that concurrent attempts
// cannot slip past the limit. It returns 0 when the attempt may go ahead, else how long to wait.
func (l *limiter) begin(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(key, now)
	if len(recent) >= l.max {
		return recent[0].Add(l.window).Sub(now)
	}
	if len(l.attempts) >= maxLimiterKeys {
		l.sweep(now)
	}
	l.attempts[key] = append(recent, now)
	return 0
}

// succeeded forgets key's failures: the person at this address knows the password.
func (l *limiter) succeeded(key string) {
	l.mu.Lock()
	delete(l.attempts, key)
	l.mu.Unlock()
}

// recent returns key's attempts within the window, dropping older ones.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	times := l.attempts[key]
	i := 0
	for i < len(times) && !times[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(times) {
		delete(l.attempts, key)
		return nil
	}
	return times[i:]
}

// sweep drops expired keys; if every key is live it drops arbitrary ones (map order), so an attacker
// filling the table can at worst reset other keys' counts, never grow memory.
func (l *limiter) sweep(now time.Time) {
	for key := range l.attempts {
		l.recent(key, now)
	}
	for key := range l.attempts {
		if len(l.attempts) < maxLimiterKeys {
			break
		}
		delete(l.attempts, key)
	}
}
