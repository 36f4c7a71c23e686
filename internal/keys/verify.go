package keys

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/logattr"
)

// ErrInvalidToken: Verify refused the token. Callers answer 401.
var ErrInvalidToken = errors.New("invalid token")

// leeway tolerates clock skew between instances when checking exp, nbf and iat.
const leeway = 30 * time.Second

// Claims are the parts of a verified access token that the Management API uses.
type Claims struct {
	Subject  string
	ClientID string   // azp
	Scope    []string // the space-separated "scope" claim, split
	OrgID    string
	Expiry   time.Time
}

// Verify checks an access token signed by one of the published keys: the signature, the algorithm (RS256,
// PS256 or ES256, and the one the key is for), iss == issuer, aud contains audience, and exp (required),
// nbf and iat with a 30 s leeway. Every refusal wraps ErrInvalidToken.
func (m *Manager) Verify(token, issuer, audience string) (Claims, error) {
	if issuer == "" || audience == "" {
		return Claims{}, errors.New("verify token: issuer and audience are required")
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		// The parser's errors quote the header (an alg, a certificate), which the caller chose and
		// refusals are logged: a prefix only.
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalidToken, logattr.Prefix(err.Error(), logattr.MaxText))
	}
	header := tok.Headers[0]
	k := m.snap.Load().keys[header.KeyID]
	if k == nil {
		// The kid is the caller's choice, up to the header limit, and refusals are logged: a prefix only.
		return Claims{}, fmt.Errorf("%w: unknown kid %q", ErrInvalidToken, logattr.Prefix(header.KeyID, logattr.MaxValue))
	}
	// Each key signs with one algorithm only; an RS256 key must not vouch for a PS256 signature.
	if header.Algorithm != k.alg {
		return Claims{}, fmt.Errorf("%w: alg %s does not match key %s (%s)", ErrInvalidToken, header.Algorithm, k.kid, k.alg)
	}
	var std jwt.Claims
	var extra struct {
		AZP   string `json:"azp"`
		Scope string `json:"scope"`
		OrgID string `json:"org_id"`
	}
	if err := tok.Claims(k.public, &std, &extra); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if std.Expiry == nil {
		return Claims{}, fmt.Errorf("%w: no exp claim", ErrInvalidToken)
	}
	want := jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{audience}, Time: m.now()}
	if err := std.ValidateWithLeeway(want, leeway); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return Claims{
		Subject:  std.Subject,
		ClientID: extra.AZP,
		Scope:    strings.Fields(extra.Scope),
		OrgID:    extra.OrgID,
		Expiry:   std.Expiry.Time(),
	}, nil
}
