package accesstoken

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalidToken is wrapped by every refusal of a token: answer 401. Any other error from Verify means the
// token could not be checked (the issuer's keys are unreachable, or the context ended): answer 503.
var ErrInvalidToken = errors.New("invalid access token")

// The reasons a token is refused. Every refusal matches ErrInvalidToken and exactly one of these with
// errors.Is, e.g. to count refusals by reason or to tell an expired token from a forged one.
var (
	ErrMalformed      = errors.New("malformed token")                // not a compact JWS of a JSON claims object, or no kid
	ErrTooLarge       = errors.New("token too large")                // over 32 KiB
	ErrAlgorithm      = errors.New("signing algorithm not accepted") // not the algorithm of the key it names
	ErrUnknownKey     = errors.New("unknown signing key")            // a kid the issuer does not publish
	ErrSignature      = errors.New("invalid signature")
	ErrIssuer         = errors.New("wrong issuer")
	ErrAudience       = errors.New("wrong audience")
	ErrNoExpiry       = errors.New("no expiry")
	ErrExpired        = errors.New("token expired")
	ErrNotYetValid    = errors.New("token not valid yet")        // nbf in the future
	ErrIssuedInFuture = errors.New("token issued in the future") // iat in the future
)

// Reasons a token is refused, as Require sends them in error_description. They are fixed texts: none of
// them echoes the token.
const (
	reasonMalformed    = "The token is malformed"
	reasonTooLarge     = "The token is too large"
	reasonAlgorithm    = "The token's signing algorithm is not accepted"
	reasonUnknownKey   = "The token is signed by an unknown key"
	reasonSignature    = "The token's signature is invalid"
	reasonIssuer       = "The token is from another issuer"
	reasonAudience     = "The token is not for this API"
	reasonNoExpiry     = "The token has no expiry"
	reasonExpired      = "The token has expired"
	reasonNotYetValid  = "The token is not valid yet"
	reasonIssuedFuture = "The token is issued in the future"
)

var reasons = map[error]string{
	ErrMalformed:      reasonMalformed,
	ErrTooLarge:       reasonTooLarge,
	ErrAlgorithm:      reasonAlgorithm,
	ErrUnknownKey:     reasonUnknownKey,
	ErrSignature:      reasonSignature,
	ErrIssuer:         reasonIssuer,
	ErrAudience:       reasonAudience,
	ErrNoExpiry:       reasonNoExpiry,
	ErrExpired:        reasonExpired,
	ErrNotYetValid:    reasonNotYetValid,
	ErrIssuedInFuture: reasonIssuedFuture,
}

// refusal is a token refused for a reason; it matches ErrInvalidToken and its kind, and keeps its cause
// for logs.
type refusal struct {
	kind   error  // one of the Err… reasons
	reason string // its description
	cause  error
}

func refuse(kind error, cause error) error {
	return &refusal{kind: kind, reason: reasons[kind], cause: cause}
}

func (r *refusal) Error() string {
	if r.cause != nil {
		return ErrInvalidToken.Error() + ": " + r.reason + ": " + r.cause.Error()
	}
	return ErrInvalidToken.Error() + ": " + r.reason
}

func (r *refusal) Is(target error) bool { return target == ErrInvalidToken || target == r.kind }

func (r *refusal) Unwrap() error { return r.cause }

const (
	// maxQuotedValue bounds a value a refusal quotes from a token before its signature is checked (a kid):
	// the sender chose it, and refusals are logged.
	maxQuotedValue = 64
	// maxQuotedText bounds the same for a parser's message, which may embed the header's values.
	maxQuotedText = 256
)

// clip returns at most max bytes of s, cut at a rune boundary and marked with its full length, with
// invalid UTF-8 replaced.
func clip(s string, max int) string {
	if len(s) <= max && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:]) // an invalid byte is RuneError, size 1
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
		i += size
	}
	if i < len(s) {
		b.WriteString("…[cut, " + strconv.Itoa(len(s)) + " bytes]")
	}
	return b.String()
}
