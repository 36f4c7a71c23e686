package policy

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// The organizations of the decision table. The grant is linked with both, or with neither.
var (
	orgAcme    = Organization{Value: "org_acme000000000000", Found: true, ID: "org_acme000000000000", Name: "acme"}
	orgDefault = Organization{Value: "org_dflt000000000000", Found: true, ID: "org_dflt000000000000", Name: "dflt"}
)

// The organization parameter of the decision table.
type param int

const (
	paramNone    param = iota // no organization parameter
	paramID                   // the id of an existing organization
	paramNameOn               // its name, with the tenant flag on
	paramNameOff              // its name, with the flag off (the lookup found it anyway: Decide must not trust that)
	paramUnknown              // an id no organization has
	paramCount
)

type outcome struct {
	org    *Organization // token for this organization; nil: token without organization
	reason Reason        // refused for this reason; 0: token
}

func token(org any) outcome {
	if o, ok := org.(Organization); ok {
		return outcome{org: &o}
	}
	return outcome{}
}

func refused(r Reason) outcome { return outcome{reason: r} }

// TestDecideOrganizations covers every combination of organization_usage × allow_any_organization ×
// association × organization parameter × default organization, one named row each.
func TestDecideOrganizations(t *testing.T) {
	rows := []struct {
		name     string
		usage    Usage
		anyOrg   bool
		linked   bool
		param    param
		hasDflt  bool
		expected outcome
	}{
		{"unset/listed orgs/unlinked/no param/no default", UsageUnset, false, false, paramNone, false, token("")},
		{"unset/listed orgs/unlinked/no param/default", UsageUnset, false, false, paramNone, true, token("")},
		{"unset/listed orgs/unlinked/param id/no default", UsageUnset, false, false, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param id/default", UsageUnset, false, false, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param name, names on/no default", UsageUnset, false, false, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param name, names on/default", UsageUnset, false, false, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param name, names off/no default", UsageUnset, false, false, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param name, names off/default", UsageUnset, false, false, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param unknown/no default", UsageUnset, false, false, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/unlinked/param unknown/default", UsageUnset, false, false, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/no param/no default", UsageUnset, false, true, paramNone, false, token("")},
		{"unset/listed orgs/linked/no param/default", UsageUnset, false, true, paramNone, true, token("")},
		{"unset/listed orgs/linked/param id/no default", UsageUnset, false, true, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param id/default", UsageUnset, false, true, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param name, names on/no default", UsageUnset, false, true, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param name, names on/default", UsageUnset, false, true, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param name, names off/no default", UsageUnset, false, true, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param name, names off/default", UsageUnset, false, true, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param unknown/no default", UsageUnset, false, true, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/listed orgs/linked/param unknown/default", UsageUnset, false, true, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/no param/no default", UsageUnset, true, false, paramNone, false, token("")},
		{"unset/any org/unlinked/no param/default", UsageUnset, true, false, paramNone, true, token("")},
		{"unset/any org/unlinked/param id/no default", UsageUnset, true, false, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param id/default", UsageUnset, true, false, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param name, names on/no default", UsageUnset, true, false, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param name, names on/default", UsageUnset, true, false, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param name, names off/no default", UsageUnset, true, false, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param name, names off/default", UsageUnset, true, false, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param unknown/no default", UsageUnset, true, false, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/unlinked/param unknown/default", UsageUnset, true, false, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/no param/no default", UsageUnset, true, true, paramNone, false, token("")},
		{"unset/any org/linked/no param/default", UsageUnset, true, true, paramNone, true, token("")},
		{"unset/any org/linked/param id/no default", UsageUnset, true, true, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param id/default", UsageUnset, true, true, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param name, names on/no default", UsageUnset, true, true, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param name, names on/default", UsageUnset, true, true, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param name, names off/no default", UsageUnset, true, true, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param name, names off/default", UsageUnset, true, true, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param unknown/no default", UsageUnset, true, true, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"unset/any org/linked/param unknown/default", UsageUnset, true, true, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/no param/no default", UsageDeny, false, false, paramNone, false, token("")},
		{"deny/listed orgs/unlinked/no param/default", UsageDeny, false, false, paramNone, true, token("")},
		{"deny/listed orgs/unlinked/param id/no default", UsageDeny, false, false, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param id/default", UsageDeny, false, false, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param name, names on/no default", UsageDeny, false, false, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param name, names on/default", UsageDeny, false, false, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param name, names off/no default", UsageDeny, false, false, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param name, names off/default", UsageDeny, false, false, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param unknown/no default", UsageDeny, false, false, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/unlinked/param unknown/default", UsageDeny, false, false, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/no param/no default", UsageDeny, false, true, paramNone, false, token("")},
		{"deny/listed orgs/linked/no param/default", UsageDeny, false, true, paramNone, true, token("")},
		{"deny/listed orgs/linked/param id/no default", UsageDeny, false, true, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param id/default", UsageDeny, false, true, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param name, names on/no default", UsageDeny, false, true, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param name, names on/default", UsageDeny, false, true, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param name, names off/no default", UsageDeny, false, true, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param name, names off/default", UsageDeny, false, true, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param unknown/no default", UsageDeny, false, true, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/listed orgs/linked/param unknown/default", UsageDeny, false, true, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/no param/no default", UsageDeny, true, false, paramNone, false, token("")},
		{"deny/any org/unlinked/no param/default", UsageDeny, true, false, paramNone, true, token("")},
		{"deny/any org/unlinked/param id/no default", UsageDeny, true, false, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param id/default", UsageDeny, true, false, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param name, names on/no default", UsageDeny, true, false, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param name, names on/default", UsageDeny, true, false, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param name, names off/no default", UsageDeny, true, false, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param name, names off/default", UsageDeny, true, false, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param unknown/no default", UsageDeny, true, false, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/unlinked/param unknown/default", UsageDeny, true, false, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/no param/no default", UsageDeny, true, true, paramNone, false, token("")},
		{"deny/any org/linked/no param/default", UsageDeny, true, true, paramNone, true, token("")},
		{"deny/any org/linked/param id/no default", UsageDeny, true, true, paramID, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param id/default", UsageDeny, true, true, paramID, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param name, names on/no default", UsageDeny, true, true, paramNameOn, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param name, names on/default", UsageDeny, true, true, paramNameOn, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param name, names off/no default", UsageDeny, true, true, paramNameOff, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param name, names off/default", UsageDeny, true, true, paramNameOff, true, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param unknown/no default", UsageDeny, true, true, paramUnknown, false, refused(ReasonOrganizationNotAllowed)},
		{"deny/any org/linked/param unknown/default", UsageDeny, true, true, paramUnknown, true, refused(ReasonOrganizationNotAllowed)},
		{"allow/listed orgs/unlinked/no param/no default", UsageAllow, false, false, paramNone, false, token("")},
		{"allow/listed orgs/unlinked/no param/default", UsageAllow, false, false, paramNone, true, token("")},
		{"allow/listed orgs/unlinked/param id/no default", UsageAllow, false, false, paramID, false, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param id/default", UsageAllow, false, false, paramID, true, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param name, names on/no default", UsageAllow, false, false, paramNameOn, false, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param name, names on/default", UsageAllow, false, false, paramNameOn, true, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param name, names off/no default", UsageAllow, false, false, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param name, names off/default", UsageAllow, false, false, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param unknown/no default", UsageAllow, false, false, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/unlinked/param unknown/default", UsageAllow, false, false, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/linked/no param/no default", UsageAllow, false, true, paramNone, false, token("")},
		{"allow/listed orgs/linked/no param/default", UsageAllow, false, true, paramNone, true, token("")},
		{"allow/listed orgs/linked/param id/no default", UsageAllow, false, true, paramID, false, token(orgAcme)},
		{"allow/listed orgs/linked/param id/default", UsageAllow, false, true, paramID, true, token(orgAcme)},
		{"allow/listed orgs/linked/param name, names on/no default", UsageAllow, false, true, paramNameOn, false, token(orgAcme)},
		{"allow/listed orgs/linked/param name, names on/default", UsageAllow, false, true, paramNameOn, true, token(orgAcme)},
		{"allow/listed orgs/linked/param name, names off/no default", UsageAllow, false, true, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/linked/param name, names off/default", UsageAllow, false, true, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/linked/param unknown/no default", UsageAllow, false, true, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"allow/listed orgs/linked/param unknown/default", UsageAllow, false, true, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"allow/any org/unlinked/no param/no default", UsageAllow, true, false, paramNone, false, token("")},
		{"allow/any org/unlinked/no param/default", UsageAllow, true, false, paramNone, true, token("")},
		{"allow/any org/unlinked/param id/no default", UsageAllow, true, false, paramID, false, token(orgAcme)},
		{"allow/any org/unlinked/param id/default", UsageAllow, true, false, paramID, true, token(orgAcme)},
		{"allow/any org/unlinked/param name, names on/no default", UsageAllow, true, false, paramNameOn, false, token(orgAcme)},
		{"allow/any org/unlinked/param name, names on/default", UsageAllow, true, false, paramNameOn, true, token(orgAcme)},
		{"allow/any org/unlinked/param name, names off/no default", UsageAllow, true, false, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"allow/any org/unlinked/param name, names off/default", UsageAllow, true, false, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"allow/any org/unlinked/param unknown/no default", UsageAllow, true, false, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"allow/any org/unlinked/param unknown/default", UsageAllow, true, false, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"allow/any org/linked/no param/no default", UsageAllow, true, true, paramNone, false, token("")},
		{"allow/any org/linked/no param/default", UsageAllow, true, true, paramNone, true, token("")},
		{"allow/any org/linked/param id/no default", UsageAllow, true, true, paramID, false, token(orgAcme)},
		{"allow/any org/linked/param id/default", UsageAllow, true, true, paramID, true, token(orgAcme)},
		{"allow/any org/linked/param name, names on/no default", UsageAllow, true, true, paramNameOn, false, token(orgAcme)},
		{"allow/any org/linked/param name, names on/default", UsageAllow, true, true, paramNameOn, true, token(orgAcme)},
		{"allow/any org/linked/param name, names off/no default", UsageAllow, true, true, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"allow/any org/linked/param name, names off/default", UsageAllow, true, true, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"allow/any org/linked/param unknown/no default", UsageAllow, true, true, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"allow/any org/linked/param unknown/default", UsageAllow, true, true, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/no param/no default", UsageRequire, false, false, paramNone, false, refused(ReasonOrganizationRequired)},
		{"require/listed orgs/unlinked/no param/default", UsageRequire, false, false, paramNone, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param id/no default", UsageRequire, false, false, paramID, false, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param id/default", UsageRequire, false, false, paramID, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param name, names on/no default", UsageRequire, false, false, paramNameOn, false, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param name, names on/default", UsageRequire, false, false, paramNameOn, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param name, names off/no default", UsageRequire, false, false, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param name, names off/default", UsageRequire, false, false, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param unknown/no default", UsageRequire, false, false, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/unlinked/param unknown/default", UsageRequire, false, false, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/linked/no param/no default", UsageRequire, false, true, paramNone, false, refused(ReasonOrganizationRequired)},
		{"require/listed orgs/linked/no param/default", UsageRequire, false, true, paramNone, true, token(orgDefault)},
		{"require/listed orgs/linked/param id/no default", UsageRequire, false, true, paramID, false, token(orgAcme)},
		{"require/listed orgs/linked/param id/default", UsageRequire, false, true, paramID, true, token(orgAcme)},
		{"require/listed orgs/linked/param name, names on/no default", UsageRequire, false, true, paramNameOn, false, token(orgAcme)},
		{"require/listed orgs/linked/param name, names on/default", UsageRequire, false, true, paramNameOn, true, token(orgAcme)},
		{"require/listed orgs/linked/param name, names off/no default", UsageRequire, false, true, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/linked/param name, names off/default", UsageRequire, false, true, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/linked/param unknown/no default", UsageRequire, false, true, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"require/listed orgs/linked/param unknown/default", UsageRequire, false, true, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"require/any org/unlinked/no param/no default", UsageRequire, true, false, paramNone, false, refused(ReasonOrganizationRequired)},
		{"require/any org/unlinked/no param/default", UsageRequire, true, false, paramNone, true, token(orgDefault)},
		{"require/any org/unlinked/param id/no default", UsageRequire, true, false, paramID, false, token(orgAcme)},
		{"require/any org/unlinked/param id/default", UsageRequire, true, false, paramID, true, token(orgAcme)},
		{"require/any org/unlinked/param name, names on/no default", UsageRequire, true, false, paramNameOn, false, token(orgAcme)},
		{"require/any org/unlinked/param name, names on/default", UsageRequire, true, false, paramNameOn, true, token(orgAcme)},
		{"require/any org/unlinked/param name, names off/no default", UsageRequire, true, false, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"require/any org/unlinked/param name, names off/default", UsageRequire, true, false, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"require/any org/unlinked/param unknown/no default", UsageRequire, true, false, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"require/any org/unlinked/param unknown/default", UsageRequire, true, false, paramUnknown, true, refused(ReasonOrganizationDenied)},
		{"require/any org/linked/no param/no default", UsageRequire, true, true, paramNone, false, refused(ReasonOrganizationRequired)},
		{"require/any org/linked/no param/default", UsageRequire, true, true, paramNone, true, token(orgDefault)},
		{"require/any org/linked/param id/no default", UsageRequire, true, true, paramID, false, token(orgAcme)},
		{"require/any org/linked/param id/default", UsageRequire, true, true, paramID, true, token(orgAcme)},
		{"require/any org/linked/param name, names on/no default", UsageRequire, true, true, paramNameOn, false, token(orgAcme)},
		{"require/any org/linked/param name, names on/default", UsageRequire, true, true, paramNameOn, true, token(orgAcme)},
		{"require/any org/linked/param name, names off/no default", UsageRequire, true, true, paramNameOff, false, refused(ReasonOrganizationDenied)},
		{"require/any org/linked/param name, names off/default", UsageRequire, true, true, paramNameOff, true, refused(ReasonOrganizationDenied)},
		{"require/any org/linked/param unknown/no default", UsageRequire, true, true, paramUnknown, false, refused(ReasonOrganizationDenied)},
		{"require/any org/linked/param unknown/default", UsageRequire, true, true, paramUnknown, true, refused(ReasonOrganizationDenied)},
	}

	// A new enum value (or parameter kind) must come with its rows.
	if want := len(Usages) * 2 * 2 * int(paramCount) * 2; len(rows) != want {
		t.Fatalf("the table has %d rows, want %d: one per combination", len(rows), want)
	}
	seen := map[string]bool{}
	for _, row := range rows {
		key := fmt.Sprint(row.usage, row.anyOrg, row.linked, row.param, row.hasDflt)
		if seen[key] {
			t.Fatalf("combination %s appears twice", row.name)
		}
		seen[key] = true
	}

	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			req := Request{
				Audience:                 "https://api.example",
				ClientCredentialsAllowed: true,
				APIExists:                true,
				Grant:                    &Grant{Usage: row.usage, AllowAnyOrganization: row.anyOrg, Scopes: []string{"read", "write"}},
				NamesAllowed:             row.param == paramNameOn,
			}
			acme, dflt := orgAcme, orgDefault
			acme.Associated, dflt.Associated = row.linked, row.linked
			switch row.param {
			case paramID:
				req.Organization = &acme
			case paramNameOn, paramNameOff:
				byName := acme
				byName.Value = acme.Name
				req.Organization = &byName
			case paramUnknown:
				req.Organization = &Organization{Value: "org_unknown000000000", Associated: row.linked}
			}
			if row.hasDflt {
				req.DefaultOrganization = &dflt
			}

			got, err := Decide(req)

			if row.expected.reason != 0 {
				var refusal *Refusal
				if !errors.As(err, &refusal) || refusal.Reason != row.expected.reason {
					t.Fatalf("Decide = %+v, %v; want refusal reason %d", got, err, row.expected.reason)
				}
				if row.expected.reason == ReasonOrganizationDenied {
					named := req.Organization
					if named == nil {
						named = req.DefaultOrganization
					}
					if refusal.Organization != named.Value {
						t.Errorf("refusal names organization %q, want %q", refusal.Organization, named.Value)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Decide refused: %v", err)
			}
			wantID, wantName := "", ""
			if o := row.expected.org; o != nil {
				wantID = o.ID
				if req.NamesAllowed {
					wantName = o.Name
				}
			}
			if got.OrganizationID != wantID || got.OrganizationName != wantName {
				t.Errorf("token for organization (%q, %q), want (%q, %q)", got.OrganizationID, got.OrganizationName, wantID, wantName)
			}
			if !slices.Equal(got.Scopes, []string{"read", "write"}) {
				t.Errorf("scopes %v, want every granted scope", got.Scopes)
			}
		})
	}
}

func TestDecideChecksInOrder(t *testing.T) {
	grant := &Grant{Usage: UsageRequire, Scopes: []string{"read"}}
	org := &Organization{Value: "org_missing000000000"}
	tests := []struct {
		name string
		req  Request
		want Reason
	}{
		{"grant type missing wins over everything", Request{APIExists: false, Grant: nil, Organization: org}, ReasonGrantTypeNotAllowed},
		{"unknown audience wins over a missing grant", Request{ClientCredentialsAllowed: true, Organization: org}, ReasonUnknownAudience},
		{"missing grant wins over organization checks", Request{ClientCredentialsAllowed: true, APIExists: true, Organization: org}, ReasonNoGrant},
		{"organization checked before scopes", Request{ClientCredentialsAllowed: true, APIExists: true, Grant: grant, Organization: org, Scopes: []string{"nope"}}, ReasonOrganizationDenied},
		{"an unknown usage value denies organizations", Request{ClientCredentialsAllowed: true, APIExists: true, Grant: &Grant{Usage: "bogus"}, Organization: &orgAcme}, ReasonOrganizationNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decide(tt.req)
			var refusal *Refusal
			if !errors.As(err, &refusal) || refusal.Reason != tt.want {
				t.Fatalf("Decide = %v, want reason %d", err, tt.want)
			}
		})
	}
}

func TestDecideScopes(t *testing.T) {
	granted := []string{"create:posts", "read:posts", "delete:posts"}
	tests := []struct {
		name      string
		requested []string
		want      []string
		refused   bool
	}{
		{"none requested gives every granted scope", nil, granted, false},
		{"a subset is narrowed, in the grant's order", []string{"delete:posts", "read:posts"}, []string{"read:posts", "delete:posts"}, false},
		{"ungranted scopes are dropped", []string{"read:posts", "admin"}, []string{"read:posts"}, false},
		{"none granted is refused", []string{"admin"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decide(Request{ClientCredentialsAllowed: true, APIExists: true,
				Grant: &Grant{Usage: UsageDeny, Scopes: granted}, Scopes: tt.requested})
			if tt.refused {
				var refusal *Refusal
				if !errors.As(err, &refusal) || refusal.Reason != ReasonScopeNotGranted {
					t.Fatalf("Decide = %v, want invalid scope", err)
				}
				return
			}
			if err != nil || !slices.Equal(d.Scopes, tt.want) {
				t.Fatalf("Decide = %v, %v; want %v", d.Scopes, err, tt.want)
			}
		})
	}
}
