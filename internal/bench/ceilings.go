package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// signer is one signature primitive whose throughput bounds a token endpoint that signs with it.
type signer func(digest []byte) error

// newSigners returns the ceilings' primitives: RSA-2048 PKCS#1 v1.5 (RS256) and ECDSA P-256 (ES256),
// each with a fresh key, exactly as internal/keys signs.
func newSigners() (map[string]signer, error) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	return map[string]signer{
		"RS256": func(digest []byte) error {
			_, err := rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA256, digest)
			return err
		},
		"ES256": func(digest []byte) error {
			_, _, err := ecdsa.Sign(rand.Reader, ecKey, digest)
			return err
		},
	}, nil
}

// signCeiling is how many signatures per second sign makes in this process on every core: no token
// endpoint signing with that key can issue more. It also returns the CPU time one signature took, which
// the server's CPU time per token is compared with: unlike rates, CPU times hardly depend on how much of
// the machine other processes took meanwhile.
func signCeiling(ctx context.Context, sign signer, d time.Duration) (rate float64, cpu time.Duration, err error) {
	digest := sha256.Sum256([]byte("orgauth bench"))
	before, err := selfCPU()
	if err != nil {
		return 0, 0, err
	}
	var count atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			n := int64(0)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if err := sign(digest[:]); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n++
			}
			count.Add(n)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, 0, fmt.Errorf("sign: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	after, err := selfCPU()
	if err != nil {
		return 0, 0, err
	}
	n := max(count.Load(), 1)
	return float64(n) / elapsed.Seconds(), (after - before) / time.Duration(n), nil
}

// SignOpenLoop is signing alone in an open loop: the open-loop latency floor of a token endpoint that
// signs with that key at that rate on this machine, with no HTTP, parsing or load generator around it.
type SignOpenLoop struct {
	Rate     float64       // offered signatures/s
	P50, P99 time.Duration // from each signature's scheduled time to its end
	CPU      time.Duration // CPU time per signature, at this rate
}

// signOpenLoop offers rate signatures per second for d in this process, each scheduled at a fixed time
// and taken by the first free one of GOMAXPROCS workers, latency counted from its scheduled time. On a
// virtual machine a core that idles between signatures signs slower than one kept busy, so the CPU per
// signature here may exceed the closed ceiling's: what that costs the server's open loop shows here too.
func signOpenLoop(ctx context.Context, sign signer, rate float64, d time.Duration) (SignOpenLoop, error) {
	digest := sha256.Sum256([]byte("orgauth bench"))
	before, err := selfCPU()
	if err != nil {
		return SignOpenLoop{}, err
	}
	due := make(chan time.Time, scheduledCount(rate, d))
	workers := make([]histogram, runtime.GOMAXPROCS(0))
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := range workers {
		h := &workers[i]
		wg.Go(func() {
			for scheduled := range due {
				if err := sign(digest[:]); err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
				h.record(time.Since(scheduled))
			}
		})
	}
	schedule(ctx, time.Now(), rate, d, due)
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return SignOpenLoop{}, fmt.Errorf("sign: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return SignOpenLoop{}, err
	}
	after, err := selfCPU()
	if err != nil {
		return SignOpenLoop{}, err
	}
	var all histogram
	for i := range workers {
		all.merge(&workers[i])
	}
	return SignOpenLoop{Rate: rate, P50: all.quantile(0.5), P99: all.quantile(0.99),
		CPU: (after - before) / time.Duration(max(all.n, 1))}, nil
}

// measureSignOpenLoops runs signOpenLoop for each measured algorithm at its open loop's rate.
func measureSignOpenLoops(ctx context.Context, o Options, signers map[string]signer, rates map[string]float64) (map[string]SignOpenLoop, error) {
	res := map[string]SignOpenLoop{}
	for _, alg := range o.Algs {
		fmt.Fprintf(o.Log, "ceiling: %s signatures alone, open loop at %.0f/s for %s\n", alg, rates[alg], o.Duration)
		s, err := signOpenLoop(ctx, signers[alg], rates[alg], o.Duration)
		if err != nil {
			return nil, fmt.Errorf("bench: %s signing open loop: %w", alg, err)
		}
		res[alg] = s
	}
	return res, nil
}

// trivialBody is what the trivial server answers: about the size of an error answer of the token endpoint.
const trivialBody = `{"ok":true}`

