package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/orgauth/orgauth/internal/bench"
)

const benchUsage = `usage: orgauth bench [flags]

Seeds a store (cached between runs), starts orgauth serve on loopback as a separate process, drives
POST /oauth/token in a closed and an open loop, measures this machine's ceilings in the same run and
prints the figures with their ratios to the ceilings. docs/performance.md explains them.
`

// benchHelpers are the servers the bench starts as separate processes besides orgauth serve:
// `orgauth bench <name> --addr A`.
var benchHelpers = map[string]struct {
	about string
	serve func(ctx context.Context, addr string) error
}{
	"trivial-server":   {"Serves the bench's trivial HTTP baseline.", bench.ServeTrivial},
	"reference-server": {"Serves the bench's minimal token endpoint (POST /oauth/token, one fixed client).", bench.ServeReference},
}

// benchCmd runs `orgauth bench`, or one of its helpers (benchHelpers).
func benchCmd(args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 {
		if h, ok := benchHelpers[args[0]]; ok {
			name := "bench " + args[0]
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			addr := fs.String("addr", "127.0.0.1:8081", "listen address")
			rest, help, err := parseFlags(fs, name, args[1:])
			switch {
			case err != nil:
				return err
			case help:
				fmt.Fprint(stdout, helpText("usage: orgauth "+name+" [--addr A]\n\n"+h.about+"\n", fs))
				return nil
			case len(rest) > 0:
				return usagef(name, "unexpected arguments: %s", strings.Join(rest, " "))
			}
			return h.serve(ctx, *addr)
		}
	}

	o := bench.DefaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.DB, "db", o.DB, `"sqlite" (a file in the cache directory) or a postgres:// URL of an empty database the bench may fill`)
	fs.StringVar(&o.CacheDir, "cache", o.CacheDir, "directory of the seeded stores kept between runs")
	fs.BoolVar(&o.Reseed, "reseed", o.Reseed, "seed again even when a seeded store is cached")
	fs.IntVar(&o.SeedConns, "seed-conns", o.SeedConns, "concurrent callers while seeding")
	fs.IntVar(&o.Scale.Orgs, "orgs", o.Scale.Orgs, "organizations")
	fs.IntVar(&o.Scale.Apps, "apps", o.Scale.Apps, "applications, each with a client grant for the RS256 and the ES256 API")
	fs.IntVar(&o.Scale.AppsPerOrg, "apps-per-org", o.Scale.AppsPerOrg, "applications each organization is associated with (2 associations each)")
	algs := fs.String("algs", strings.Join(o.Algs, ","), "signing algorithms to measure, comma-separated")
	fs.IntVar(&o.Conns, "c", o.Conns, "closed loop: connections")
	fs.IntVar(&o.OpenConns, "open-conns", o.OpenConns, "open loop: most requests in flight")
	fs.DurationVar(&o.Duration, "d", o.Duration, "duration of each measured phase (and of each ceiling)")
	fs.DurationVar(&o.Warmup, "warmup", o.Warmup, "closed-loop warm-up before each measurement")
	fs.DurationVar(&o.Reference, "ref-d", o.Reference, "the minimal token endpoint's closed loop per algorithm, half before and half after the server's (0 skips)")
	fs.Float64Var(&o.OpenRSA, "open-rs256", o.OpenRSA, "RS256 open loop: offered rate as a fraction of the RSA signing ceiling")
	fs.Float64Var(&o.OpenES256, "open-es256", o.OpenES256, "ES256 open loop: offered tokens/s")
	fs.IntVar(&o.Writes, "writes", o.Writes, "Management API associations to time (0 skips)")
	fs.Float64Var(&o.ChurnWrites, "churn", o.ChurnWrites, "run each closed loop again while the Management API writes this many times per second (0 skips)")
	fs.StringVar(&o.ProfileDir, "profile", o.ProfileDir, "write the server's CPU profile of each closed loop to this directory")
	fs.StringVar(&o.Executable, "server", "", "orgauth binary to benchmark (default: this one)")
	rest, help, err := parseFlags(fs, "bench", args)
	switch {
	case err != nil:
		return err
	case help:
		fmt.Fprint(stdout, helpText(benchUsage, fs))
		return nil
	case len(rest) > 0:
		return usagef("bench", "unexpected arguments: %s", strings.Join(rest, " "))
	}
	o.Algs = strings.Split(*algs, ",")
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find this executable: %w", err)
	}
	o.Helper = exe // the helpers are this build's, whichever server -server names
	if o.Executable == "" {
		o.Executable = exe
	}
	o.Log, o.Report = stderr, stdout
	_, err = bench.Run(ctx, o)
	return err
}
