package tenant

import "github.com/orgauth/orgauth/internal/store"

// The records of users and connections under the tenant's name (see records.go).

// Connection is where users authenticate: the database (strategy auth0), an OIDC or a SAML provider.
// The tenant's reads never show its secret options.
type Connection = store.Connection

// ConnectionFilter narrows Connections; zero fields match all.
type ConnectionFilter = store.ConnectionFilter

// RefreshTokenConfig is a client's refresh_token configuration.
type RefreshTokenConfig = store.RefreshTokenConfig

// The connection strategies.
const (
	StrategyAuth0 = store.StrategyAuth0
	StrategyOIDC  = store.StrategyOIDC
	StrategySAMLP = store.StrategySAMLP
)
