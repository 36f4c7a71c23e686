package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/orgauth/orgauth/internal/jsonappend"
	"github.com/orgauth/orgauth/internal/policy"
)

// errUndecided: the token did not come from policy.Decide.
var errUndecided = errors.New("sign access token: not a decided token")

// SignAccessToken returns the JWT of an access token that policy.Decide decided to issue, signed with
// the current key of its API's algorithm. It is the only way to mint a token: it signs nothing else.
func (m *Manager) SignAccessToken(t policy.AccessToken) (string, error) {
	if !t.Valid() {
		return "", errUndecided
	}
	var buf [512]byte
	return m.sign(t.SigningAlg(), appendAccessClaims(buf[:0], t))
}

// appendAccessClaims appends the claims of t as a JSON object, with a fresh jti. The order and the
// names are Auth0's (docs/compatibility.md#access-token-claims).
func appendAccessClaims(dst []byte, t policy.AccessToken) []byte {
	dst = append(dst, '{')
	dst = jsonappend.StringField(dst, "iss", t.Issuer())
	dst = jsonappend.StringField(dst, "sub", t.Subject())
	if aud := t.Audiences(); len(aud) == 1 {
		dst = jsonappend.StringField(dst, "aud", aud[0])
	} else {
		dst = appendStrings(jsonappend.FieldName(dst, "aud"), aud)
	}
	dst = jsonappend.IntField(dst, "iat", t.IssuedAt().Unix())
	dst = jsonappend.IntField(dst, "exp", t.ExpiresAt().Unix())
	dst = jsonappend.StringField(dst, "scope", t.Scope())
	if gty := t.GrantType(); gty != "" {
		dst = jsonappend.StringField(dst, "gty", gty)
	}
	dst = jsonappend.StringField(dst, "azp", t.ClientID())
	var jti [16]byte
	rand.Read(jti[:]) // never fails (crypto/rand, Go 1.24+)
	dst = jsonappend.FieldName(dst, "jti")
	dst = append(dst, '"')
	dst = base64.RawURLEncoding.AppendEncode(dst, jti[:])
	dst = append(dst, '"')
	if id := t.OrganizationID(); id != "" {
		dst = jsonappend.StringField(dst, "org_id", id)
	}
	if name := t.OrganizationName(); name != "" {
		dst = jsonappend.StringField(dst, "org_name", name)
	}
	if t.HasPermissions() {
		dst = appendStrings(jsonappend.FieldName(dst, "permissions"), t.Permissions())
	}
	return append(dst, '}')
}

// appendStrings appends a JSON array of strings.
func appendStrings(dst []byte, values []string) []byte {
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonappend.String(dst, v)
	}
	return append(dst, ']')
}

// sign returns the compact JWS of claims (a JSON object) signed with alg's current key. The header is
// {"alg":…,"typ":"JWT","kid":…}.
func (m *Manager) sign(alg string, claims []byte) (string, error) {
	k := m.snap.Load().current[alg]
	if k == nil {
		return "", fmt.Errorf("sign token: %w: %q", ErrUnknownAlgorithm, alg)
	}
	// Signing is pure CPU: more signatures at once than cores only share them out. Past GOMAXPROCS,
	// callers queue in arrival order, so that under a burst requests finish in the order they came
	// instead of all slowing down together. Having got its turn, a signer yields once: a finished
	// signer hands its slot to the next one, which the scheduler then runs next on that core, ahead of
	// every other goroutine waiting for one (a Management call, a health check, an answer from the
	// database). docs/performance.md has the figures.
	m.signing <- struct{}{}
	defer func() { <-m.signing }()
	runtime.Gosched()
	return k.signJWS(claims)
}

// signJWS builds the compact JWS in one buffer sized up front: header, claims and signature, base64url.
// The buffer becomes the returned string.
func (k *signingKey) signJWS(claims []byte) (string, error) {
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(k.prefix)+enc.EncodedLen(len(claims))+1+k.sigLen)
	buf = append(buf, k.prefix...)
	buf = enc.AppendEncode(buf, claims)
	digest := sha256.Sum256(buf)
	sig, err := k.sign(digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token with key %s: %w", k.kid, err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	// The token is buf itself, not a copy (as long again as the token, on every request): nothing
	// writes to buf after this.
	return unsafe.String(unsafe.SliceData(buf), len(buf)), nil
}