// TrivialHandler is the ceiling's server: it reads the request body and answers a fixed small JSON
// document. What the token endpoint does beyond this is the cost of issuing tokens; what this costs is
// HTTP on loopback under the bench's generator.
func TrivialHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, trivialBody)
	})
}

// ServeTrivial serves TrivialHandler on addr until ctx ends: `orgauth bench trivial-server`, which the
// bench starts as a separate process like the real server.
func ServeTrivial(ctx context.Context, addr string) error {
	return serveUntil(ctx, &http.Server{Addr: addr, Handler: TrivialHandler(), ReadHeaderTimeout: 10 * time.Second}, "trivial server")
}

// ceilings are one measurement of what no token endpoint on this machine can exceed: signatures per
// second and a trivial handler under the same generator.
type ceilings struct {
	sign    map[string]float64       // signatures/s
	signCPU map[string]time.Duration // CPU time per signature
	trivial Phase
}

func measureCeilings(ctx context.Context, o Options, work string, signers map[string]signer) (ceilings, error) {
	c := ceilings{sign: map[string]float64{}, signCPU: map[string]time.Duration{}}
	var err error
	for _, alg := range benchAlgs {
		fmt.Fprintf(o.Log, "ceiling: %s signatures on %d cores for %s\n", alg, runtime.GOMAXPROCS(0), o.Duration)
		if c.sign[alg], c.signCPU[alg], err = signCeiling(ctx, signers[alg], o.Duration); err != nil {
			return c, fmt.Errorf("bench: %s ceiling: %w", alg, err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return c, err
	}
	fmt.Fprintf(o.Log, "ceiling: trivial handler, closed loop, %d connections for %s\n", o.Conns, o.Duration)
	p, err := startProcess(ctx, o.Helper, []string{"bench", "trivial-server", "--addr", addr}, addr, "/",
		filepath.Join(work, "trivial.log"))
	if err != nil {
		return c, fmt.Errorf("bench: trivial server: %w", err)
	}
	defer p.stop()
	// The same requests as the token endpoint gets: the same bytes to write and to parse.
	reqs := &requestSet{reqs: [][]byte{tokenRequest{clientID: "c", secret: "s", audience: audience("RS256"), org: "org_0123456789abcdef"}.wire(addr)}}
	if _, err := closedLoop(ctx, addr, reqs, o.Conns, o.Warmup, 0); err != nil {
		return c, fmt.Errorf("bench: trivial server: %w", err)
	}
	before, err := sampleProc(p.pid())
	if err != nil {
		return c, err
	}
	res, err := closedLoop(ctx, addr, reqs, o.Conns, o.Duration, 0)
	if err != nil {
		return c, fmt.Errorf("bench: trivial server: %w", err)
	}
	after, err := sampleProc(p.pid())
	if err != nil {
		return c, err
	}
	c.trivial = phase(res, before, after)
	return c, p.stop()
}

// addCeilings records one measurement of the ceilings; the report compares with the highest.
func (r *Report) addCeilings(c ceilings) {
	if r.SignCeiling == nil {
		r.SignCeiling = map[string]float64{}
	}
	if r.SignCPU == nil {
		r.SignCPU = map[string]time.Duration{}
	}
	for alg, v := range c.sign {
		r.SignCeiling[alg] = max(r.SignCeiling[alg], v)
	}
	for alg, v := range c.signCPU {
		if cur, ok := r.SignCPU[alg]; !ok || v < cur {
			r.SignCPU[alg] = v
		}
	}
	if c.trivial.Rate > r.Trivial.Rate {
		r.Trivial = c.trivial
	}
	r.CeilingRuns = append(r.CeilingRuns, fmt.Sprintf("RSA %.0f/s, P-256 %.0f/s, trivial %.0f/s",
		c.sign["RS256"], c.sign["ES256"], c.trivial.Rate))
}

// addSignOpenLoops records one measurement of signing alone in the open loop; the report compares with
// the lowest p99.
func (r *Report) addSignOpenLoops(m map[string]SignOpenLoop) {
	if r.SignOpen == nil {
		r.SignOpen = map[string]SignOpenLoop{}
	}
	for alg, s := range m {
		if cur, ok := r.SignOpen[alg]; !ok || s.P99 < cur.P99 {
			r.SignOpen[alg] = s
		}
	}
}
