package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary in dir with args and the environment cleared of ORGAUTH_* settings, and kills
// it if it is still running after 20 s (a command that should have refused started serving).
func run(t *testing.T, bin, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORGAUTH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v still running after 20 s:\n%s%s", args, stdout.String(), stderr.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// TestCLIShape runs the real binary: help on stdout with exit 0, usage errors on stderr with exit 2 and
// a pointer to the command's help, never "flag: help requested".
func TestCLIShape(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	help := []struct {
		args []string
		want string // the start of stdout
	}{
		{[]string{"help"}, "orgauth: an authorization server"},
		{[]string{"-h"}, "orgauth: an authorization server"},
		{[]string{"--help"}, "orgauth: an authorization server"},
		{[]string{"serve", "-h"}, "usage: orgauth serve [flags]"},
		{[]string{"serve", "--help"}, "usage: orgauth serve [flags]"},
		{[]string{"help", "serve"}, "usage: orgauth serve [flags]"},
		{[]string{"admins", "-h"}, "usage: orgauth admins <command>"},
		{[]string{"admins", "add", "-h"}, "usage: orgauth admins add"},
		{[]string{"admins", "add", "ann@x.test", "-h"}, "usage: orgauth admins add"},
		{[]string{"keys", "-h"}, "usage: orgauth keys <command>"},
		{[]string{"help", "keys", "rotate"}, "usage: orgauth keys rotate"},
		{[]string{"keys", "rotate", "-h"}, "usage: orgauth keys rotate"},
		{[]string{"bench", "-h"}, "usage: orgauth bench [flags]"},
	}
	for _, tt := range help {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, bin, dir, tt.args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, tt.want) || r.stderr != "" {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0 and stdout starting with %q", r.code, r.stdout, r.stderr, tt.want)
			}
			if strings.Contains(r.stdout, "help requested") {
				t.Fatalf("stdout says help requested:\n%s", r.stdout)
			}
		})
	}

	usageErrors := []struct {
		args []string
		want string // all of stderr
	}{
		{nil, "orgauth: a command is required\nrun 'orgauth help' for usage\n"},
		{[]string{"bogus"}, "orgauth: unknown command \"bogus\"\nrun 'orgauth help' for usage\n"},
		{[]string{"help", "bogus"}, "orgauth: unknown command \"bogus\"\nrun 'orgauth help' for usage\n"},
		{[]string{"serve", "--bogus"}, "orgauth: flag provided but not defined: -bogus\nrun 'orgauth serve -h' for usage\n"},
		{[]string{"serve", "extra"}, "orgauth: unexpected arguments: extra\nrun 'orgauth serve -h' for usage\n"},
		{[]string{"serve", "--log-level", "loud"}, "orgauth: --log-level \"loud\": want debug, info, warn or error\nrun 'orgauth serve -h' for usage\n"},
		{[]string{"serve", "--db", "mysql://root:s3cret@db/orgauth"},
			"orgauth: --db: unsupported scheme \"mysql://\"; supported: a SQLite file path (plain or file:), postgres://, postgresql://\nrun 'orgauth serve -h' for usage\n"},
		{[]string{"admins"}, "orgauth: admins needs a command: add or add-app\nrun 'orgauth admins -h' for usage\n"},
		{[]string{"admins", "remove", "ann@x.test"}, "orgauth: unknown admins command \"remove\" (want add or add-app)\nrun 'orgauth admins -h' for usage\n"},
		{[]string{"admins", "add"}, "orgauth: an email is required\nrun 'orgauth admins add -h' for usage\n"},
		{[]string{"admins", "add", "ann@x.test", "bob@x.test"}, "orgauth: one email only, got 2\nrun 'orgauth admins add -h' for usage\n"},
		{[]string{"admins", "add", "--bogus", "ann@x.test"}, "orgauth: flag provided but not defined: -bogus\nrun 'orgauth admins add -h' for usage\n"},
		{[]string{"admins", "add", "ann@x.test", "--db", "mysql://root:s3cret@db/orgauth"},
			"orgauth: --db: unsupported scheme \"mysql://\"; supported: a SQLite file path (plain or file:), postgres://, postgresql://\nrun 'orgauth admins add -h' for usage\n"},
		{[]string{"keys"}, "orgauth: keys needs a command: rotate or rewrap\nrun 'orgauth keys -h' for usage\n"},
		{[]string{"keys", "spin"}, "orgauth: unknown keys command \"spin\" (want rotate or rewrap)\nrun 'orgauth keys -h' for usage\n"},
		{[]string{"keys", "rotate", "extra"}, "orgauth: unexpected arguments: extra\nrun 'orgauth keys rotate -h' for usage\n"},
		{[]string{"keys", "rotate", "--db", "mysql://db/orgauth"},
			"orgauth: --db: unsupported scheme \"mysql://\"; supported: a SQLite file path (plain or file:), postgres://, postgresql://\nrun 'orgauth keys rotate -h' for usage\n"},
		{[]string{"bench", "--bogus"}, "orgauth: flag provided but not defined: -bogus\nrun 'orgauth bench -h' for usage\n"},
		{[]string{"bench", "-c", "many"}, "orgauth: invalid value \"many\" for flag -c: parse error\nrun 'orgauth bench -h' for usage\n"},
		{[]string{"version", "extra"}, "orgauth: unexpected arguments: extra\nrun 'orgauth help' for usage\n"},
	}
	for _, tt := range usageErrors {
		t.Run("fail/"+strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, bin, dir, tt.args...)
			if r.code != 2 || r.stderr != tt.want || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and stderr:\n%s", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("usage errors left files behind in %s: %v", dir, entries)
	}
}

