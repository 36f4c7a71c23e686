package oauth

import "net/http"

// Error is an OAuth error answer (RFC 6749 §5.2): Code is the error field, Description the
// error_description, Status the HTTP status. Package values exist per code; WithDescription copies one,
// so errors.Is matches by code and the shared values never change.
type Error struct {
	Code        string
	Description string
	Status      int
}

// The OAuth errors the token endpoint answers with. Statuses follow docs/compatibility.md#order-of-checks.
var (
	ErrInvalidRequest       = &Error{Code: "invalid_request", Description: "Invalid request", Status: http.StatusBadRequest}
	ErrInvalidClient        = &Error{Code: "invalid_client", Description: "Client authentication failed", Status: http.StatusUnauthorized}
	ErrUnauthorizedClient   = &Error{Code: "unauthorized_client", Description: "Unauthorized client", Status: http.StatusForbidden}
	ErrAccessDenied         = &Error{Code: "access_denied", Description: "Access denied", Status: http.StatusForbidden}
	ErrUnsupportedGrantType = &Error{Code: "unsupported_grant_type", Description: "Unsupported grant type", Status: http.StatusBadRequest}
	ErrInvalidScope         = &Error{Code: "invalid_scope", Description: "Invalid scope", Status: http.StatusBadRequest}
	ErrInvalidGrant         = &Error{Code: "invalid_grant", Description: "Invalid grant", Status: http.StatusBadRequest}
	ErrServerError          = &Error{Code: "server_error", Description: "Internal error", Status: http.StatusInternalServerError}
	// ErrTemporarilyUnavailable answers when the store cannot be reached: retrying later may succeed.
	ErrTemporarilyUnavailable = &Error{Code: "temporarily_unavailable", Description: "The authorization server cannot reach its database; retry later", Status: http.StatusServiceUnavailable}
)

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// WithDescription returns a copy of e with description d.
func (e *Error) WithDescription(d string) *Error {
	c := *e
	c.Description = d
	return &c
}

// detailed is a refusal that answers as e; its reason, which the client must not learn (which check
// failed, a family's counters), goes to the log's details.
type detailed struct {
	e      *Error
	reason string
}

func (d *detailed) Error() string { return d.e.Code + ": " + d.reason }

// Unwrap makes errors.As find e, which is what the answer shows.
func (d *detailed) Unwrap() error { return d.e }

// withReason is e with a reason for the log.
func (e *Error) withReason(reason string) error { return &detailed{e: e, reason: reason} }
