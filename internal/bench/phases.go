package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// measureServer starts orgauth on the seeded store and runs every load phase against it.
func (r *Report) measureServer(ctx context.Context, o Options, s seeded, work string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	args := []string{"serve", "--addr", addr, "--db", s.db, "--issuer", s.manifest.Issuer, "--log-level", "info",
		"--key-encryption-key-file", s.kekFile}
	var pprofAddr string
	if o.ProfileDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return err
		}
		args = append(args, "--pprof-addr", pprofAddr)
	}
	var ref *process
	if o.Reference > 0 {
		refAddr, err := freeAddr()
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Log, "reference: starting the minimal token endpoint on %s\n", refAddr)
		if ref, err = startProcess(ctx, o.Helper, []string{"bench", "reference-server", "--addr", refAddr}, refAddr, "/healthz",
			filepath.Join(work, "reference.log")); err != nil {
			return fmt.Errorf("bench: reference server: %w", err)
		}
		defer ref.stop()
	}
	fmt.Fprintf(o.Log, "server: starting on %s\n", addr)
	p, err := startProcess(ctx, o.Executable, args, addr, "/healthz", filepath.Join(work, "server.log"))
	if err != nil {
		return fmt.Errorf("bench: server: %w", err)
	}
	defer p.stop()
	r.StartTime = p.startTime
	idle, err := sampleProc(p.pid())
	if err != nil {
		return err
	}
	r.StartRSS = idle.rss

	client := &http.Client{Timeout: 10 * time.Second}
	baseURL := "http://" + addr + "/"
	mc, err := newMgmtClient(client, baseURL, s.manifest)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	for _, alg := range o.Algs {
		if err := checkToken(client, baseURL, s.manifest, alg); err != nil {
			return fmt.Errorf("bench: %s: %w", alg, err)
		}
		a, err := measureAlg(ctx, o, p, ref, s.manifest, alg, r.OpenRates[alg], pprofAddr, mc)
		if err != nil {
			return fmt.Errorf("bench: %s: %w", alg, err)
		}
		r.Algs = append(r.Algs, a)
	}
	if o.Writes > 0 {
		fmt.Fprintf(o.Log, "management: %d associations through the Management API\n", o.Writes)
		if r.Writes, err = associationLatency(mc, s.manifest, o.Writes); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	end, err := sampleProc(p.pid())
	if err != nil {
		return err
	}
	r.EndRSS, r.PeakRSS = end.rss, end.hwm
	if ref != nil {
		if err := ref.stop(); err != nil {
			return fmt.Errorf("bench: reference server: %w", err)
		}
	}
	return p.stop()
}

