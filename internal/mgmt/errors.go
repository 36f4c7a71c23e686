package mgmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/orgauth/orgauth/internal/logattr"
	"github.com/orgauth/orgauth/internal/tenant"
)

// Error is a Management API refusal, rendered in Auth0's shape:
// {"statusCode": 404, "error": "Not Found", "message": "…", "errorCode": "…"}, where "error" is the
// reason phrase of StatusCode and errorCode is left out when empty.
type Error struct {
	StatusCode int
	Message    string
	ErrorCode  string
}

func (e *Error) Error() string {
	if e.ErrorCode != "" {
		return fmt.Sprintf("%d %s (%s)", e.StatusCode, e.Message, e.ErrorCode)
	}
	return fmt.Sprintf("%d %s", e.StatusCode, e.Message)
}

// MarshalJSON writes the Auth0 error body.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
		Message    string `json:"message"`
		ErrorCode  string `json:"errorCode,omitempty"`
	}{e.StatusCode, http.StatusText(e.StatusCode), e.Message, e.ErrorCode})
}

// payloadError is a 400 for a request body that breaks the schema, in Auth0's wording. property is the
// dotted path of the offending value, "" for the body itself.
func payloadError(property, what string) *Error {
	msg := fmt.Sprintf("Payload validation error: '%s'.", what)
	if property != "" {
		msg = fmt.Sprintf("Payload validation error: '%s' on property %s.", what, property)
	}
	return &Error{StatusCode: http.StatusBadRequest, Message: msg, ErrorCode: "invalid_body"}
}

// queryError is a 400 for a query parameter with a bad value, in Auth0's wording.
func queryError(param, what string) *Error {
	return &Error{
		StatusCode: http.StatusBadRequest,
		Message:    fmt.Sprintf("Query validation error: '%s' on property %s.", what, param),
		ErrorCode:  "invalid_query_string",
	}
}

// errInvalidJSON answers a body that is not one well-formed JSON text (bad syntax, invalid UTF-8,
// trailing data, nesting beyond the decoder's limit).
var errInvalidJSON = &Error{
	StatusCode: http.StatusBadRequest,
	Message:    "Invalid request payload JSON format",
	ErrorCode:  "invalid_body",
}

var (
	errInternal    = &Error{StatusCode: http.StatusInternalServerError, Message: "Internal error"}
	errUnavailable = &Error{StatusCode: http.StatusServiceUnavailable, Message: "The database cannot be reached; retry later.", ErrorCode: "temporarily_unavailable"}
	// errBusy answers a password that could not be hashed now: every slot of the hasher stayed taken.
	errBusy = &Error{StatusCode: http.StatusTooManyRequests, Message: "Too many passwords are being hashed; retry in a moment.",
		ErrorCode: "too_many_requests"}
)

// busyRetryAfter is the Retry-After of errBusy, in seconds.
const busyRetryAfter = "1"

// asError turns any error a handler returns into the Error to send. The second result is false when err
// is a server fault (an unreachable database among them), which the caller logs; its cause is never sent.
func asError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	if te, ok := tenant.AsError(err); ok {
		return fromTenant(te), true
	}
	if errors.Is(err, tenant.ErrUnavailable) {
		return errUnavailable, false
	}
	if errors.Is(err, tenant.ErrPasswordBusy) {
		return errBusy, true
	}
	return errInternal, false
}

func fromTenant(te *tenant.Error) *Error {
	status := http.StatusBadRequest
	switch te.Kind {
	case tenant.KindNotFound:
		status = http.StatusNotFound
	case tenant.KindConflict:
		status = http.StatusConflict
	case tenant.KindForbidden:
		status = http.StatusForbidden
	}
	return &Error{StatusCode: status, Message: te.Message, ErrorCode: te.Code}
}

// writeError sends err; server faults are logged with their cause, client mistakes are not.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := asError(err)
	if e == errBusy {
		w.Header().Set("Retry-After", busyRetryAfter)
	}
	if !ok {
		h.log.ErrorContext(r.Context(), "management api request failed",
			logattr.Untrusted("method", r.Method), slog.String("path", logattr.Prefix(r.URL.Path, logattr.MaxText)), slog.Any("error", err))
	}
	writeJSON(w, e.StatusCode, e)
}
