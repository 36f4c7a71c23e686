package tenant

import (
	"errors"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// ErrUnavailable: the database cannot be reached, so the operation could not be done (or its outcome
// is unknown); it may succeed later. An operation's error wraps it then, and so does the Directory's
// ErrStale; the faces answer 503. Compare with errors.Is. It is the store's sentinel under the tenant's
// name, so that a face needs no import of the store to recognize it.
var ErrUnavailable = store.ErrUnavailable

// Kind classifies an Error; the Management API maps it to an HTTP status, the dashboard to a message.
type Kind int

// The kinds of Error.
const (
	KindInvalid   Kind = iota + 1 // the input breaks a rule (400)
	KindNotFound                  // the entity does not exist (404)
	KindConflict                  // a duplicate or a limit (409)
	KindForbidden                 // the entity may not be changed, e.g. a system API (403)
)

// Error is a refusal the caller shows to the user. Message is safe to show; Property names the input
// field it concerns ("name", "branding.colors.primary"), when there is one.
type Error struct {
	Kind     Kind
	Message  string
	Code     string // Auth0 errorCode, optional
	Property string
}

func (e *Error) Error() string {
	if e.Property != "" {
		return fmt.Sprintf("%s (property %s)", e.Message, e.Property)
	}
	return e.Message
}

// invalid reports a broken rule on a property, in the Auth0 wording of payload validation errors.
func invalid(property, format string, args ...any) *Error {
	return &Error{
		Kind:     KindInvalid,
		Message:  fmt.Sprintf("Payload validation error: '%s' on property %s.", fmt.Sprintf(format, args...), property),
		Code:     "invalid_body",
		Property: property,
	}
}

// invalidMessage is an invalid-input refusal whose message is shown as is.
func invalidMessage(property, message string) *Error {
	return &Error{Kind: KindInvalid, Message: message, Code: "invalid_body", Property: property}
}

func notFound(message, code string) *Error {
	return &Error{Kind: KindNotFound, Message: message, Code: code}
}

func conflict(message, code string) *Error {
	return &Error{Kind: KindConflict, Message: message, Code: code}
}

// The refusals of a store outcome that no operation words more precisely (the operations' own words,
// storeError's, come first): a record deleted or created by a concurrent write between two steps of one
// operation, say. Their messages are the ones the Management API has always sent for them.
var (
	errNoSuchRecord  = &Error{Kind: KindNotFound, Message: "The resource does not exist."}
	errRecordExists  = &Error{Kind: KindConflict, Message: "The resource already exists."}
	errInvalidCursor = &Error{Kind: KindInvalid, Message: "Query validation error: 'Invalid checkpoint' on property from.",
		Code: "invalid_query_string", Property: "from"}
)

// AsError returns the refusal err carries: err itself when it is a *Error, or else, when err wraps the
// store's "not found", "conflict" or "invalid cursor" without an operation having named the refusal,
// a generic one of that Kind. Any other error, ErrUnavailable among them, is a server fault: false.
func AsError(err error) (*Error, bool) {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e, true
	case errors.Is(err, store.ErrNotFound):
		return errNoSuchRecord, true
	case errors.Is(err, store.ErrConflict):
		return errRecordExists, true
	case errors.Is(err, store.ErrInvalidCursor):
		return errInvalidCursor, true
	}
	return nil, false
}
