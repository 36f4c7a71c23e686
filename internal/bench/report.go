package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/config"
)

// Report is what one bench run measured.
type Report struct {
	Machine  Machine
	Store    string // sqlite or postgres
	Scale    Scale
	SeedTime time.Duration // 0 when a cached store was reused
	Conns    int
	Duration time.Duration

	SignCeiling map[string]float64       // signatures/s on every core, by algorithm: the highest measured
	SignCPU     map[string]time.Duration // CPU time of one signature, by algorithm: the lowest measured
	Trivial     Phase                    // the trivial handler under the closed loop: the fastest measured
	CeilingRuns []string                 // each measurement of the ceilings, to show the machine's drift
	// OpenRates are the open loops' offered rates, by algorithm: RS256 relative to the RSA signing
	// ceiling first measured, since signing bounds it; ES256 fixed.
	OpenRates map[string]float64
	SignOpen  map[string]SignOpenLoop // signing alone at those rates: the lowest p99 measured

	LoadBefore, LoadAfter string // /proc/loadavg: how busy the machine was besides the bench

	StartTime time.Duration // from exec to the first healthy answer
	StartRSS  int64         // bytes, right after start
	Algs      []AlgResult
	Writes    *histogram // Management API association latency; nil when skipped
	EndRSS    int64      // bytes, after every phase
	PeakRSS   int64
}

// AlgResult is the token endpoint's figures for one signing algorithm.
type AlgResult struct {
	Alg       string
	FirstPass Phase // one request per organization, on a cold cache (no CPU figures)
	Closed    Phase // closed loop at Report.Conns connections
	// Reference is the minimal token endpoint signing with the same algorithm, closed loop at
	// Report.Conns connections, half just before Closed and half just after (zero when skipped).
	Reference Phase
	OpenRate  float64 // offered rate of the open loop, tokens/s
	Open      Phase
	// Churn is the closed loop again while the Management API associates and removes grants at
	// ChurnWrites writes/s (zero when skipped).
	Churn       Phase
	ChurnWrites float64
}

// Phase is one load phase's figures.
type Phase struct {
	Rate                float64 // successful answers per second
	OK, Errors          uint64
	FirstError          string
	P50, P99, P999, Max time.Duration
	CPU                 float64       // server CPU, in cores
	CPUPerRequest       time.Duration // server CPU time per successful answer
	RSS                 int64         // server resident memory at the end of the phase
}

func phase(res loadResult, before, after procSample) Phase {
	var s cpuSpan
	if !before.at.IsZero() {
		s.add(before, after)
	}
	s.rss = after.rss
	return s.phase(res)
}

// cpuSpan is the server's CPU time over one or more intervals, and its resident memory at the end.
type cpuSpan struct {
	cpu, wall time.Duration
	rss       int64
}

func (s *cpuSpan) add(before, after procSample) {
	s.cpu += after.cpu - before.cpu
	s.wall += after.at.Sub(before.at)
	s.rss = after.rss
}

// phase is the figures of res, whose server CPU time s holds (none when s.wall is 0).
func (s cpuSpan) phase(res loadResult) Phase {
	p := Phase{
		Rate: res.rate(), OK: res.ok, Errors: res.errors, FirstError: res.firstErr,
		P50: res.latency.quantile(0.5), P99: res.latency.quantile(0.99), P999: res.latency.quantile(0.999), Max: res.latency.max,
		RSS: s.rss,
	}
	if s.wall > 0 {
		p.CPU = float64(s.cpu) / float64(s.wall)
		if res.ok > 0 {
			p.CPUPerRequest = s.cpu / time.Duration(res.ok)
		}
	}
	return p
}

// Machine describes where the bench ran.
type Machine struct {
	CPUs       int
	CPUModel   string
	GoVersion  string
	GOMAXPROCS int
}

func thisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPUModel: "unknown"}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPUModel = strings.TrimSpace(value)
				break
			}
		}
	}
	return m
}

