package tenant

import (
	"errors"
	"fmt"
)

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

// AsError returns err as a *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
