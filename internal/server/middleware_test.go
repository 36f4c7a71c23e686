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
