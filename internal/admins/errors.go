package admins

import (
	"fmt"

	"github.com/orgauth/orgauth/internal/password"
)

// Error is a refusal to show to the person: Message is safe to show as is; Property names the input it
// concerns ("email", "password"), when there is one.
type Error struct {
	Message  string
	Property string
}

func (e *Error) Error() string {
	if e.Property != "" {
		return fmt.Sprintf("%s (property %s)", e.Message, e.Property)
	}
	return e.Message
}

// The refusals callers tell apart, compared with errors.Is.
var (
	// ErrEmailTaken: another administrator has this email (in any case).
	ErrEmailTaken = &Error{Message: "An administrator with this email already exists.", Property: "email"}
	// ErrWrongCredentials is the one answer to an unknown email or a wrong password, so that sign-in does
	// not reveal which accounts exist.
	ErrWrongCredentials = &Error{Message: "Wrong email or password."}
	// ErrSessionNotFound: the session token is unknown, signed out or expired.
	ErrSessionNotFound = &Error{Message: "The session does not exist or has expired."}
)

// ErrBusy: too many passwords are being hashed at once and none could start within the hasher's wait;
// the sign-in (or creation) was not attempted and may be tried again in a moment. It is package
// password's sentinel under this package's name, so that the dashboard needs no import of password.
var ErrBusy = password.ErrBusy
