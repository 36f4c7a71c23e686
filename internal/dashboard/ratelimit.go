package dashboard

import (
	"crypto/sha256"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// limiter counts failed sign-ins per key (email and client address) in a sliding window, in memory:
// each instance limits on its own, which bounds guessing per instance without a shared store.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	attempts map[string][]time.Time // failures and attempts in flight, oldest first
	bytes    int                    // estimate of the memory of attempts: keyCost of each key
}

// The table is bounded in keys and in bytes, whatever a spray of distinct emails sends: a key longer
// than maxLimiterKeyBytes is kept as its SHA-256 digest, and past either bound keys are dropped.
const (
	maxLimiterKeys  = 100_000
	maxLimiterBytes = 16 << 20
	// maxLimiterKeyBytes fits an email of 254 bytes (RFC 5321's longest path), a NUL and an IPv6 address.
	maxLimiterKeyBytes = 320
	// limiterSlotOverhead approximates a map slot's own cost: key and slice headers, control bytes.
	limiterSlotOverhead = int(unsafe.Sizeof("")+unsafe.Sizeof([]time.Time(nil))) + 16
)

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, attempts: map[string][]time.Time{}}
}

// limiterKey is what the table keys key by: key itself when short, else its digest, so that one key
// costs at most maxLimiterKeyBytes however long the email sent.
func limiterKey(key string) string {
	if len(key) <= maxLimiterKeyBytes {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "\x00sha256:" + string(sum[:]) // a NUL first: no email and address key looks like it
}

// keyCost estimates what key takes in the table: the key, its slot, and at most max attempts.
func (l *limiter) keyCost(key string) int {
	return len(key) + limiterSlotOverhead + l.max*int(unsafe.Sizeof(time.Time{}))
}

// begin records an attempt for key as a failure until succeeded clears it, so that concurrent attempts
// cannot slip past the limit. It returns 0 when the attempt may go ahead, else how long to wait.
func (l *limiter) begin(key string) time.Duration {
	key = limiterKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(key, now)
	if len(recent) >= l.max {
		return recent[0].Add(l.window).Sub(now)
	}
	if recent == nil {
		cost := l.keyCost(key)
		if len(l.attempts) >= maxLimiterKeys || l.bytes+cost > maxLimiterBytes {
			l.sweep(now)
		}
		key = strings.Clone(key) // the table never keeps a request's memory
		l.bytes += cost
	}
	if len(recent) == cap(recent) { // never more room than max attempts, as keyCost counts
		recent = append(make([]time.Time, 0, l.max), recent...)
	}
	l.attempts[key] = append(recent, now)
	return 0
}

// succeeded forgets key's failures: the person at this address knows the password.
func (l *limiter) succeeded(key string) {
	key = limiterKey(key)
	l.mu.Lock()
	l.drop(key)
	l.mu.Unlock()
}

// abandon forgets one attempt of key's that begin recorded and that was never judged (the password
// could not be checked), so that a busy server does not count against the person.
func (l *limiter) abandon(key string) {
	key = limiterKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch times := l.attempts[key]; len(times) {
	case 0:
	case 1:
		l.drop(key)
	default:
		l.attempts[key] = times[:len(times)-1]
	}
}

// recent returns key's attempts within the window, dropping older ones; nil when there are none, and
// then key is no longer in the table.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	times := l.attempts[key]
	i := 0
	for i < len(times) && !times[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(times) {
		l.drop(key)
		return nil
	}
	return times[i:]
}

// drop deletes key and gives back its bytes; l.mu must be held.
func (l *limiter) drop(key string) {
	if _, ok := l.attempts[key]; ok {
		delete(l.attempts, key)
		l.bytes -= l.keyCost(key)
	}
}

// sweep drops expired keys; if the table is still over three quarters of either bound it drops
// arbitrary ones (map order) until it is not, so an attacker filling the table can at worst reset
// other keys' counts, never grow memory, and a sweep runs once per quarter of the table at most.
func (l *limiter) sweep(now time.Time) {
	for key := range l.attempts {
		l.recent(key, now)
	}
	for key := range l.attempts {
		if len(l.attempts) <= maxLimiterKeys*3/4 && l.bytes <= maxLimiterBytes*3/4 {
			break
		}
		l.drop(key)
	}
}
