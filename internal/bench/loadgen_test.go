package bench

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func testRequests(t *testing.T, srv *httptest.Server) (addr string, reqs *requestSet) {
	t.Helper()
	addr = strings.TrimPrefix(srv.URL, "http://")
	var wire [][]byte
	for _, org := range []string{"org_a", "org_b"} {
		wire = append(wire, tokenRequest{clientID: "c", secret: "s", audience: "https://api/", org: org}.wire(addr))
	}
	return addr, &requestSet{reqs: wire}
}

func TestClosedLoopCountsAnswersAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("organization") == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	addr, reqs := testRequests(t, srv)

	res, err := closedLoop(context.Background(), addr, reqs, 3, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.ok != 5 || res.errors != 5 || res.latency.n != 10 || res.firstErr != "status 403" {
		t.Errorf("ok %d, errors %d, latencies %d, first error %q; want 5, 5, 10, status 403", res.ok, res.errors, res.latency.n, res.firstErr)
	}
}

// TestOpenLoopCountsQueueingDelay: a server slower than the offered rate makes requests wait, and the
// open loop reports that wait, where a closed loop would report only the service time.
func TestOpenLoopCountsQueueingDelay(t *testing.T) {
	const service = 20 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(service) }))
	defer srv.Close()
	addr, reqs := testRequests(t, srv)

	// 100/s for 300ms on one connection: 30 requests, each taking 20ms, so the last waits ~300ms.
	res, err := openLoop(context.Background(), addr, reqs, 100, 1, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.ok != 30 || res.errors != 0 {
		t.Fatalf("ok %d, errors %d (%s); want 30, 0", res.ok, res.errors, res.firstErr)
	}
	if p99 := res.latency.quantile(0.99); p99 < 10*service {
		t.Errorf("p99 %s hides the queueing: want at least %s", p99, 10*service)
	}
}

func TestSampleProcReadsThisProcess(t *testing.T) {
	before, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(50 * time.Millisecond); time.Now().Before(deadline); {
	}
	after, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after.rss <= 0 || after.hwm < after.rss || after.cpu < before.cpu || cpuShare(before, after) > 64 {
		t.Errorf("before %+v, after %+v", before, after)
	}
}

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		statuses []int // of the responses read one after the other
		wantErr  bool
	}{
		{name: "ok/two answers on one connection",
			raw:      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
			statuses: []int{200, 403}},
		{name: "ok/Connection close", raw: "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno", statuses: []int{503}},
		{name: "fail/chunked body", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", wantErr: true},
		{name: "fail/no length", raw: "HTTP/1.1 200 OK\r\n\r\n", wantErr: true},
		{name: "fail/not HTTP", raw: "SSH-2.0-OpenSSH\r\n\r\n", wantErr: true},
		{name: "fail/body cut short", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", wantErr: true},
		{name: "fail/header without colon", raw: "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &conn{br: bufio.NewReader(strings.NewReader(tt.raw))}
			for _, want := range tt.statuses {
				got, err := c.readResponse()
				if err != nil || got != want {
					t.Fatalf("readResponse = %d, %v; want %d", got, err, want)
				}
			}
			if tt.wantErr {
				if got, err := c.readResponse(); err == nil {
					t.Errorf("readResponse = %d, want an error", got)
				}
			}
		})
	}
}

// TestSignOpenLoopCountsQueueingDelay: signing alone offered at twice what the workers can sign shows
// the signatures' wait in its latency, counted from their scheduled times.
func TestSignOpenLoopCountsQueueingDelay(t *testing.T) {
	const service = 10 * time.Millisecond
	var signed atomic.Int64
	slow := func([]byte) error { time.Sleep(service); signed.Add(1); return nil }
	workers := runtime.GOMAXPROCS(0)
	rate := 2 * float64(workers) / service.Seconds()
	// 10 service times: the i-th of 20×workers signatures ends about service × (1 + i/(2×workers)) after
	// its scheduled time, up to 11 service times.
	res, err := signOpenLoop(context.Background(), slow, rate, 10*service)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := signed.Load(), int64(20*workers); got != want {
		t.Errorf("signed %d times, want %d", got, want)
	}
	if res.Rate != rate || res.P50 < service || res.P99 < 5*service {
		t.Errorf("rate %v, p50 %s, p99 %s; want %v, at least %s and %s", res.Rate, res.P50, res.P99, rate, service, 5*service)
	}
}
