package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeLifecycle runs the real binary: it starts, prints generated admin credentials on the first
// start only, answers /healthz, and exits 0 soon after SIGTERM.
func TestServeLifecycle(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "data", "orgauth.db")

	first := serve(t, bin, db)
	if !strings.Contains(first, "client_secret:") {
		t.Fatalf("first start did not print the admin credentials:\n%s", first)
	}
	secret := strings.Fields(first[strings.Index(first, "client_secret:"):])[1]
	if second := serve(t, bin, db); strings.Contains(second, "client_secret") || strings.Contains(second, secret) {
		t.Fatalf("second start printed the credentials again:\n%s", second)
	}
}

// buildBinary builds orgauth into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "orgauth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// serve starts the binary on db, waits for /healthz, sends SIGTERM and returns what it wrote.
func serve(t *testing.T, bin, db string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", db)
	cmd.Env = append(os.Environ(), "ORGAUTH_BOOTSTRAP_CLIENT_SECRET=")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil && res.StatusCode == 200 {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("not healthy in time:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 5 s after SIGTERM:\n%s", out.String())
	}
	return out.String()
}