// measureAlg runs one algorithm's phases: a first pass over every organization (cold cache), a
// warm-up, the closed loop (profiled when asked) with the reference's closed loop around it (when ref
// is not nil), the open loop and, when asked, the closed loop again while the Management API writes.
func measureAlg(ctx context.Context, o Options, p, ref *process, m *manifest, alg string, openRate float64, pprofAddr string, mc *mgmtClient) (AlgResult, error) {
	a := AlgResult{Alg: alg, OpenRate: openRate}
	reqs := m.tokenRequests(p.addr, alg)
	sample := func() (procSample, error) { return sampleProc(p.pid()) }

	fmt.Fprintf(o.Log, "%s: first pass over %d organizations\n", alg, len(m.Orgs))
	cold, err := closedLoop(ctx, p.addr, reqs, o.Conns, time.Hour, uint64(len(reqs.reqs)))
	if err != nil {
		return a, err
	}
	a.FirstPass = phase(cold, procSample{}, procSample{})
	if _, err := closedLoop(ctx, p.addr, reqs, o.Conns, o.Warmup, 0); err != nil {
		return a, err
	}

	// The reference runs half just before the server's closed loop and half just after it: the ratio of
	// the two rates is then little affected by the machine's drift, which is linear over a short time.
	var refSpan cpuSpan
	var refRes loadResult
	var refReqs *requestSet
	if ref != nil {
		refReqs = referenceRequests(ref.addr, alg)
		fmt.Fprintf(o.Log, "%s: reference, closed loop, %d connections for %s (1/2)\n", alg, o.Conns, o.Reference/2)
		if _, err := closedLoop(ctx, ref.addr, refReqs, o.Conns, min(o.Warmup, refWarmup), 0); err != nil {
			return a, fmt.Errorf("reference: %w", err)
		}
		if err := refRes.add(measureClosed(ctx, o.Conns, o.Reference/2, ref, refReqs, &refSpan)); err != nil {
			return a, fmt.Errorf("reference: %w", err)
		}
	}

	fmt.Fprintf(o.Log, "%s: closed loop, %d connections for %s\n", alg, o.Conns, o.Duration)
	profile := make(chan error, 1)
	if pprofAddr != "" {
		go func() {
			profile <- saveProfile(ctx, pprofAddr, o.Duration, filepath.Join(o.ProfileDir, fmt.Sprintf("server-%s.pprof", alg)))
		}()
	} else {
		profile <- nil
	}
	before, err := sample()
	if err != nil {
		return a, err
	}
	closed, err := closedLoop(ctx, p.addr, reqs, o.Conns, o.Duration, 0)
	if err != nil {
		return a, err
	}
	after, err := sample()
	if err != nil {
		return a, err
	}
	a.Closed = phase(closed, before, after)
	if err := <-profile; err != nil {
		return a, err
	}
	if ref != nil {
		fmt.Fprintf(o.Log, "%s: reference, closed loop, %d connections for %s (2/2)\n", alg, o.Conns, o.Reference-o.Reference/2)
		if err := refRes.add(measureClosed(ctx, o.Conns, o.Reference-o.Reference/2, ref, refReqs, &refSpan)); err != nil {
			return a, fmt.Errorf("reference: %w", err)
		}
		a.Reference = refSpan.phase(refRes)
	}

	fmt.Fprintf(o.Log, "%s: open loop at %.0f tokens/s for %s\n", alg, openRate, o.Duration)
	before = after
	open, err := openLoop(ctx, p.addr, reqs, openRate, o.OpenConns, o.Duration)
	if err != nil {
		return a, err
	}
	if after, err = sample(); err != nil {
		return a, err
	}
	a.Open = phase(open, before, after)
	if o.ChurnWrites <= 0 {
		return a, nil
	}

	fmt.Fprintf(o.Log, "%s: closed loop while the Management API writes %.0f/s, for %s\n", alg, o.ChurnWrites, o.Duration)
	before = after
	withWrites, writes, err := closedLoopWithWrites(ctx, o, p.addr, reqs, mc, m)
	if err != nil {
		return a, err
	}
	if after, err = sample(); err != nil {
		return a, err
	}
	a.Churn = phase(withWrites, before, after)
	a.ChurnWrites = float64(writes) / withWrites.elapsed.Seconds()
	return a, nil
}

// refWarmup bounds the reference's warm-up: it has no cache to fill, only its heap to grow.
const refWarmup = 500 * time.Millisecond

// measureClosed runs a closed loop against process p for d and adds the CPU time p spent to span.
func measureClosed(ctx context.Context, conns int, d time.Duration, p *process, reqs *requestSet, span *cpuSpan) (loadResult, error) {
	before, err := sampleProc(p.pid())
	if err != nil {
		return loadResult{}, err
	}
	res, err := closedLoop(ctx, p.addr, reqs, conns, d, 0)
	if err != nil {
		return res, err
	}
	after, err := sampleProc(p.pid())
	if err != nil {
		return res, err
	}
	span.add(before, after)
	return res, nil
}

// closedLoopWithWrites runs the closed loop while churn makes Management writes; it returns the loop's
// result and how many writes were made.
func closedLoopWithWrites(ctx context.Context, o Options, addr string, reqs *requestSet, mc *mgmtClient, m *manifest) (loadResult, int, error) {
	stop := make(chan struct{})
	var writes int
	var churnErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		writes, churnErr = churn(mc, m, o.ChurnWrites, stop)
	}()
	res, err := closedLoop(ctx, addr, reqs, o.Conns, o.Duration, 0)
	close(stop)
	<-done
	if err != nil {
		return res, writes, err
	}
	if churnErr != nil {
		return res, writes, fmt.Errorf("management writes during the closed loop: %w", churnErr)
	}
	return res, writes, nil
}

// saveProfile fetches the server's CPU profile over d and writes it to path.
func saveProfile(ctx context.Context, pprofAddr string, d time.Duration, path string) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, max(int(d.Seconds()), 1))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: status %d (does the server take --pprof-addr?)", res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile: %w", err)
	}
	return f.Close()
}
