package dashboard

import (
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

// TestDisplayMessage pins the dashboard's wording of the tenant's refusals: each says what to do next.
func TestDisplayMessage(t *testing.T) {
	wrapped := func(property, message string) *tenant.Error {
		return &tenant.Error{Kind: tenant.KindInvalid, Property: property, Code: "invalid_body",
			Message: "Payload validation error: '" + message + "' on property " + property + "."}
	}
	for _, tc := range []struct {
		name string
		err  *tenant.Error
		want string
	}{
		{"empty", wrapped("name", "String is too short (0 chars), minimum 1"), "Fill this in: it cannot be empty."},
		{"too short", wrapped("name", "String is too short (2 chars), minimum 3"), "Enter at least 3 characters."},
		{"too long", wrapped("display_name", "String is too long (300 chars), maximum 255"), "Shorten this to 255 characters or fewer (it has 300)."},
		{"control characters", wrapped("name", "String must not contain control characters"), "Remove the tabs and line breaks."},
		{"spaces around", wrapped("identifier", "String must not start or end with whitespace"), "Remove the spaces at the start and end."},
		{"too many metadata keys", wrapped("metadata", "Too many properties defined (27), maximum 25"), "Keep 25 keys or fewer: empty 2 of the rows."},
		{"too many scopes", wrapped("scopes", "Array is too long (1002), maximum 1000"), "Keep 1000 scopes or fewer: empty 2 of the rows."},
		{"scope value", wrapped("scopes.value", `String does not match pattern: ^[\x21\x23-\x5B\x5D-\x7E\x80-\uFFFF]+$`), "Write a scope value without spaces, quotes or backslashes, such as read:reports."},
		{"logo", wrapped("branding.logo_url", "Object didn't pass validation for format absolute-https-uri-or-empty: http://x"), "Enter an address that starts with https://, such as https://example.com/logo.png, or leave it empty."},
		{"API conflict", &tenant.Error{Kind: tenant.KindConflict, Code: "resource_server_conflict", Message: "A resource server with the same identifier already exists"},
			"An API with this identifier already exists: choose another identifier, or edit that API in the list of APIs."},
		{"access already added", &tenant.Error{Kind: tenant.KindConflict, Code: "client_grant_conflict", Message: "The client grant has already been added to this organization."},
			"This organization already has this access: nothing to add."},
		{"too many grants", &tenant.Error{Kind: tenant.KindConflict, Code: "too_many_client_grants", Message: "An organization cannot have more than 200 client grants."},
			"An organization cannot have more than 200 client grants. Remove an access from this organization first."},
		{"no words: shown unwrapped, with an apostrophe", wrapped("metadata.k", "it's odd"), "it's odd."},
		{"no words and no wrapping: shown as is", &tenant.Error{Message: "An organization with this name already exists."}, "An organization with this name already exists."},
		{"no words: shown unwrapped", wrapped("app_type", `No enum match for: "x" (allowed: a, b)`), `No enum match for: "x" (allowed: a, b).`},
		{"a number that does not fit the sentence", wrapped("name", "String is too short (2 chars), minimum 3 or so"), "String is too short (2 chars), minimum 3 or so."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := displayMessage(tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
