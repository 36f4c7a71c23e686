package dashboard

import (
	"fmt"
	"strings"

	"github.com/orgauth/orgauth/internal/tenant"
)

// The tenant's refusals are worded for the Management API, whose clients parse them (Auth0's
// "String does not match pattern: …"). On a form the administrator needs to know what to do next, so
// the dashboard says it in its own words; a refusal it has no words for is shown as tenant wrote it.

// displayMessage is what a form shows for a tenant refusal: the dashboard's wording when it has one,
// else the message without the Management API's wrapping ("Payload validation error: '…' on property p.").
func displayMessage(e *tenant.Error) string {
	m := unwrapMessage(e.Message)
	if s := nextStep(e, m); s != "" {
		return s
	}
	return m
}

func unwrapMessage(m string) string {
	const prefix = "Payload validation error: '"
	if strings.HasPrefix(m, prefix) {
		if i := strings.LastIndex(m, "' on property "); i > len(prefix) {
			return m[len(prefix):i] + "."
		}
	}
	return m
}

// nextStep words a refusal with what to do about it; "" when the dashboard has no words for it.
func nextStep(e *tenant.Error, m string) string {
	var n, limit int
	switch {
	case strings.HasPrefix(e.Property, "branding.colors.") && strings.HasPrefix(m, "String does not match pattern"):
		return "Enter a color as # and 6 hex digits, such as #4f46e5, or clear both colors for none: the two colors go together."
	case e.Property == "name" && strings.HasPrefix(m, "String does not match pattern: ^[a-z0-9_-]+$"):
		return "Use only lowercase letters, digits, _ and -, such as acme-corp."
	case strings.HasPrefix(m, "String does not match pattern: ^[^<>]+$"):
		return "Remove the < and > characters."
	case strings.HasPrefix(e.Property, "scopes") && strings.HasPrefix(m, "String does not match pattern"):
		return "Write a scope value without spaces, quotes or backslashes, such as read:reports."
	case strings.HasPrefix(m, "Object didn't pass validation for format absolute-https-uri"):
		return "Enter an address that starts with https://, such as https://example.com/logo.png, or leave it empty."
	case m == "String must not contain control characters.":
		return "Remove the tabs and line breaks."
	case m == "String must not start or end with whitespace.":
		return "Remove the spaces at the start and end."
	case scan(m, "String is too short (%d chars), minimum %d.", &n, &limit):
		if n == 0 {
			return "Fill this in: it cannot be empty."
		}
		return fmt.Sprintf("Enter at least %d characters.", limit)
	case scan(m, "String is too long (%d chars), maximum %d.", &n, &limit):
		return fmt.Sprintf("Shorten this to %d characters or fewer (it has %d).", limit, n)
	case scan(m, "Value %d is outside 1..%d.", &n, &limit):
		return fmt.Sprintf("Enter a number of seconds from 1 to %d (30 days).", limit)
	case scan(m, "Too many properties defined (%d), maximum %d.", &n, &limit):
		return fmt.Sprintf("Keep %d keys or fewer: empty %d of the rows.", limit, n-limit)
	case e.Property == "pem" && strings.HasPrefix(m, "Unsupported PEM type") && strings.Contains(m, "PRIVATE KEY"):
		return "This is a private key: paste its public key instead (openssl pkey -in private.pem -pubout). The private key stays with the application; orgauth did not keep it."
	case scan(m, "A client may have at most %d credentials.", &limit):
		return m + " Delete the one no longer used, then add the new key."
	case e.Property == "client_authentication_methods.private_key_jwt.credentials" && strings.HasPrefix(m, "Array is too short (0)"):
		return "Add a credential first: private_key_jwt needs at least one public key."
	case e.Property == "scopes" && scan(m, "Array is too long (%d), maximum %d.", &n, &limit):
		return fmt.Sprintf("Keep %d scopes or fewer: empty %d of the rows.", limit, n-limit)
	}
	switch e.Code {
	case "organization_conflict":
		return "An organization with this name already exists: choose another name."
	case "resource_server_conflict":
		return "An API with this identifier already exists: choose another identifier, or edit that API in the list of APIs."
	case "client_grant_conflict":
		if e.Property == "" && strings.Contains(m, "organization") {
			return "This organization already has this access: nothing to add."
		}
	case "too_many_client_grants":
		return m + " Remove an access from this organization first."
	case "inexistent_client_grant":
		return "Choose an API."
	}
	switch e.Property {
	case "grant_id":
		if strings.Contains(m, "organization_usage") {
			return "This API's organization support is None: set it to Optional or Required on the application's APIs tab, then add the access."
		}
	case "default_organization.organization_id":
		return "The default organization does not exist any more: choose another one, or leave the field empty."
	}
	return ""
}

// scan matches m against a format of %d verbs exactly, filling the numbers.
func scan(m, format string, n ...*int) bool {
	ptrs := make([]any, len(n))
	vals := make([]any, len(n))
	for i, p := range n {
		ptrs[i] = p
	}
	if k, err := fmt.Sscanf(m, format, ptrs...); err != nil || k != len(n) {
		return false
	}
	for i, p := range n {
		vals[i] = *p
	}
	return fmt.Sprintf(format, vals...) == m
}