// TestVersion checks `orgauth version` against what `go version -m` reads from the same binary.
func TestVersion(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	info := string(out)
	goVersion := regexp.MustCompile(`^\S+: (\S+)`).FindStringSubmatch(info)
	modVersion := regexp.MustCompile(`(?m)^\s+mod\s+github.com/orgauth/orgauth\s+(\S+)`).FindStringSubmatch(info)
	if goVersion == nil || modVersion == nil {
		t.Fatalf("go version -m:\n%s", info)
	}
	want := []string{"orgauth " + modVersion[1] + "\n", goVersion[1] + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"}
	if rev := regexp.MustCompile(`(?m)^\s+build\s+vcs.revision=(\S+)`).FindStringSubmatch(info); rev != nil {
		want = append(want, "revision "+rev[1])
	} else {
		want = append(want, "revision unknown")
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := run(t, bin, t.TempDir(), args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v printed:\n%s\nwant it to contain %q", args, r.stdout, w)
			}
		}
	}
}

// TestCommandsNeedAStore: only serve creates a store; the other commands refuse, naming the file they
// looked for, and leave nothing behind. Flags after the email work.
func TestCommandsNeedAStore(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	abs := filepath.Join(dir, "data", "orgauth.db")
	wantErr := "orgauth: no store at " + abs + ": orgauth serve creates one on its first start; pass --db (or set ORGAUTH_DB) to use an existing one\n"
	for _, args := range [][]string{{"admins", "add", "ann@x.test"}, {"keys", "rotate"}} {
		r := run(t, bin, dir, args...)
		if r.code != 1 || r.stderr != wantErr || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant exit 1 and:\n%s", args, r.code, r.stdout, r.stderr, wantErr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("refused commands created %v", entries)
	}
	// Relative --db, after the positional argument, resolved against the working directory.
	r := run(t, bin, dir, "admins", "add", "ann@x.test", "--db", "f.db")
	if want := "orgauth: no store at " + filepath.Join(dir, "f.db") + ":"; r.code != 1 || !strings.HasPrefix(r.stderr, want) {
		t.Fatalf("exit %d, stderr %s, want exit 1 and %q", r.code, r.stderr, want)
	}

	serve(t, bin, filepath.Join(dir, "f.db")) // creates the store
	r = run(t, bin, dir, "admins", "add", "ann@x.test", "--db", "f.db")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "administrator ann@x.test added (adm_") {
		t.Fatalf("admins add on the served store: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, bin, dir, "keys", "rotate", "--db", "file:f.db")
	if r.code != 0 || !strings.Contains(r.stdout, "rotated:") {
		t.Fatalf("keys rotate on file:f.db: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a default store appeared beside f.db: %v", err)
	}
}

// TestServePortTaken: with the address in use, serve exits 1 naming it, without claiming to listen and
// without creating a store.
func TestServePortTaken(t *testing.T) {
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	dir := t.TempDir()
	r := run(t, bin, dir, "serve", "--addr", addr, "--db", "x.db")
	want := "orgauth: listen tcp " + addr + ": bind: address already in use (is another server running? choose another address with --addr)\n"
	if r.code != 1 || !strings.HasSuffix(r.stderr, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and stderr ending with:\n%s", r.code, r.stderr, want)
	}
	if strings.Contains(r.stderr, "listening") {
		t.Errorf("logged listening on a taken port:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("store created although serve could not listen: %v", err)
	}
}
