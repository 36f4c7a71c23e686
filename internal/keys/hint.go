package keys

import (
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// IDTokenHint is what an id_token_hint (OpenID Connect RP-Initiated Logout) says, once its signature
// is known to be one of this server's published keys.
type IDTokenHint struct {
	Issuer    string
	Subject   string
	Audience  []string
	SessionID string // sid
}

// ReadIDTokenHint verifies the signature of an ID token against the published keys and returns its
// claims. Its expiry is not checked: a logout may name a session by an expired ID token.
func (m *Manager) ReadIDTokenHint(token string) (IDTokenHint, error) {
	if len(token) > 16<<10 {
		return IDTokenHint{}, errors.New("id_token_hint: too long")
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		return IDTokenHint{}, fmt.Errorf("id_token_hint: %w", err)
	}
	keys := m.snap.Load().set.Key(tok.Headers[0].KeyID)
	if len(keys) == 0 {
		return IDTokenHint{}, errors.New("id_token_hint: signed by no published key")
	}
	var std jwt.Claims
	var sid struct {
		SessionID string `json:"sid"`
	}
	if err := tok.Claims(keys[0].Key, &std, &sid); err != nil {
		return IDTokenHint{}, fmt.Errorf("id_token_hint: %w", err)
	}
	return IDTokenHint{Issuer: std.Issuer, Subject: std.Subject, Audience: std.Audience, SessionID: sid.SessionID}, nil
}
