// Command travel0 plays the Travel0 story against a running orgauth: it sets up Travel0's APIs,
// customers and applications through the Management API, starts the Adventures API (protected with the
// accesstoken package) on a loopback port, and has each application call it, printing every step and its
// result, the refusals included.
//
//	go run ./examples/travel0 --orgauth http://127.0.0.1:8080 --admin-id … --admin-secret …
//
// The admin credentials may come from ORGAUTH_ADMIN_ID and ORGAUTH_ADMIN_SECRET instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/orgauth/orgauth/accesstoken"
)

func main() {
	os.Exit(command(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// command runs travel0 and returns its exit code: 0 when every step went as the story expects.
func command(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("travel0", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgauth := fs.String("orgauth", "http://127.0.0.1:8080", "orgauth's URL")
	adminID := fs.String("admin-id", getenv("ORGAUTH_ADMIN_ID"), "client_id of orgauth's admin application (env ORGAUTH_ADMIN_ID)")
	adminSecret := fs.String("admin-secret", getenv("ORGAUTH_ADMIN_SECRET"), "its client_secret (env ORGAUTH_ADMIN_SECRET)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *adminID == "" || *adminSecret == "" {
		fmt.Fprintln(stderr, "travel0: the admin credentials are required: --admin-id and --admin-secret, or ORGAUTH_ADMIN_ID and ORGAUTH_ADMIN_SECRET")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	results, err := run(ctx, runConfig{
		orgauth: *orgauth, adminID: *adminID, adminSecret: *adminSecret,
		client: &http.Client{Timeout: 10 * time.Second},
		out:    stdout,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintf(stderr, "travel0: %v\n", err)
		return 1
	}
	for _, r := range results {
		if !r.ok() {
			return 1
		}
	}
	return 0
}

type runConfig struct {
	orgauth              string // orgauth's URL
	adminID, adminSecret string
	client               *http.Client // for every call: to orgauth, and to the Adventures API
	out                  io.Writer
	log                  *slog.Logger // the Adventures API's verifier reports here
}

// run sets Travel0 up in orgauth, starts the Adventures API on a loopback port, plays the story and stops
// the API.
func run(ctx context.Context, cfg runConfig) ([]result, error) {
	base := strings.TrimSuffix(cfg.orgauth, "/")
	ctx = context.WithValue(ctx, oauth2.HTTPClient, cfg.client) // the client golang.org/x/oauth2 uses
	d, err := discover(ctx, cfg.client, base)
	if err != nil {
		return nil, err
	}
	t, err := setup(ctx, cfg.out, newManagement(ctx, base, d, cfg.adminID, cfg.adminSecret), d)
	if err != nil {
		return nil, fmt.Errorf("set up Travel0: %w", err)
	}

	verifier, err := accesstoken.New(d.Issuer, adventuresAudience,
		accesstoken.WithHTTPClient(cfg.client), accesstoken.WithLogger(cfg.log))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &http.Server{Handler: newAdventuresAPI(verifier), ReadHeaderTimeout: 10 * time.Second}
	go api.Serve(ln)
	defer api.Close()
	apiURL := "http://" + ln.Addr().String()
	fmt.Fprintf(cfg.out, "\nThe Adventures API (%s) listens on %s\n", adventuresAudience, apiURL)

	results := play(ctx, cfg.out, cfg.client, t, apiURL)
	failed := 0
	for _, r := range results {
		if !r.ok() {
			failed++
		}
	}
	if failed == 0 {
		fmt.Fprintf(cfg.out, "\nAll %d steps went as expected.\n", len(results))
	} else {
		fmt.Fprintf(cfg.out, "\n%d of %d steps did not go as expected.\n", failed, len(results))
	}
	return results, nil
}
