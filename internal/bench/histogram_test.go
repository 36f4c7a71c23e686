package bench

import (
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		name string
		q    float64
		want time.Duration
	}{
		{"p50 is the 500th", 0.5, 500 * time.Microsecond},
		{"p99 is the 990th", 0.99, 990 * time.Microsecond},
		{"p99.9 is the 999th", 0.999, 999 * time.Microsecond},
		{"p100 is the largest", 1, 1000 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.quantile(tt.q)
			// Quantiles round up to their bucket's top: never below, at most 1/128 above.
			if got < tt.want || got > tt.want+tt.want/128 {
				t.Errorf("quantile(%v) = %s, want %s (+0.8%%)", tt.q, got, tt.want)
			}
		})
	}
	if h.max != time.Millisecond || h.n != 1000 {
		t.Errorf("max %s, n %d", h.max, h.n)
	}
}

func TestHistogramBucketsCoverEveryDuration(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 255, 256, 257, 511, 512, time.Millisecond, time.Hour, 1<<63 - 1} {
		i := bucketOf(d)
		if i < 0 || i >= histogramBuckets {
			t.Fatalf("bucketOf(%d) = %d, outside [0, %d)", d, i, histogramBuckets)
		}
		if top := bucketTop(i); top < d || (d > 0 && float64(top-d) > float64(d)/128) {
			t.Errorf("bucketTop(bucketOf(%d)) = %d: below, or more than 1/128 above", d, top)
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b histogram
	a.record(time.Millisecond)
	b.record(3 * time.Millisecond)
	b.record(2 * time.Millisecond)
	a.merge(&b)
	if a.n != 3 || a.max != 3*time.Millisecond || a.quantile(0.5) < 2*time.Millisecond || a.quantile(0.5) >= 3*time.Millisecond {
		t.Errorf("merged: n %d, max %s, p50 %s", a.n, a.max, a.quantile(0.5))
	}
	var empty histogram
	if empty.quantile(0.99) != 0 {
		t.Error("an empty histogram has a quantile")
	}
}
