package mgmt

import (
	"strings"
	"testing"
)

// TestBodyIsValidatedBeforeAnyLookup follows Auth0: a request whose body is malformed (a wrong type, an
// unknown property or an invalid value) and that also names objects that do not exist, in its path or
// in its body, gets the 400 for the body, never the 404 for the objects. Every Management endpoint that
// takes a body has rows here; rotate-secret ignores its body, the others take none.
func TestBodyIsValidatedBeforeAnyLookup(t *testing.T) {
	s := newTestServer(t)
	const (
		unknownAPI        = "0123456789abcdef01234567"
		unknownClient     = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		unknownGrant      = "cgr_zzzzzzzzzzzzzzzz"
		unknownOrg        = "org_zzzzzzzzzzzzzzzz"
		unknownConnection = "con_zzzzzzzzzzzzzzzz"
		unknownUser       = "auth0%7C000000000000000000000000"
	)
	unknownDefault := `"default_organization":{"organization_id":"` + unknownOrg + `","flows":["client_credentials"]}`
	grantNames := `"client_id":"` + unknownClient + `","audience":"https://unknown.example/"`
	tests := []struct {
		name, method, path, body, message string
	}{
		{"new API: invalid signing_alg (no lookup)", "POST", "/api/v2/resource-servers", `{"identifier":"https://new.example/","signing_alg":"none"}`,
			`Payload validation error: 'No enum match for: "none" (allowed: RS256, PS256, ES256)' on property signing_alg.`},
		{"new organization: invalid name (no lookup)", "POST", "/api/v2/organizations", `{"name":"Acme Inc"}`,
			"Payload validation error: 'String does not match pattern: ^[a-z0-9_-]+$' on property name."},
		{"tenant settings: wrong type (no lookup)", "PATCH", "/api/v2/tenants/settings", `{"flags":{"allow_organization_name_in_authentication_api":"yes"}}`,
			"Payload validation error: 'Expected type boolean but found type string' on property flags.allow_organization_name_in_authentication_api."},
		{"API: wrong type", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"name":5}`,
			"Payload validation error: 'Expected type string but found type integer' on property name."},
		{"API: unknown property", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"name":"x","color":"red"}`,
			"Payload validation error: 'Additional properties not allowed: color'."},
		{"API: invalid signing_alg", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"signing_alg":"HS256"}`,
			`Payload validation error: 'No enum match for: "HS256" (allowed: RS256, PS256, ES256)' on property signing_alg.`},
		{"API: invalid token_lifetime", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"token_lifetime":0}`,
			"Payload validation error: 'Value 0 is outside 1..2592000' on property token_lifetime."},
		{"API: repeated scope", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"scopes":[{"value":"a"},{"value":"a"}]}`,
			`Payload validation error: 'Array items are not unique: "a"' on property scopes.`},
		{"API: invalid name", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"name":"<b>"}`,
			"Payload validation error: 'String does not match pattern: ^[^<>]+$' on property name."},

		{"application: invalid app_type, unknown default organization", "POST", "/api/v2/clients",
			`{"name":"x","app_type":"robot",` + unknownDefault + `}`,
			`Payload validation error: 'No enum match for: "robot" (allowed: non_interactive, regular_web, spa, native)' on property app_type.`},
		{"application: invalid grant type, unknown default organization", "POST", "/api/v2/clients",
			`{"name":"x","grant_types":["magic"],` + unknownDefault + `}`,
			`Payload validation error: 'No enum match for: "magic" (allowed: client_credentials, authorization_code, implicit, refresh_token, password, http://auth0.com/oauth/grant-type/password-realm, urn:ietf:params:oauth:grant-type:device_code, urn:ietf:params:oauth:grant-type:jwt-bearer, urn:openid:params:grant-type:ciba)' on property grant_types.`},
		{"application: wrong type, unknown application", "PATCH", "/api/v2/clients/" + unknownClient, `{"name":["x"]}`,
			"Payload validation error: 'Expected type string but found type array' on property name."},
		{"application: unknown property, unknown application", "PATCH", "/api/v2/clients/" + unknownClient, `{"logo":"x"}`,
			"Payload validation error: 'Additional properties not allowed: logo'."},
		{"application: invalid app_type, unknown application", "PATCH", "/api/v2/clients/" + unknownClient, `{"app_type":"robot"}`,
			`Payload validation error: 'No enum match for: "robot" (allowed: non_interactive, regular_web, spa, native)' on property app_type.`},
		{"application: long description, unknown application and default organization", "PATCH", "/api/v2/clients/" + unknownClient,
			`{"description":"` + strings.Repeat("d", 141) + `",` + unknownDefault + `}`,
			"Payload validation error: 'String is too long (141 chars), maximum 140' on property description."},
		{"application: invalid organization_usage, unknown application", "PATCH", "/api/v2/clients/" + unknownClient, `{"organization_usage":"sometimes"}`,
			`Payload validation error: 'No enum match for: "sometimes" (allowed: deny, allow, require)' on property organization_usage.`},
		{"application: invalid flows, unknown application", "PATCH", "/api/v2/clients/" + unknownClient,
			`{"default_organization":{"organization_id":"` + unknownOrg + `","flows":[]}}`,
			"Payload validation error: 'Array is too short (0), minimum 1' on property default_organization.flows."},

		{"grant: wrong type, unknown client and API", "POST", "/api/v2/client-grants", `{` + grantNames + `,"scope":"read"}`,
			"Payload validation error: 'Expected type array but found type string' on property scope."},
		{"grant: unknown property, unknown client and API", "POST", "/api/v2/client-grants", `{` + grantNames + `,"scope":[],"expires":1}`,
			"Payload validation error: 'Additional properties not allowed: expires'."},
		{"grant: invalid organization_usage, unknown client and API", "POST", "/api/v2/client-grants",
			`{` + grantNames + `,"scope":[],"organization_usage":"sometimes"}`,
			`Payload validation error: 'No enum match for: "sometimes" (allowed: deny, allow, require)' on property organization_usage.`},
		{"grant: repeated scope, unknown client and API", "POST", "/api/v2/client-grants", `{` + grantNames + `,"scope":["a","a"]}`,
			`Payload validation error: 'Array items are not unique: "a"' on property scope.`},
		{"grant: invalid subject_type, unknown client and API", "POST", "/api/v2/client-grants", `{` + grantNames + `,"scope":[],"subject_type":"user"}`,
			`Payload validation error: 'No enum match for: "user" (allowed: client)' on property subject_type.`},
		{"grant: wrong type, unknown grant", "PATCH", "/api/v2/client-grants/" + unknownGrant, `{"allow_any_organization":"yes"}`,
			"Payload validation error: 'Expected type boolean but found type string' on property allow_any_organization."},
		{"grant: unknown property, unknown grant", "PATCH", "/api/v2/client-grants/" + unknownGrant, `{"audience":"https://x"}`,
			"Payload validation error: 'Additional properties not allowed: audience'."},
		{"grant: invalid organization_usage, unknown grant", "PATCH", "/api/v2/client-grants/" + unknownGrant, `{"organization_usage":"sometimes"}`,
			`Payload validation error: 'No enum match for: "sometimes" (allowed: deny, allow, require)' on property organization_usage.`},
		{"grant: repeated scope, unknown grant", "PATCH", "/api/v2/client-grants/" + unknownGrant, `{"scope":["a","a"]}`,
			`Payload validation error: 'Array items are not unique: "a"' on property scope.`},

		{"organization: wrong type, unknown organization", "PATCH", "/api/v2/organizations/" + unknownOrg, `{"metadata":[]}`,
			"Payload validation error: 'Expected type object but found type array' on property metadata."},
		{"organization: unknown property, unknown organization", "PATCH", "/api/v2/organizations/" + unknownOrg, `{"domain":"x"}`,
			"Payload validation error: 'Additional properties not allowed: domain'."},
		{"organization: invalid name, unknown organization", "PATCH", "/api/v2/organizations/" + unknownOrg, `{"name":"Acme Inc"}`,
			"Payload validation error: 'String does not match pattern: ^[a-z0-9_-]+$' on property name."},
		{"organization: invalid display_name, unknown organization", "PATCH", "/api/v2/organizations/" + unknownOrg, `{"display_name":""}`,
			"Payload validation error: 'String is too short (0 chars), minimum 1' on property display_name."},
		{"organization: invalid color, unknown organization", "PATCH", "/api/v2/organizations/" + unknownOrg,
			`{"branding":{"colors":{"primary":"red","page_background":"#fff"}}}`,
			"Payload validation error: 'String does not match pattern: ^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$' on property branding.colors.primary."},
		{"organization: too long metadata value, unknown organization", "PATCH", "/api/v2/organizations/" + unknownOrg,
			`{"metadata":{"k":"` + strings.Repeat("v", 256) + `"}}`,
			"Payload validation error: 'String is too long (256 chars), maximum 255' on property metadata.k."},
		{"organization client grant: wrong type, unknown organization", "POST", "/api/v2/organizations/" + unknownOrg + "/client-grants",
			`{"grant_id":5}`, "Payload validation error: 'Expected type string but found type integer' on property grant_id."},
		{"organization client grant: unknown property, unknown organization and grant", "POST", "/api/v2/organizations/" + unknownOrg + "/client-grants",
			`{"grant_id":"` + unknownGrant + `","organization_id":"x"}`, "Payload validation error: 'Additional properties not allowed: organization_id'."},
		{"organization client grant: no grant_id, unknown organization", "POST", "/api/v2/organizations/" + unknownOrg + "/client-grants",
			`{}`, "Payload validation error: 'Missing required property: grant_id'."},

		{"application: invalid callback, unknown application", "PATCH", "/api/v2/clients/" + unknownClient, `{"callbacks":["ftp://x"]}`,
			"Payload validation error: 'Object didn't pass validation for format redirect-uri (https, http to localhost, or an app's own scheme such as com.example.app:/callback; no wildcards or fragments): ftp://x' on property callbacks."},
		{"application: invalid refresh_token, unknown application", "PATCH", "/api/v2/clients/" + unknownClient, `{"refresh_token":{"leeway":-1}}`,
			"Payload validation error: 'Value -1 is outside 0..60' on property refresh_token.leeway."},
		{"API: rfc9068 dialect, unknown API", "PATCH", "/api/v2/resource-servers/" + unknownAPI, `{"token_dialect":"rfc9068_profile_authz"}`,
			"Payload validation error: 'The rfc9068_profile_authz dialect is not supported (allowed: access_token, access_token_authz)' on property token_dialect."},
		{"tenant settings: invalid session_lifetime (no lookup)", "PATCH", "/api/v2/tenants/settings", `{"session_lifetime":9000}`,
			"Payload validation error: 'Value 9000 is outside 1..8760' on property session_lifetime."},
		{"connection: invalid realms, unknown connection", "PATCH", "/api/v2/connections/" + unknownConnection, `{"realms":["a","a"]}`,
			`Payload validation error: 'Array items are not unique: "a"' on property realms.`},
		{"connection: unknown property, unknown connection", "PATCH", "/api/v2/connections/" + unknownConnection, `{"strategy":"auth0"}`,
			"Payload validation error: 'Additional properties not allowed: strategy'."},
		{"connection: invalid enabled client, unknown client", "POST", "/api/v2/connections", `{"name":"x","strategy":"nope","enabled_clients":["` + unknownClient + `"]}`,
			`Payload validation error: 'No enum match for: "nope" (allowed: auth0, oidc, samlp)' on property strategy.`},
		{"connection clients: wrong type, unknown connection", "PATCH", "/api/v2/connections/" + unknownConnection + "/clients", `[{"client_id":1,"status":true}]`,
			"Payload validation error: 'Expected type string but found type integer' on property [0].client_id."},
		{"user: invalid email, unknown connection", "POST", "/api/v2/users", `{"connection":"nosuch","email":"nope","password":"x"}`,
			"Payload validation error: 'Object didn't pass validation for format email: nope' on property email."},
		{"user: invalid nickname, unknown user", "PATCH", "/api/v2/users/" + unknownUser, `{"nickname":""}`,
			"Payload validation error: 'String is too short (0 chars), minimum 1' on property nickname."},
		{"user: unknown property, unknown user", "PATCH", "/api/v2/users/" + unknownUser, `{"logins_count":3}`,
			"Payload validation error: 'Additional properties not allowed: logins_count'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do(tt.method, tt.path, tt.body), 400, tt.message, "invalid_body")
		})
	}
}
