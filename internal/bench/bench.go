// Package bench is orgauth's performance benchmark: it seeds a store, runs `orgauth serve` as a separate
// process on loopback, drives POST /oauth/token over real HTTP in a closed loop (throughput) and an
// open loop (latency at a fixed offered rate, free of coordinated omission), measures this machine's
// ceilings in the same run (signatures per second, a trivial handler under the same generator, and a
// minimal token endpoint around each closed loop) and reports the figures with their ratios to them. docs/performance.md explains how to read them.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Options configure Run. Zero values pick the defaults of DefaultOptions.
type Options struct {
	Executable string // the orgauth binary run as the server
	// Helper is the orgauth binary run as the trivial server and the minimal token endpoint (`orgauth
	// bench trivial-server`, `reference-server`), so that Executable may be a build without them or with
	// other changes; "" is Executable.
	Helper    string
	DB        string // "sqlite" (a cached file) or a postgres:// URL of an empty database the bench may fill
	CacheDir  string // where seeded SQLite stores and the manifests of seeded stores are kept
	Reseed    bool   // seed again even when a cached store exists
	SeedConns int    // concurrent callers while seeding
	Scale     Scale

	Algs      []string      // of RS256 and ES256
	Conns     int           // closed loop: connections, each sending as soon as its answer arrived
	OpenConns int           // open loop: most requests in flight at once
	Duration  time.Duration // each measured phase
	Warmup    time.Duration // closed loop before each measured phase, after one pass over every organization
	// Reference is how long the minimal token endpoint's closed loop runs for each algorithm, half just
	// before the server's closed loop and half just after it (after a short warm-up); 0 skips.
	Reference time.Duration
	OpenRSA   float64 // RS256 open loop: offered rate as a fraction of the RSA signing ceiling
	OpenES256 float64 // ES256 open loop: offered rate, tokens/s
	Writes    int     // Management API associations timed one by one; 0 skips
	// ChurnWrites runs each closed loop again while the Management API writes this many times per
	// second (associations made and removed); 0 skips.
	ChurnWrites float64
	// RemeasureCeilings measures the ceilings again after the server's phases and keeps the higher.
	RemeasureCeilings bool
	ProfileDir        string    // when set, the server's CPU profile of each closed loop is written here
	Log, Report       io.Writer // progress and the final report; nil discards
}

// DefaultOptions are the settings: 1,000 organizations, concurrency 16, RS256 open loop at 70%
// of the RSA ceiling and ES256 at 10,000 tokens/s.
func DefaultOptions() Options {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return Options{
		DB:        "sqlite",
		CacheDir:  filepath.Join(cache, "orgauth-bench"),
		SeedConns: 8,
		Scale:     Scale{Orgs: 1000, Apps: 100, AppsPerOrg: 5},
		Algs:      slices.Clone(benchAlgs),
		Conns:     16,
		OpenConns: 256,
		Duration:  10 * time.Second,
		Warmup:    2 * time.Second,
		Reference: 4 * time.Second,
		OpenRSA:   0.7,
		OpenES256: 10000,
		Writes:    200,

		ChurnWrites: 10,

		RemeasureCeilings: true,
	}
}

func (o Options) validate() error {
	var errs []error
	if o.Executable == "" {
		errs = append(errs, errors.New("no orgauth executable to run as the server"))
	}
	if o.DB == "" || o.CacheDir == "" {
		errs = append(errs, errors.New("db and cache directory must be set"))
	}
	errs = append(errs, o.Scale.validate())
	if len(o.Algs) == 0 {
		errs = append(errs, errors.New("no algorithm to measure"))
	}
	for _, alg := range o.Algs {
		if !slices.Contains(benchAlgs, alg) {
			errs = append(errs, fmt.Errorf("algorithm %q: want one of %v", alg, benchAlgs))
		}
	}
	if o.Conns < 1 || o.OpenConns < 1 || o.SeedConns < 1 {
		errs = append(errs, errors.New("connections must be at least 1"))
	}
	if o.Duration <= 0 || o.Warmup < 0 || o.Reference < 0 {
		errs = append(errs, errors.New("duration must be positive, warm-up and reference not negative"))
	}
	if o.OpenRSA <= 0 || o.OpenES256 <= 0 {
		errs = append(errs, errors.New("open-loop rates must be positive"))
	}
	if o.Writes < 0 || o.ChurnWrites < 0 {
		errs = append(errs, errors.New("writes must not be negative"))
	}
	return errors.Join(errs...)
}

// Run seeds (or reuses) the store, measures the ceilings and the server, and writes the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Report == nil {
		o.Report = io.Discard
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if o.Helper == "" {
		o.Helper = o.Executable
	}
	o.Log = &stampedWriter{w: o.Log, start: time.Now()}
	work, err := os.MkdirTemp("", "orgauth-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
			return nil, fmt.Errorf("profile directory: %w", err)
		}
	}

	r := &Report{Machine: thisMachine(), Scale: o.Scale, Conns: o.Conns, Duration: o.Duration, LoadBefore: loadAverage()}
	signers, err := newSigners()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	first, err := measureCeilings(ctx, o, work, signers)
	if err != nil {
		return nil, err
	}
	r.addCeilings(first)
	r.OpenRates = map[string]float64{"RS256": o.OpenRSA * r.SignCeiling["RS256"], "ES256": o.OpenES256}
	signOpen, err := measureSignOpenLoops(ctx, o, signers, r.OpenRates)
	if err != nil {
		return nil, err
	}
	r.addSignOpenLoops(signOpen)
	s, err := prepareStore(ctx, o.DB, o.CacheDir, o.Scale, o.Reseed, o.SeedConns, o.Log)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	r.Store, r.SeedTime = storeKind(s.db), s.seedTime
	if err := r.measureServer(ctx, o, s, work); err != nil {
		return nil, err
	}
	if o.RemeasureCeilings {
		// On a shared machine the ceilings drift: the higher of two measurements, one before and one
		// after the server's phases, is the one the figures are compared with.
		again, err := measureCeilings(ctx, o, work, signers)
		if err != nil {
			return nil, err
		}
		r.addCeilings(again)
		if signOpen, err = measureSignOpenLoops(ctx, o, signers, r.OpenRates); err != nil {
			return nil, err
		}
		r.addSignOpenLoops(signOpen)
	}
	r.LoadAfter = loadAverage()
	r.Print(o.Report)
	return r, nil
}

// stampedWriter prefixes each progress line with the time since the run began.
type stampedWriter struct {
	w     io.Writer
	start time.Time
}

func (s *stampedWriter) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(s.w, "[%6.1fs] %s", time.Since(s.start).Seconds(), p); err != nil {
		return 0, err
	}
	return len(p), nil
}
