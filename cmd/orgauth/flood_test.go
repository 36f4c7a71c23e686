//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The load of the hardening issue: 2,000 token requests, each with a distinct 500 KB Basic user name,
// once took the server to 3.46 GB resident and wrote every name to the log in full.
const (
	floodRequests    = 2000
	floodUserBytes   = 500_000
	floodConcurrency = 8
	floodMaxRSS      = 150 << 20 // bytes of peak resident memory (VmHWM)
	floodMaxLog      = 1 << 20   // bytes of log output
)

// TestUnknownClientFloodStaysBounded sends that load to the real binary on a fresh SQLite store and checks
// that its peak resident memory and its log stay small. The binary is built without -race even when the
// test runs with it (buildBinary runs a plain `go build`): the race detector's shadow memory would
// multiply the resident size being measured, and the server is not what -race checks here.
func TestUnknownClientFloodStaysBounded(t *testing.T) {
	bin := buildBinary(t)
	srv := startCounted(t, bin, filepath.Join(t.TempDir(), "orgauth.db"))

	// Each worker sends its requests over one connection from one prepared buffer, patching the first 6
	// bytes of the user name (8 base64 characters) per request, so that each is a new unknown client and
	// the client side costs little: the server's work is what the test is about.
	body := "grant_type=client_credentials&audience=https%3A%2F%2Fapi.example.com%2F"
	head := "POST /oauth/token HTTP/1.1\r\nHost: orgauth\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nAuthorization: Basic "
	// base64 of a 3-byte-aligned prefix followed by that of the tail is that of the whole name.
	tail := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", floodUserBytes-6) + ":secret"))
	template := head + "AAAAAAAA" + tail + "\r\n\r\n" + body
	var next atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for range floodConcurrency {
		wg.Go(func() {
			conn, err := net.Dial("tcp", srv.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(2 * time.Minute))
			req := []byte(template)
			responses := bufio.NewReader(conn)
			for {
				i := next.Add(1) - 1
				if i >= floodRequests {
					return
				}
				base64.StdEncoding.Encode(req[len(head):len(head)+8], fmt.Appendf(nil, "%06d", i))
				if _, err := conn.Write(req); err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				res, err := http.ReadResponse(responses, nil)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests in %v", floodRequests, time.Since(start).Round(time.Millisecond))
	if statuses[http.StatusUnauthorized] != floodRequests {
		t.Errorf("answers by status: %v, want %d times 401", statuses, floodRequests)
	}

	peak := srv.peakRSS(t)
	logBytes := srv.stop(t)
	t.Logf("peak resident memory %.1f MiB, log %d bytes", float64(peak)/(1<<20), logBytes)
	if peak >= floodMaxRSS {
		t.Errorf("peak resident memory %.1f MiB, want < %d MiB", float64(peak)/(1<<20), floodMaxRSS>>20)
	}
	if logBytes >= floodMaxLog {
		t.Errorf("log output %d bytes, want < %d; it begins:\n%s", logBytes, floodMaxLog, srv.head())
	}
}

// countedProcess is `orgauth serve` whose output is counted, not kept: only its first bytes are, to
// show when something fails.
type countedProcess struct {
	cmd  *exec.Cmd
	addr string

	mu       sync.Mutex
	written  int64
	headText bytes.Buffer
}

const headBytes = 2 << 10

func (p *countedProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.written += int64(len(b))
	if room := headBytes - p.headText.Len(); room > 0 {
		p.headText.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}

func (p *countedProcess) head() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.headText.String()
}

// startCounted starts the binary on db and waits until it is healthy.
func startCounted(t *testing.T, bin, db string) *countedProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &countedProcess{addr: addr}
	p.cmd = exec.Command(bin, "serve", "--addr", addr, "--db", db)
	p.cmd.Env = append(os.Environ(), "ORGAUTH_BOOTSTRAP_CLIENT_ID=", "ORGAUTH_BOOTSTRAP_CLIENT_SECRET=")
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get("http://" + p.addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy in time:\n%s", p.head())
		}
	}
}

// peakRSS reads the process's peak resident memory in bytes (VmHWM in /proc/<pid>/status).
func (p *countedProcess) peakRSS(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("parse VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", p.cmd.Process.Pid)
	return 0
}

// stop sends SIGTERM, waits for the exit (the log is flushed then) and returns how much was written.
func (p *countedProcess) stop(t *testing.T) int64 {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
		t.Errorf("still running 10 s after SIGTERM")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written
}
