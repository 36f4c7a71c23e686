package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator speaks HTTP/1.1 over its own keep-alive connections: each request is a prebuilt
// byte slice written in one call, and each response is parsed just enough to find its status and skip
// its body. The generator runs on the server's machine, so every microsecond it spends per request is
// taken from the server; net/http's client (a pool, a goroutine per connection, a header map per
// answer) would cost several times more.

// conn is one keep-alive connection to the server under test; it redials after an error.
type conn struct {
	addr string
	nc   net.Conn
	br   *bufio.Reader
}

func (c *conn) dial() error {
	nc, err := net.Dial("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", c.addr, err)
	}
	c.nc = nc
	c.br = bufio.NewReaderSize(nc, 4096)
	return nil
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// do sends one prebuilt request and reads the whole response; it returns the response's status.
func (c *conn) do(req []byte) (int, error) {
	if c.nc == nil {
		if err := c.dial(); err != nil {
			return 0, err
		}
	}
	if _, err := c.nc.Write(req); err != nil {
		c.close()
		return 0, fmt.Errorf("write request: %w", err)
	}
	status, err := c.readResponse()
	if err != nil {
		c.close()
		return 0, fmt.Errorf("read response: %w", err)
	}
	return status, nil
}

var errResponse = errors.New("malformed HTTP/1.1 response")

// readResponse reads one response with a Content-Length (every answer of the servers under test is
// one small buffer) and returns its status. A response that asks to close the connection closes it.
func (c *conn) readResponse() (int, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, fmt.Errorf("%w: status line %q", errResponse, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("%w: status line %q", errResponse, line)
	}
	length, closing := -1, false
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, fmt.Errorf("%w: header %q", errResponse, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, fmt.Errorf("%w: Content-Length %q", errResponse, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return 0, fmt.Errorf("%w: Transfer-Encoding %q is not supported", errResponse, value)
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("%w: no Content-Length", errResponse)
	}
	if _, err := c.br.Discard(length); err != nil {
		return 0, fmt.Errorf("read body: %w", err)
	}
	if closing {
		c.close()
	}
	return status, nil
}

// requestSet hands out prebuilt requests round robin, so that a run spreads over every organization.
type requestSet struct {
	reqs [][]byte
	next atomic.Uint64
}

// pick returns the next request and how many were picked before it.
func (s *requestSet) pick() ([]byte, uint64) {
	n := s.next.Add(1) - 1
	return s.reqs[n%uint64(len(s.reqs))], n
}

// loadResult is what one load phase measured.
type loadResult struct {
	ok       uint64        // 200 answers
	errors   uint64        // other answers and failed connections
	elapsed  time.Duration // from the first send to the end of the phase
	latency  histogram     // of every answered request, successful or not
	firstErr string        // one example of what went wrong, for the report
}

// add adds the result of another phase of the same load, or returns err.
func (r *loadResult) add(o loadResult, err error) error {
	if err != nil {
		return err
	}
	r.ok += o.ok
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.latency.merge(&o.latency)
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
	return nil
}

func (r *loadResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// worker is one load generator goroutine's connection and tally.
type worker struct {
	conn
	res loadResult
}

func (w *worker) send(req []byte, scheduled time.Time) {
	status, err := w.do(req)
	w.res.latency.record(time.Since(scheduled))
	switch {
	case err != nil:
		w.fail(err.Error())
	case status != http.StatusOK:
		w.fail(fmt.Sprintf("status %d", status))
	default:
		w.res.ok++
	}
}

func (w *worker) fail(msg string) {
	w.res.errors++
	if w.res.firstErr == "" {
		w.res.firstErr = msg
	}
}

func newWorkers(addr string, n int) ([]*worker, error) {
	ws := make([]*worker, n)
	for i := range ws {
		ws[i] = &worker{conn: conn{addr: addr}}
		if err := ws[i].dial(); err != nil {
			closeWorkers(ws[:i])
			return nil, err
		}
	}
	return ws, nil
}

func closeWorkers(ws []*worker) {
	for _, w := range ws {
		w.close()
	}
}

func mergeResults(ws []*worker, elapsed time.Duration) loadResult {
	res := loadResult{elapsed: elapsed}
	for _, w := range ws {
		res.ok += w.res.ok
		res.errors += w.res.errors
		res.latency.merge(&w.res.latency)
		if res.firstErr == "" {
			res.firstErr = w.res.firstErr
		}
	}
	return res
}

// closedLoop keeps conns connections busy for d (or until limit requests were sent, when limit > 0),
// each sending its next request as soon as the previous answer arrived: it measures throughput.
// Latency here is service time under saturation.
func closedLoop(ctx context.Context, addr string, reqs *requestSet, conns int, d time.Duration, limit uint64) (loadResult, error) {
	ws, err := newWorkers(addr, conns)
	if err != nil {
		return loadResult{}, err
	}
	defer closeWorkers(ws)
	base := reqs.next.Load()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for ctx.Err() == nil {
				now := time.Now()
				if !now.Before(deadline) {
					return
				}
				req, n := reqs.pick()
				if limit > 0 && n-base >= limit {
					return
				}
				w.send(req, now)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	return mergeResults(ws, time.Since(start)), nil
}

// drainTimeout bounds how long an open-loop phase waits for requests scheduled before its end.
const drainTimeout = 10 * time.Second

// errLate marks requests still queued in the generator when the drain timeout passed.
var errLate = errors.New("not sent before the drain timeout: the server fell behind the offered rate")

// openLoop offers rate requests per second for d, each scheduled at a fixed time whatever happened to
// the others, and measures each latency from its scheduled time, so a server that falls behind shows
// its queueing delay instead of slowing the generator down (no coordinated omission). Up to conns
// requests are in flight at once; past that they wait in the generator, and that wait counts too.
func openLoop(ctx context.Context, addr string, reqs *requestSet, rate float64, conns int, d time.Duration) (loadResult, error) {
	if rate <= 0 {
		return loadResult{}, fmt.Errorf("open loop: rate %v must be positive", rate)
	}
	ws, err := newWorkers(addr, conns)
	if err != nil {
		return loadResult{}, err
	}
	defer closeWorkers(ws)
	due := make(chan time.Time, scheduledCount(rate, d)) // never blocks the schedule
	start := time.Now()
	giveUp := start.Add(d + drainTimeout)
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for scheduled := range due {
				if ctx.Err() != nil || time.Now().After(giveUp) {
					w.fail(errLate.Error())
					continue
				}
				req, _ := reqs.pick()
				w.send(req, scheduled)
			}
		})
	}
	schedule(ctx, start, rate, d, due)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	return mergeResults(ws, d), nil
}

func scheduledCount(rate float64, d time.Duration) int { return int(rate * d.Seconds()) }

// schedule sends to due the scheduled time of each of the rate × d events of an open loop that began
// at start, each when it is due, and closes due. It sends every event that is due, then sleeps until
// the next one: when a sleep overshoots, the events it delayed go out at once and their latency still
// counts from their scheduled time. due must hold scheduledCount(rate, d) values.
func schedule(ctx context.Context, start time.Time, rate float64, d time.Duration, due chan<- time.Time) {
	defer close(due)
	total := scheduledCount(rate, d)
	interval := float64(time.Second) / rate
	for i := 0; i < total && ctx.Err() == nil; {
		now := time.Now()
		for ; i < total; i++ {
			at := start.Add(time.Duration(float64(i) * interval))
			if at.After(now) {
				time.Sleep(at.Sub(now))
				break
			}
			due <- at
		}
	}
}
