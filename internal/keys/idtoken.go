package keys

import (
	"github.com/orgauth/orgauth/internal/jsonappend"
	"github.com/orgauth/orgauth/internal/policy"
)

// SignIDToken returns the JWT of an ID token that policy.DecideUser decided to issue, signed with the
// current key of its algorithm. It signs nothing else.
func (m *Manager) SignIDToken(t policy.IDToken) (string, error) {
	if !t.Valid() {
		return "", errUndecided
	}
	var buf [1024]byte
	return m.sign(t.SigningAlg(), appendIDClaims(buf[:0], t))
}

// appendIDClaims appends the claims of t as a JSON object (OpenID Connect Core §2, §5.1): the profile
// and email claims only when their scopes were granted, and only those that are set.
func appendIDClaims(dst []byte, t policy.IDToken) []byte {
	dst = append(dst, '{')
	dst = jsonappend.StringField(dst, "iss", t.Issuer())
	dst = jsonappend.StringField(dst, "sub", t.Subject())
	dst = jsonappend.StringField(dst, "aud", t.Audience())
	dst = jsonappend.IntField(dst, "iat", t.IssuedAt().Unix())
	dst = jsonappend.IntField(dst, "exp", t.ExpiresAt().Unix())
	dst = jsonappend.IntField(dst, "auth_time", t.AuthTime().Unix())
	dst = optionalString(dst, "sid", t.SessionID())
	dst = optionalString(dst, "nonce", t.Nonce())
	p := t.Profile()
	if t.HasProfile() {
		dst = optionalString(dst, "name", p.Name)
		dst = optionalString(dst, "given_name", p.GivenName)
		dst = optionalString(dst, "family_name", p.FamilyName)
		dst = optionalString(dst, "nickname", p.Nickname)
		dst = optionalString(dst, "picture", p.Picture)
		if !p.UpdatedAt.IsZero() {
			dst = jsonappend.StringField(dst, "updated_at", p.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
	}
	if t.HasEmail() && p.Email != "" {
		dst = jsonappend.StringField(dst, "email", p.Email)
		dst = jsonappend.FieldName(dst, "email_verified")
		if p.EmailVerified {
			dst = append(dst, "true"...)
		} else {
			dst = append(dst, "false"...)
		}
	}
	dst = optionalString(dst, "org_id", t.OrganizationID())
	dst = optionalString(dst, "org_name", t.OrganizationName())
	return append(dst, '}')
}

// optionalString appends a string field unless its value is empty.
func optionalString(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	return jsonappend.StringField(dst, name, value)
}
