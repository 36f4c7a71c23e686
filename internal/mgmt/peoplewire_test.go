package mgmt

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

// TestPeopleWireShapesGolden is TestWireShapesGolden for members, roles, organization connections and
// invitations: every response shape, full and with optional fields unset, in testdata/people.golden.
func TestPeopleWireShapesGolden(t *testing.T) {
	user := store.User{ID: "auth0|0123456789abcdef01234567", Email: "jane@example.com", Name: "Jane Doe", Picture: "https://pics.example/jane.png"}
	role := tenant.Role{ID: "rol_0123456789abcdef", Name: "Billing admin", Description: "Manages invoices"}
	org := tenant.Organization{ID: "org_0123456789abcdef", Name: "acme", DisplayName: "Acme Inc.",
		Branding: &tenant.Branding{LogoURL: "https://acme.example/logo.png"}, Metadata: map[string]string{"tier": "gold"}}
	db := store.Connection{ID: "con_0123456789abcdef", Name: "Username-Password-Authentication", Strategy: store.StrategyAuth0}
	oidc := store.Connection{ID: "con_fedcba9876543210", Name: "okta", Strategy: store.StrategyOIDC}
	created := time.Date(2026, 1, 25, 19, 0, 26, 187_000_000, time.UTC)
	inv := tenant.OrganizationInvitation{
		Invitation: tenant.Invitation{
			ID: "uinv_0123456789abcdef", OrganizationID: org.ID, InviterName: "Ada", InviteeEmail: "jane@example.com",
			ClientID: "abcdefghijklmnopqrstuvwxyz012345", ConnectionID: db.ID, Roles: []string{role.ID},
			AppMetadata:  map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)},
			UserMetadata: map[string]json.RawMessage{"lang": json.RawMessage(`"fr"`)},
			TicketID:     "Mh3BJVTaC4nsZImXBzPulFiq5kFP1KLs", CreatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour),
		},
		URL: "https://mycompany.org/login?invitation=Mh3BJVTaC4nsZImXBzPulFiq5kFP1KLs&organization=org_0123456789abcdef&organization_name=acme",
	}
	minimalInv := inv
	minimalInv.ConnectionID, minimalInv.Roles, minimalInv.AppMetadata, minimalInv.UserMetadata = "", nil, nil, nil

	shapes := []struct {
		name string
		v    any
	}{
		{"member", memberOut(tenant.OrganizationMember{Member: tenant.Member{User: user}})},
		{"member with roles", memberOut(tenant.OrganizationMember{Member: tenant.Member{User: user}, Roles: []tenant.Role{role}})},
		{"member, minimal, with no roles", memberOut(tenant.OrganizationMember{Member: tenant.Member{User: store.User{ID: user.ID}}, Roles: []tenant.Role{}})},
		{"user organization", userOrganizationOut(tenant.UserOrganization{Organization: org})},
		{"role", roleOut(role)},
		{"role, minimal", roleOut(tenant.Role{ID: role.ID, Name: "Viewer"})},
		{"role permission", rolePermissionOut(tenant.RolePermission{
			Permission:  tenant.Permission{ResourceServerIdentifier: "https://api.example.com/", PermissionName: "read:data"},
			Description: "Read data", ResourceServerName: "Example"})},
		{"enabled connection, database", enabledConnectionOut(tenant.EnabledConnection{
			OrganizationConnection: tenant.OrganizationConnection{OrganizationID: org.ID, ConnectionID: db.ID, AssignMembershipOnLogin: true, IsSignupEnabled: true},
			Connection:             db})},
		{"enabled connection, OIDC", enabledConnectionOut(tenant.EnabledConnection{
			OrganizationConnection: tenant.OrganizationConnection{OrganizationID: org.ID, ConnectionID: oidc.ID, ShowAsButton: true},
			Connection:             oidc})},
		{"invitation", invitationOut(inv)},
		{"invitation, minimal", invitationOut(minimalInv)},
	}
	var got bytes.Buffer
	for _, s := range shapes {
		b, err := json.MarshalIndent(s.v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got.WriteString("# " + s.name + "\n")
		got.Write(b)
		got.WriteString("\n\n")
	}

	golden := filepath.Join("testdata", "people.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("wire shapes changed; if that is intended, run go test -update and review the diff.\ngot:\n%s", got.Bytes())
	}
}
