package accesstoken

import "errors"

// ErrInvalidToken is wrapped by every refusal of a token: answer 401. Any other error from Verify means the
// token could not be checked (the issuer's keys are unreachable, or the context ended): answer 503.
var ErrInvalidToken = errors.New("invalid access token")

// Reasons a token is refused. They are fixed texts, safe to send back in error_description: none of them
// echoes the token.
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

// refusal is a token refused for a reason; it matches ErrInvalidToken and keeps its cause for logs.
type refusal struct {
	reason string
	cause  error
}

func refuse(reason string, cause error) error { return &refusal{reason: reason, cause: cause} }

func (r *refusal) Error() string {
	if r.cause != nil {
		return ErrInvalidToken.Error() + ": " + r.reason + ": " + r.cause.Error()
	}
	return ErrInvalidToken.Error() + ": " + r.reason
}

func (r *refusal) Is(target error) bool { return target == ErrInvalidToken }

func (r *refusal) Unwrap() error { return r.cause }
