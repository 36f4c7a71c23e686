package bench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/bench"
	"github.com/orgauth/orgauth/internal/cli"
)

// childEnv makes this test binary act as the orgauth executable, so the bench can start it as the
// server (and the trivial server) without building anything.
const childEnv = "ORGAUTH_BENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestBenchEndToEnd runs the whole bench at a tiny scale: it must complete with no error in any
// phase and report every figure. Speed is not asserted: CI machines are small and busy.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	t.Setenv(childEnv, "1")
	o := bench.DefaultOptions()
	o.Executable = os.Args[0]
	o.CacheDir = t.TempDir()
	o.Scale = bench.Scale{Orgs: 20, Apps: 3, AppsPerOrg: 1}
	o.Conns, o.OpenConns = 4, 8
	o.Duration, o.Warmup, o.Reference = 300*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond
	o.OpenRSA, o.OpenES256 = 0.05, 100
	o.Writes = 5
	o.ChurnWrites = 40          // a dozen writes in each 300 ms closed loop
	o.RemeasureCeilings = false // once is enough to show they are measured
	var out, log bytes.Buffer
	o.Report, o.Log = &out, &log
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	r, err := bench.Run(ctx, o)
	if err != nil {
		t.Fatalf("bench: %v\nlog:\n%s", err, &log)
	}
	for _, alg := range []string{"RS256", "ES256"} {
		if r.SignCeiling[alg] <= 0 || r.SignCPU[alg] <= 0 {
			t.Errorf("%s signing ceiling = %v/s, %s each", alg, r.SignCeiling[alg], r.SignCPU[alg])
		}
	}
	for _, alg := range []string{"RS256", "ES256"} {
		s := r.SignOpen[alg]
		if s.Rate != r.OpenRates[alg] || s.Rate <= 0 || s.P50 <= 0 || s.P99 < s.P50 || s.CPU <= 0 {
			t.Errorf("%s signing open loop = %+v, want positive figures at the open loop's rate %v", alg, s, r.OpenRates[alg])
		}
	}
	if r.Trivial.OK == 0 || r.Trivial.Errors != 0 {
		t.Errorf("trivial handler: %d answers, %d errors (%s)", r.Trivial.OK, r.Trivial.Errors, r.Trivial.FirstError)
	}
	if r.StartTime <= 0 || r.StartRSS <= 0 || r.PeakRSS < r.StartRSS {
		t.Errorf("start %s, RSS %d, peak %d", r.StartTime, r.StartRSS, r.PeakRSS)
	}
	if len(r.Algs) != 2 {
		t.Fatalf("measured %d algorithms, want 2", len(r.Algs))
	}
	for _, a := range r.Algs {
		for name, p := range map[string]bench.Phase{"first pass": a.FirstPass, "closed loop": a.Closed, "open loop": a.Open, "closed loop with writes": a.Churn} {
			if p.OK == 0 || p.Errors != 0 || p.P50 <= 0 || p.P99 < p.P50 {
				t.Errorf("%s %s: %d tokens, %d errors (%s), p50 %s, p99 %s", a.Alg, name, p.OK, p.Errors, p.FirstError, p.P50, p.P99)
			}
		}
		if a.ChurnWrites <= 0 {
			t.Errorf("%s: no Management write during the closed loop with writes", a.Alg)
		}
		if a.FirstPass.OK != uint64(o.Scale.Orgs) {
			t.Errorf("%s first pass: %d tokens, want one per organization (%d)", a.Alg, a.FirstPass.OK, o.Scale.Orgs)
		}
		if p := a.Reference; p.OK == 0 || p.Errors != 0 || p.CPU <= 0 || p.CPUPerRequest <= 0 {
			t.Errorf("%s minimal token endpoint: %d tokens, %d errors (%s), server CPU %v cores, %s per token",
				a.Alg, p.OK, p.Errors, p.FirstError, p.CPU, p.CPUPerRequest)
		}
		if a.Closed.CPU <= 0 || a.Closed.RSS <= 0 {
			t.Errorf("%s closed loop: server CPU %v cores, RSS %d", a.Alg, a.Closed.CPU, a.Closed.RSS)
		}
	}
	if r.Writes == nil {
		t.Error("no Management write latency")
	}
	for _, want := range []string{"RS256 closed loop", "ES256 open loop", "of the RS256 signing ceiling", "signatures alone, open loop", "writes/s", "associate a grant",
		"of the minimal token endpoint's rate"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, &out)
		}
	}
}
