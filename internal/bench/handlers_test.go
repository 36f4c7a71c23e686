package bench

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/server"
)

// BenchmarkHandlers compares, in this process and without the network, orgauth's whole handler (the
// middleware with its access-log line, the mux, the token endpoint) with the minimal token endpoint's,
// on the bench's requests for each algorithm. What separates them is what orgauth does per token
// beyond the reference; net/http's connection handling, the same for both, is left out.
func BenchmarkHandlers(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db := filepath.Join(dir, "orgauth.db")
	kekFile := filepath.Join(dir, "orgauth.kek")
	benchKEK, err := kek.Create(kekFile)
	if err != nil {
		b.Fatal(err)
	}
	st, err := server.OpenStore(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	m, err := seed(ctx, st, benchKEK, Scale{Orgs: 20, Apps: 3, AppsPerOrg: 1}, 1, io.Discard)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	// The server's access log goes to a text handler at info, as `orgauth serve` writes it, into nothing.
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(ctx, config.Config{Issuer: m.Issuer, DB: db, KeyEncryptionKeyFile: kekFile, LogLevel: "info", LogFormat: "text"}, log)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	refKeys, err := newRefKeys()
	if err != nil {
		b.Fatal(err)
	}
	handlers := []struct {
		name string
		h    http.Handler
		reqs func(alg string) *requestSet
	}{
		{"reference", referenceHandler(refKeys), func(alg string) *requestSet { return referenceRequests("bench", alg) }},
		{"orgauth", srv.Handler(), func(alg string) *requestSet { return m.tokenRequests("bench", alg) }},
	}
	for _, alg := range benchAlgs {
		for _, h := range handlers {
			b.Run(alg+"/"+h.name, func(b *testing.B) {
				reqs := h.reqs(alg)
				b.ReportAllocs()
				// As many requests in progress as the bench's closed loop has connections.
				b.SetParallelism(max(16/runtime.GOMAXPROCS(0), 1))
				before, err := selfCPU()
				if err != nil {
					b.Fatal(err)
				}
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						wire, _ := reqs.pick()
						r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
						if err != nil {
							b.Error(err)
							return
						}
						w := httptest.NewRecorder()
						h.h.ServeHTTP(w, r)
						if w.Code != http.StatusOK {
							b.Errorf("status %d: %s", w.Code, w.Body)
							return
						}
					}
				})
				// CPU time per request: unlike ns/op, it hardly depends on what else runs on the machine.
				after, err := selfCPU()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(after-before)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
			})
		}
	}
}
