package dashboard

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// checkLimiterBytes asserts the table's bounds and that its byte count is the sum of its keys' costs.
func checkLimiterBytes(t *testing.T, l *limiter) {
	t.Helper()
	sum := 0
	for key, times := range l.attempts {
		if len(key) > maxLimiterKeyBytes+len("\x00sha256:") {
			t.Fatalf("a key of %d bytes is kept", len(key))
		}
		if cap(times) > l.max {
			t.Fatalf("room for %d attempts, want at most %d", cap(times), l.max)
		}
		sum += l.keyCost(key)
	}
	if sum != l.bytes {
		t.Fatalf("bytes = %d, the keys cost %d", l.bytes, sum)
	}
	if len(l.attempts) > maxLimiterKeys || l.bytes > maxLimiterBytes {
		t.Fatalf("%d keys of %d bytes", len(l.attempts), l.bytes)
	}
}

// An email of any length costs a bounded key, and is still limited on its own.
func TestLimiterLongKeys(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(2, time.Minute, func() time.Time { return now })
	long := func(c string) string { return strings.Repeat(c, 64<<10) + "@example.com\x00192.0.2.1" }
	a, b := long("a"), long("b")
	for range 2 {
		if wait := l.begin(a); wait != 0 {
			t.Fatalf("attempt within the limit waits %v", wait)
		}
	}
	if wait := l.begin(a); wait != time.Minute {
		t.Fatalf("attempt past the limit waits %v, want 1m", wait)
	}
	if wait := l.begin(b); wait != 0 {
		t.Fatalf("another long email shares the first one's count: waits %v", wait)
	}
	checkLimiterBytes(t, l)
	if len(l.attempts) != 2 {
		t.Fatalf("%d keys, want 2", len(l.attempts))
	}
	l.succeeded(a)
	if wait := l.begin(a); wait != 0 {
		t.Fatalf("success did not clear a long key: waits %v", wait)
	}
	checkLimiterBytes(t, l)
}

// The table keeps a copy of a key, never the memory of the request it was cut from.
func TestLimiterCopiesKeys(t *testing.T) {
	l := newLimiter(5, time.Minute, time.Now)
	body := strings.Repeat("x", 1<<20)
	l.begin(body[:40])
	for key := range l.attempts {
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(key))), uintptr(unsafe.Pointer(unsafe.StringData(body)))
		if p >= start && p < start+uintptr(len(body)) {
			t.Fatal("the key points into the request")
		}
	}
}

// A spray of distinct long emails fills the table to its byte bound, not past it, and expired keys give
// their bytes back.
func TestLimiterStaysWithinItsBytes(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(5, time.Hour, func() time.Time { return now })
	pad := strings.Repeat("p", 280)
	full := false
	for i := range 2 * maxLimiterBytes / l.keyCost(pad) {
		l.begin(fmt.Sprintf("%s%08d@example.com\x00192.0.2.1", pad, i))
		if l.bytes > maxLimiterBytes*9/10 {
			full = true
		}
		if i%997 == 0 {
			checkLimiterBytes(t, l)
		}
	}
	checkLimiterBytes(t, l)
	if !full {
		t.Fatalf("the spray never came near the byte bound: %d bytes", l.bytes)
	}
	if len(l.attempts) >= maxLimiterKeys {
		t.Fatalf("the key bound (%d keys), not the byte bound, was reached", len(l.attempts))
	}
	now = now.Add(2 * time.Hour)
	l.begin("after@example.com\x00192.0.2.1") // past the window: every earlier key expires in the next sweep
	l.sweep(now)
	checkLimiterBytes(t, l)
	if len(l.attempts) != 1 {
		t.Errorf("%d keys after every other one expired, want 1", len(l.attempts))
	}
}
