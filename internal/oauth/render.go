package oauth

import (
	"net/http"
	"slices"
	"sync"

	"github.com/orgauth/orgauth/internal/jsonappend"
)

// The values of the headers every token answer carries, shared by every answer: Header.Set would
// allocate a slice for each, on every request. The keys are canonical. Nothing writes into a header's
// slice of values (Set and Del replace it, Add appends to it, which copies a slice that is full).
var (
	headerJSON    = []string{"application/json"}
	headerNoStore = []string{"no-store"}
	headerNoCache = []string{"no-cache"}
)

// setTokenHeaders sets the headers of every token endpoint answer (RFC 6749 §5.1).
func setTokenHeaders(h http.Header) {
	h["Content-Type"] = headerJSON
	h["Cache-Control"] = headerNoStore
	h["Pragma"] = headerNoCache
}

// writeError answers {"error", "error_description"}. A 401 carries the Basic challenge: RFC 6749 §5.2
// requires it when the client used Basic, and RFC 9110 §15.5.2 requires a challenge on every 401.
func writeError(w http.ResponseWriter, e *Error, challenge string) {
	setTokenHeaders(w.Header())
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	b := make([]byte, 0, 64+len(e.Code)+len(e.Description))
	b = append(b, '{')
	b = jsonappend.StringField(b, "error", e.Code)
	b = jsonappend.StringField(b, "error_description", e.Description)
	b = append(b, '}')
	w.WriteHeader(e.Status)
	w.Write(b)
}

// answers holds the buffers of token answers for reuse: an answer is as long as its token (~700 bytes
// for ES256), and a buffer allocated per answer would be that much more garbage per token. A buffer is
// free again once Write returns (an io.Writer must not retain it).
var answers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledAnswer bounds the buffers kept for reuse: a token with unusually long claims is answered
// from a buffer of its own, which the pool does not keep.
const maxPooledAnswer = 4 << 10

// writeToken answers a successful token request.
func writeToken(w http.ResponseWriter, t *tokenResponse) {
	setTokenHeaders(w.Header())
	buf := answers.Get().(*[]byte)
	b := slices.Grow((*buf)[:0], 96+len(t.accessToken)+len(t.idToken)+len(t.refreshToken)+len(t.scope))
	b = append(b, '{')
	b = jsonappend.StringField(b, "access_token", t.accessToken)
	if t.idToken != "" {
		b = jsonappend.StringField(b, "id_token", t.idToken)
	}
	if t.refreshToken != "" {
		b = jsonappend.StringField(b, "refresh_token", t.refreshToken)
	}
	b = jsonappend.StringField(b, "scope", t.scope)
	b = jsonappend.IntField(b, "expires_in", t.expiresIn)
	b = jsonappend.StringField(b, "token_type", "Bearer")
	b = append(b, '}')
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	if cap(b) <= maxPooledAnswer {
		*buf = b
		answers.Put(buf)
	}
}
