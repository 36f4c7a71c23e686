package server

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store/sqlstore/pgtest"
)

// proxy forwards TCP connections to target until cut; restore listens again on the same address.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every connection: the database is unreachable.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() { p.listen(p.addr) }

// TestDatabaseOutage cuts the connection to PostgreSQL under a running instance: within the documented
// staleness bound it stops serving from its cache and answers 503, then recovers by itself.
func TestDatabaseOutage(t *testing.T) {
	dsn, err := url.Parse(pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, dsn.Host)
	dsn.Host = px.addr

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/"
	srv, err := New(t.Context(), config.Config{Issuer: issuer, DB: dsn.String(), BootstrapClientID: adminID,
		BootstrapClientSecret: adminSecret, KeyEncryptionKey: base64.StdEncoding.EncodeToString(make([]byte, kek.Size))}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	watchCtx, stop := context.WithCancel(context.Background())
	defer stop()
	go srv.Watch(watchCtx)
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	defer ts.Close()
	in := &instance{t: t, ts: ts, srv: srv, url: ts.URL, client: ts.Client(), issuer: issuer}
	w := setupWorld(t, in)
	must(t, in.token(w.request("organization", w.orgA)), 200)

	px.cut()
	start := time.Now()
	for {
		r := in.token(w.request("organization", w.orgA))
		if r.status == 503 {
			if r.str("error") != "temporarily_unavailable" {
				t.Fatalf("503 answer %s", r.raw)
			}
			t.Logf("503 after %v without the database", time.Since(start))
			break
		}
		if r.status != 200 {
			t.Fatalf("during the outage: %d %s", r.status, r.raw)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("still serving tokens from memory 5 s into the outage")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := in.api("GET", "/api/v2/organizations", w.admin, nil); r.status != 503 {
		t.Errorf("Management API during the outage: %d %s", r.status, r.raw)
	}

	px.restore()
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if r := in.token(w.request("organization", w.orgA)); r.status == 200 {
			t.Logf("recovered %v after the database came back", time.Since(start))
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("no recovery 10 s after the database came back")
		}
	}
}
