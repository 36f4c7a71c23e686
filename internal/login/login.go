// Package login signs people in: GET /authorize (the OAuth 2.0 authorization code flow with PKCE, in
// the context of an organization), the login pages under /u/ (log in, sign up, the organization prompt
// and picker, invitations), the login session, and logout. It is a face of tenant, as mgmt and the
// dashboard are; the tokens themselves are issued by oauth's authorization_code and refresh_token
// grants, as policy.DecideUser decides.
package login

import (
	"log/slog"
)

// Handler serves the login flow.
type Handler struct {
	issuer     string // the iss of every authorization response
	log        *slog.Logger
	pages      pages
	tenantName string // the name on pages no organization brands
}
