package tenant

import "github.com/orgauth/orgauth/internal/store"

// The records of people's logins under the tenant's name (see records.go).

// User is a person, of one connection.
type User = store.User

// Invitation invites a person to join an organization.
type Invitation = store.Invitation

// AuthorizationCode is what /authorize issues, redeemed once at the token endpoint.
type AuthorizationCode = store.AuthorizationCode

// RefreshToken is one token of a refresh-token family.
type RefreshToken = store.RefreshToken

// ReuseError tells of a used refresh token presented again (its family is revoked); it matches ErrReused.
type ReuseError = store.ReuseError

// ErrReused: a single-use secret (a code, a rotated refresh token) was presented again; what it had
// issued is revoked.
var ErrReused = store.ErrReused
