package mgmt

import (
	"strings"
	"testing"
)

// TestPeopleBodyIsValidatedBeforeAnyLookup is TestBodyIsValidatedBeforeAnyLookup for the endpoints of
// members, roles, organization connections and invitations: a malformed body that also names objects
// that do not exist, in its path or in its body, gets the 400 for the body.
func TestPeopleBodyIsValidatedBeforeAnyLookup(t *testing.T) {
	s := newTestServer(t)
	const (
		unknownOrg  = "org_zzzzzzzzzzzzzzzz"
		unknownRole = "rol_zzzzzzzzzzzzzzzz"
		unknownUser = "auth0|ffffffffffffffffffffffff"
		unknownConn = "con_zzzzzzzzzzzzzzzz"
	)
	members := "/api/v2/organizations/" + unknownOrg + "/members"
	memberRoles := members + "/" + unknownUser + "/roles"
	enabled := "/api/v2/organizations/" + unknownOrg + "/enabled_connections"
	invitations := "/api/v2/organizations/" + unknownOrg + "/invitations"
	invite := `"inviter":{"name":"Ada"},"invitee":{"email":"jane@example.com"},"client_id":"nosuchclient"`
	tests := []struct {
		name, method, path, body, message string
	}{
		{"members: wrong type, unknown organization", "POST", members, `{"members":"` + unknownUser + `"}`,
			"Payload validation error: 'Expected type array but found type string' on property members."},
		{"members: too many, unknown organization and users", "POST", members, `{"members":["a","b","c","d","e","f","g","h","i","j","k"]}`,
			"Payload validation error: 'Array is too long (11), maximum 10' on property members."},
		{"members: none, unknown organization", "DELETE", members, `{"members":[]}`,
			"Payload validation error: 'Array is too short (0), minimum 1' on property members."},
		{"member roles: unknown property, unknown organization, user and role", "POST", memberRoles, `{"roles":["` + unknownRole + `"],"x":1}`,
			"Payload validation error: 'Additional properties not allowed: x'."},
		{"member roles: none, unknown organization and user", "DELETE", memberRoles, `{"roles":[]}`,
			"Payload validation error: 'Array is too short (0), minimum 1' on property roles."},
		{"user roles: an empty role id, unknown user", "POST", "/api/v2/users/" + unknownUser + "/roles", `{"roles":[""]}`,
			"Payload validation error: 'String is too short (0 chars), minimum 1' on property roles[0]."},
		{"user roles: wrong type, unknown user", "DELETE", "/api/v2/users/" + unknownUser + "/roles", `{"roles":[1]}`,
			"Payload validation error: 'Expected type string but found type integer' on property roles[0]."},
		{"role: an empty name, unknown role", "PATCH", "/api/v2/roles/" + unknownRole, `{"name":""}`,
			"Payload validation error: 'String is too short (0 chars), minimum 1' on property name."},
		{"role: unknown property, unknown role", "PATCH", "/api/v2/roles/" + unknownRole, `{"type":"organization"}`,
			"Payload validation error: 'Additional properties not allowed: type'."},
		{"role permissions: none, unknown role", "POST", "/api/v2/roles/" + unknownRole + "/permissions", `{"permissions":[]}`,
			"Payload validation error: 'Array is too short (0), minimum 1' on property permissions."},
		{"role permissions: a scope with a space, unknown role and API", "DELETE", "/api/v2/roles/" + unknownRole + "/permissions",
			`{"permissions":[{"resource_server_identifier":"https://nosuch.example/","permission_name":"read data"}]}`,
			"Payload validation error: 'String does not match pattern: ^[\\x21\\x23-\\x5B\\x5D-\\x7E\\x80-\\uFFFF]+$' on property permissions[0].permission_name."},
		{"enabled connection: signup without membership, unknown organization and connection", "POST", enabled,
			`{"connection_id":"` + unknownConn + `","is_signup_enabled":true}`,
			"Only database connections with assign_membership_on_login = true support is_signup_enabled = true."},
		{"enabled connection: wrong type, unknown organization and connection", "PATCH", enabled + "/" + unknownConn, `{"show_as_button":1}`,
			"Payload validation error: 'Expected type boolean but found type integer' on property show_as_button."},
		{"enabled connection: signup without membership, unknown organization and connection", "PATCH", enabled + "/" + unknownConn,
			`{"is_signup_enabled":true,"assign_membership_on_login":false}`,
			"Only database connections with assign_membership_on_login = true support is_signup_enabled = true."},
		{"invitation: not an email, unknown organization and client", "POST", invitations,
			`{"inviter":{"name":"Ada"},"invitee":{"email":"jane"},"client_id":"nosuchclient"}`,
			"Payload validation error: 'Object didn't pass validation for format email: jane' on property invitee.email."},
		{"invitation: a long ttl, unknown organization, client and connection", "POST", invitations,
			`{` + invite + `,"connection_id":"` + unknownConn + `","ttl_sec":9999999}`,
			"Payload validation error: 'Value 9999999 is outside 0..2592000' on property ttl_sec."},
		{"invitation: a metadata key with $, unknown organization, client and roles", "POST", invitations,
			`{` + invite + `,"roles":["` + unknownRole + `"],"app_metadata":{"$set":1}}`,
			"Payload validation error: 'Metadata keys may not contain '.' or '$'' on property app_metadata.$set."},
		{"invitation: too large metadata, unknown organization and client", "POST", invitations,
			`{` + invite + `,"user_metadata":{"a":"` + strings.Repeat("x", 17<<10) + `"}}`,
			"Payload validation error: 'The object is larger than 16384 bytes serialized (17416)' on property user_metadata."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do(tt.method, tt.path, tt.body), 400, tt.message, "invalid_body")
		})
	}
}
