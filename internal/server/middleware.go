package server

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/orgauth/orgauth/internal/logattr"
)

// maxBodyBytes bounds every request body; handlers answer 400/413 past it.
const maxBodyBytes = 64 << 10

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// headerNosniff is the value of X-Content-Type-Options on every answer. Nothing writes into a header's
// slice of values (Set and Del replace it, Add appends to it, which copies a slice that is full), so
// every answer shares this one.
var headerNosniff = []string{"nosniff"}

// withCommon wraps every request: a request id, a body limit, panic recovery and one access-log line.
func withCommon(next http.Handler, log *slog.Logger) http.Handler {
	handler := log.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = rand.Text()[:16]
		}
		h := w.Header()
		h.Set("X-Request-Id", id)
		h["X-Content-Type-Options"] = headerNosniff // as Set, without allocating the same slice each time
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(r.Context(), "panic serving request", logattr.Untrusted("request_id", id), "panic", p)
				if rec.status == 0 {
					http.Error(rec, `{"error":"server_error","error_description":"Internal error"}`, http.StatusInternalServerError)
				}
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			if !handler.Enabled(r.Context(), level) {
				return
			}
			// The record goes straight to the handler: Logger.LogAttrs would also take the caller's
			// program counter (runtime.Callers, a good part of the line's cost), which only a handler
			// with AddSource reads, and which would name this function on every line anyway. Typed
			// attributes, five, held in the record itself: nothing is boxed or allocated for them. The
			// request id and the method are the client's choice (any token up to the header limit is a
			// method): prefixes only.
			end := time.Now()
			line := slog.NewRecord(end, level, "request", 0)
			line.AddAttrs(logattr.Untrusted("request_id", id), logattr.Untrusted("method", r.Method),
				slog.String("route", r.Pattern), slog.Int("status", rec.status), slog.Duration("duration", end.Sub(start)))
			handler.Handle(r.Context(), line) // as Logger.LogAttrs, which ignores the handler's error
		}()
		next.ServeHTTP(rec, r)
	})
}
