package accesstoken

import (
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Claims are the verified contents of an access token.
type Claims struct {
	Subject          string   // sub: a person's user id, or "<client_id>@clients" for a client-credentials token
	ClientID         string   // azp: the application that asked for the token
	GrantType        string   // gty: "client-credentials"; empty for a person's token
	Scopes           []string // scope, split on spaces
	OrganizationID   string   // org_id: the organization the token acts for; empty when none
	OrganizationName string   // org_name: present when the issuer is set to include it
	// Permissions are a person's permissions for the API in the token's organization, when the API
	// asks for them (token_dialect access_token_authz); nil otherwise.
	Permissions []string
	ID          string // jti
	Expiry      time.Time
	IssuedAt    time.Time // zero when the token has no iat
}

// HasPermission reports whether the token carries the permission.
func (c Claims) HasPermission(permission string) bool {
	return slices.Contains(c.Permissions, permission)
}

// HasScope reports whether the token grants scope.
func (c Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// privateClaims are the claims beyond the registered ones that Claims carries.
type privateClaims struct {
	AZP     string   `json:"azp"`
	GTY     string   `json:"gty"`
	Scope   string   `json:"scope"`
	OrgID   string   `json:"org_id"`
	OrgName string   `json:"org_name"`
	Perms   []string `json:"permissions"`
}

func newClaims(std jwt.Claims, priv privateClaims) Claims {
	c := Claims{
		Subject:          std.Subject,
		ClientID:         priv.AZP,
		GrantType:        priv.GTY,
		Scopes:           strings.Fields(priv.Scope),
		OrganizationID:   priv.OrgID,
		OrganizationName: priv.OrgName,
		Permissions:      priv.Perms,
		ID:               std.ID,
		Expiry:           std.Expiry.Time(),
	}
	if std.IssuedAt != nil {
		c.IssuedAt = std.IssuedAt.Time()
	}
	return c
}
