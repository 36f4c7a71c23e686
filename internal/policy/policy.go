// Package policy decides whether an application may get a client-credentials token for an API, and on
// behalf of which organization. It is one pure function: the caller looks up the facts first (the grant,
// the organizations named, whether an organization client grant links them) and Decide does no I/O.
package policy

import (
	"fmt"
	"strings"
)

// Usage is a client grant's organization_usage.
type Usage string

// The organization_usage values. UsageUnset behaves as UsageDeny.
const (
	UsageUnset   Usage = ""
	UsageDeny    Usage = "deny"
	UsageAllow   Usage = "allow"
	UsageRequire Usage = "require"
)

// Usages lists every Usage; the table test covers each one.
var Usages = []Usage{UsageUnset, UsageDeny, UsageAllow, UsageRequire}

// Grant is the client grant for the (client, audience) pair.
type Grant struct {
	Usage                Usage
	AllowAnyOrganization bool
	Scopes               []string
}

// Organization is an organization value the request may act for, with the facts the caller found.
type Organization struct {
	Value      string // as sent in the request or configured as the default
	Found      bool   // an organization has that id (or, with names allowed, that name)
	ID         string // when Found
	Name       string // when Found
	Associated bool   // an organization client grant links the grant with this organization
}

// Request holds every fact the decision needs.
type Request struct {
	Audience                 string
	ClientCredentialsAllowed bool   // the client has the client_credentials grant type
	APIExists                bool   // an API has this audience as identifier
	Grant                    *Grant // nil: the client has no grant for the audience
	// Organization is the organization parameter; nil when the request has none.
	Organization *Organization
	// DefaultOrganization is the client's default organization when its flows include
	// client_credentials; nil otherwise.
	DefaultOrganization *Organization
	// NamesAllowed is the tenant flag allow_organization_name_in_authentication_api.
	NamesAllowed bool
	// Scopes are the scopes requested; nil or empty asks for all granted scopes.
	Scopes []string
}

// Decision is what goes in the token.
type Decision struct {
	OrganizationID   string // "" for a token without organization
	OrganizationName string // set only when NamesAllowed and an organization applies
	Scopes           []string
}

// Reason says why a request is refused.
type Reason int

// The refusals, in the order Decide checks them.
const (
	ReasonGrantTypeNotAllowed    Reason = iota + 1 // the client lacks the client_credentials grant type
	ReasonUnknownAudience                          // no API has the audience
	ReasonNoGrant                                  // the client has no grant for the API
	ReasonOrganizationNotAllowed                   // organization sent, grant usage is deny
	ReasonOrganizationRequired                     // grant usage is require, no organization
	ReasonOrganizationDenied                       // no such organization, or not associated
	ReasonScopeNotGranted                          // none of the requested scopes is granted
)

// Refusal is the error Decide returns.
type Refusal struct {
	Reason       Reason
	Audience     string
	Organization string // the organization value, for ReasonOrganizationDenied
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("refused (reason %d) for audience %q, organization %q", r.Reason, r.Audience, r.Organization)
}

// IsOrganizationID reports whether an organization value is an id; any other value is a name.
func IsOrganizationID(value string) bool { return strings.HasPrefix(value, "org_") }

// Decide applies the rules of docs/compatibility.md#order-of-checks from the grant type on, in that order.
func Decide(r Request) (Decision, error) {
	refuse := func(reason Reason, org string) (Decision, error) {
		return Decision{}, &Refusal{Reason: reason, Audience: r.Audience, Organization: org}
	}
	switch {
	case !r.ClientCredentialsAllowed:
		return refuse(ReasonGrantTypeNotAllowed, "")
	case !r.APIExists:
		return refuse(ReasonUnknownAudience, "")
	case r.Grant == nil:
		return refuse(ReasonNoGrant, "")
	}
	g := r.Grant

	// Which organization the request acts for: the parameter, else the default when the grant requires one.
	org := r.Organization
	if org == nil && g.Usage == UsageRequire {
		org = r.DefaultOrganization
	}

	switch g.Usage {
	case UsageAllow, UsageRequire:
	default: // deny, unset, and any value this package does not know
		if r.Organization != nil {
			return refuse(ReasonOrganizationNotAllowed, "")
		}
		org = nil
	}
	if g.Usage == UsageRequire && org == nil {
		return refuse(ReasonOrganizationRequired, "")
	}

	var d Decision
	if org != nil {
		// A name counts only when the tenant allows names; not found and not associated look the same,
		// so a client cannot probe which organizations exist.
		found := org.Found && (IsOrganizationID(org.Value) || r.NamesAllowed)
		if !found || !(g.AllowAnyOrganization || org.Associated) {
			return refuse(ReasonOrganizationDenied, org.Value)
		}
		d.OrganizationID = org.ID
		if r.NamesAllowed {
			d.OrganizationName = org.Name
		}
	}

	scopes, ok := narrow(g.Scopes, r.Scopes)
	if !ok {
		return refuse(ReasonScopeNotGranted, "")
	}
	d.Scopes = scopes
	return d, nil
}

// narrow returns the granted scopes that were requested, in the grant's order; all of them when none
// were requested. ok is false when scopes were requested and none is granted.
func narrow(granted, requested []string) (scopes []string, ok bool) {
	if len(requested) == 0 {
		return granted, true
	}
	for _, s := range granted {
		for _, want := range requested {
			if s == want {
				scopes = append(scopes, s)
				break
			}
		}
	}
	return scopes, len(scopes) > 0
}