// loadAverage is the 1, 5 and 15-minute load averages, "unknown" when /proc does not say.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func storeKind(db string) string {
	if (config.Config{DB: db}).IsPostgres() {
		return "postgres"
	}
	return "sqlite"
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\norgauth bench: %d CPUs (%s), %s %s/%s, GOMAXPROCS %d\n",
		r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, runtime.GOOS, runtime.GOARCH, r.Machine.GOMAXPROCS)
	seeded := "reused from the cache"
	if r.SeedTime > 0 {
		seeded = "seeded in " + r.SeedTime.Round(time.Millisecond).String()
	}
	fmt.Fprintf(w, "store: %s, %d organizations, %d applications, %d associations (%s)\n",
		r.Store, r.Scale.Orgs, r.Scale.Apps, r.Scale.Associations(), seeded)
	fmt.Fprintf(w, "each phase %s; closed loops at %d connections; load average %s before, %s after\n\n",
		r.Duration, r.Conns, r.LoadBefore, r.LoadAfter)

	fmt.Fprintln(w, "ceilings (the highest of: "+strings.Join(r.CeilingRuns, "; ")+")")
	fmt.Fprintf(w, "  RSA-2048 PKCS#1 v1.5 signatures/s  %9.0f  (one process, every core; %s of CPU each)\n",
		r.SignCeiling["RS256"], us(r.SignCPU["RS256"]))
	fmt.Fprintf(w, "  ECDSA P-256 signatures/s           %9.0f  (%s of CPU each)\n", r.SignCeiling["ES256"], us(r.SignCPU["ES256"]))
	fmt.Fprintf(w, "  trivial handler requests/s         %9.0f  (p50 %s, p99 %s, server CPU %.2f cores)\n",
		r.Trivial.Rate, ms(r.Trivial.P50), ms(r.Trivial.P99), r.Trivial.CPU)
	for _, a := range r.Algs {
		if a.Reference.OK > 0 {
			fmt.Fprintf(w, "  minimal token endpoint, %s tokens/s %5.0f  (p50 %s, p99 %s, server CPU %.2f cores, %s each; around the closed loop)\n",
				a.Alg, a.Reference.Rate, ms(a.Reference.P50), ms(a.Reference.P99), a.Reference.CPU, us(a.Reference.CPUPerRequest))
		}
	}
	for _, alg := range benchAlgs {
		if s, ok := r.SignOpen[alg]; ok {
			fmt.Fprintf(w, "  %s signatures alone, open loop at %.0f/s: p50 %s, p99 %s (%s of CPU each)\n",
				alg, s.Rate, ms(s.P50), ms(s.P99), us(s.CPU))
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "server: healthy %s after exec, RSS %s\n\n", r.StartTime.Round(time.Millisecond), mib(r.StartRSS))
	fmt.Fprintf(w, "%-34s %10s %9s %9s %9s %9s %7s %6s %9s %9s\n",
		"token endpoint", "tokens/s", "p50", "p99", "p99.9", "max", "errors", "CPU", "CPU/tok", "RSS")
	row := func(name string, p Phase) {
		fmt.Fprintf(w, "%-34s %10.0f %9s %9s %9s %9s %7d %6.2f %9s %9s\n", name, p.Rate,
			ms(p.P50), ms(p.P99), ms(p.P999), ms(p.Max), p.Errors, p.CPU, us(p.CPUPerRequest), mib(p.RSS))
	}
	for _, a := range r.Algs {
		if a.Reference.OK > 0 {
			row(a.Alg+" minimal token endpoint", a.Reference)
		}
		row(a.Alg+" first pass (cold cache)", a.FirstPass)
		row(fmt.Sprintf("%s closed loop, %d conns", a.Alg, r.Conns), a.Closed)
		row(fmt.Sprintf("%s open loop at %.0f/s", a.Alg, a.OpenRate), a.Open)
		if a.ChurnWrites > 0 {
			row(fmt.Sprintf("%s closed, %.0f writes/s", a.Alg, a.ChurnWrites), a.Churn)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ratios (closed loop)")
	for _, a := range r.Algs {
		fmt.Fprintf(w, "  %s: %5.1f%% of the %s signing ceiling, %5.1f%% of the trivial handler; "+
			"the signature is %.0f%% of the server's CPU per token\n", a.Alg,
			pct(a.Closed.Rate, r.SignCeiling[a.Alg]), a.Alg, pct(a.Closed.Rate, r.Trivial.Rate),
			pct(float64(r.SignCPU[a.Alg]), float64(a.Closed.CPUPerRequest)))
		if a.Reference.OK > 0 {
			fmt.Fprintf(w, "  %s: %5.1f%% of the minimal token endpoint's rate; its CPU per token is %.0f%% of the server's\n",
				a.Alg, pct(a.Closed.Rate, a.Reference.Rate), pct(float64(a.Reference.CPUPerRequest), float64(a.Closed.CPUPerRequest)))
		}
	}
	for _, a := range r.Algs {
		if a.ChurnWrites > 0 {
			fmt.Fprintf(w, "  %s with Management writes at %.0f/s: %.1f%% of the closed loop without them\n",
				a.Alg, a.ChurnWrites, pct(a.Churn.Rate, a.Closed.Rate))
		}
	}
	fmt.Fprintln(w, "open loop against signing alone at the same rate (the latency floor on this machine)")
	for _, a := range r.Algs {
		s := r.SignOpen[a.Alg]
		fmt.Fprintf(w, "  %s at %.0f/s: p99 %s, signing alone %s; CPU per signature %s at this rate, %s back to back\n",
			a.Alg, a.OpenRate, ms(a.Open.P99), ms(s.P99), us(s.CPU), us(r.SignCPU[a.Alg]))
	}
	if r.Writes != nil {
		fmt.Fprintf(w, "\nmanagement: associate a grant with an organization, %d writes one at a time: p50 %s, p99 %s, max %s\n",
			r.Writes.n, ms(r.Writes.quantile(0.5)), ms(r.Writes.quantile(0.99)), ms(r.Writes.max))
	}
	fmt.Fprintf(w, "server memory: RSS %s at the end, peak %s\n", mib(r.EndRSS), mib(r.PeakRSS))
	for _, a := range r.Algs {
		for _, p := range []Phase{a.Reference, a.FirstPass, a.Closed, a.Open, a.Churn} {
			if p.FirstError != "" {
				fmt.Fprintf(w, "%s: first error: %s\n", a.Alg, p.FirstError)
				break
			}
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }
func mib(b int64) string        { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

func pct(v, of float64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * v / of
}
