package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The access log quotes only prefixes of what the client chose: a method may be any token up to the
// header limit, and a request id any 64 bytes.
func TestAccessLogQuotesPrefixes(t *testing.T) {
	var logs bytes.Buffer
	h := withCommon(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), slog.New(slog.NewTextHandler(&logs, nil)))
	r := httptest.NewRequest(strings.Repeat("M", 500_000), "/", nil)
	r.Header.Set("X-Request-Id", "id-\xff")
	h.ServeHTTP(httptest.NewRecorder(), r)
	line := logs.String()
	if len(line) > 512 {
		t.Fatalf("the access log line is %d bytes: %.300s", len(line), line)
	}
	for _, want := range []string{`method="` + strings.Repeat("M", 64) + `…[cut, 500000 bytes]"`, `request_id="id-` + "\uFFFD" + `"`} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q does not contain %q", line, want)
		}
	}
}

// One access-log line per request, with every field: a server error at ERROR, the rest at INFO, and
// nothing below the handler's level.
func TestAccessLogLine(t *testing.T) {
	var logs bytes.Buffer
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	h := withCommon(mux, slog.New(slog.NewTextHandler(&logs, nil)))

	r := httptest.NewRequest(http.MethodPost, "/ok", nil)
	r.Header.Set("X-Request-Id", "abc")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := w.Header().Get("X-Request-Id"); got != "abc" {
		t.Errorf("X-Request-Id = %q, want abc", got)
	}
	if got := w.Header().Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/fail", nil))
	lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), &logs)
	}
	wants := [][]string{
		{"time=", " level=INFO msg=request request_id=abc method=POST ", `route="POST /ok"`, " status=200 duration="},
		{" level=ERROR msg=request request_id=", " method=GET ", `route="GET /fail"`, " status=502 duration="},
	}
	for i, want := range wants {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %q does not contain %q", lines[i], w)
			}
		}
	}
	if id := strings.Fields(strings.SplitN(lines[1], "request_id=", 2)[1])[0]; len(id) != 16 {
		t.Errorf("generated request id %q, want 16 characters", id)
	}

	logs.Reset()
	quiet := withCommon(mux, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError})))
	quiet.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/ok", nil))
	if logs.Len() != 0 {
		t.Errorf("logged %q below the handler's level", &logs)
	}
}
