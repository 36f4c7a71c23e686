package mgmt

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

var connectionIDPattern = regexp.MustCompile(`^con_[A-Za-z0-9]{16}$`)

// databaseDefaults are the options of a database connection created with none.
var databaseDefaults = map[string]any{
	"passwordPolicy": "good", "password_complexity_options": map[string]any{"min_length": float64(8)},
	"disable_signup": false, "brute_force_protection": true,
}

// oidcOptions are valid options of a back-channel OIDC connection, its secret included.
const oidcOptions = `{"client_id":"orgauth-at-acme","client_secret":"s3cr3t-upstream","discovery_url":"https://idp.acme.example/.well-known/openid-configuration"}`

func TestConnectionsLifecycle(t *testing.T) {
	s := newTestServer(t)
	_, clientID := s.fixture()

	created := s.must(201, "POST", "/api/v2/connections",
		`{"name":"acme-db","strategy":"auth0","display_name":"Acme staff","enabled_clients":["`+clientID+`"],"metadata":{"tier":"gold"}}`).obj()
	id, _ := created["id"].(string)
	if !connectionIDPattern.MatchString(id) {
		t.Fatalf("id = %q", id)
	}
	want := map[string]any{
		"id": id, "name": "acme-db", "display_name": "Acme staff", "strategy": "auth0", "options": databaseDefaults,
		"enabled_clients": []any{clientID}, "is_domain_connection": false, "realms": []any{"acme-db"},
		"show_as_button": true, "metadata": map[string]any{"tier": "gold"},
	}
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("created =\n%v\nwant\n%v", created, want)
	}
	if got := s.must(200, "GET", "/api/v2/connections/"+id, "").obj(); !reflect.DeepEqual(got, want) {
		t.Errorf("get =\n%v\nwant\n%v", got, want)
	}

	t.Run("list items leave out enabled_clients; the first start made Username-Password-Authentication", func(t *testing.T) {
		l := s.must(200, "GET", "/api/v2/connections", "").list()
		if len(l) != 2 {
			t.Fatalf("list = %v", l)
		}
		first := l[0].(map[string]any)
		if first["name"] != tenant.DefaultConnectionName || first["strategy"] != "auth0" {
			t.Errorf("first = %v", first)
		}
		if opts := first["options"].(map[string]any); opts["disable_signup"] != true {
			t.Errorf("the default connection allows signups: %v", opts)
		}
		delete(want, "enabled_clients")
		if !reflect.DeepEqual(l[1], any(want)) {
			t.Errorf("item = %v", l[1])
		}
	})

	t.Run("patch replaces the options as a whole and keeps name and strategy", func(t *testing.T) {
		got := s.must(200, "PATCH", "/api/v2/connections/"+id,
			`{"options":{"passwordPolicy":"excellent","password_complexity_options":{"min_length":12}},"display_name":"Staff","realms":["acme","staff"]}`).obj()
		wantOpts := map[string]any{"passwordPolicy": "excellent", "password_complexity_options": map[string]any{"min_length": float64(12)},
			"disable_signup": false, "brute_force_protection": true}
		if !reflect.DeepEqual(got["options"], any(wantOpts)) || got["display_name"] != "Staff" || got["name"] != "acme-db" ||
			!reflect.DeepEqual(got["realms"], []any{"acme", "staff"}) || !reflect.DeepEqual(got["enabled_clients"], []any{clientID}) {
			t.Errorf("patched = %v", got)
		}
		got = s.must(200, "PATCH", "/api/v2/connections/"+id, `{"options":{"disable_signup":true},"metadata":null}`).obj()
		if opts := got["options"].(map[string]any); opts["passwordPolicy"] != "good" || opts["disable_signup"] != true {
			t.Errorf("options not replaced whole: %v", opts)
		}
		if _, ok := got["metadata"]; ok {
			t.Errorf("metadata null did not empty it: %v", got)
		}
		wantAuth0Error(t, s.do("PATCH", "/api/v2/connections/"+id, `{"name":"other"}`), 400,
			"Payload validation error: 'Additional properties not allowed: name'.", "invalid_body")
		wantAuth0Error(t, s.do("PATCH", "/api/v2/connections/"+id, `{"strategy":"oidc"}`), 400,
			"Payload validation error: 'Additional properties not allowed: strategy'.", "invalid_body")
	})

	t.Run("patch enabled_clients replaces the list", func(t *testing.T) {
		got := s.must(200, "PATCH", "/api/v2/connections/"+id, `{"enabled_clients":[]}`).obj()
		if !reflect.DeepEqual(got["enabled_clients"], []any{}) {
			t.Errorf("enabled_clients = %v", got["enabled_clients"])
		}
	})

	t.Run("delete answers 202 with the time, then 204", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		r := s.must(202, "DELETE", "/api/v2/connections/"+id, "")
		at, err := time.Parse("2006-01-02T15:04:05.000Z", r.obj()["deleted_at"].(string))
		if err != nil || at.Before(before) || len(r.obj()) != 1 {
			t.Errorf("deleted = %s (%v)", r.raw, err)
		}
		s.must(204, "DELETE", "/api/v2/connections/"+id, "")
		wantAuth0Error(t, s.do("GET", "/api/v2/connections/"+id, ""), 404, "The connection does not exist", "inexistent_connection")
	})
}

func TestConnectionRefusals(t *testing.T) {
	s := newTestServer(t)
	s.must(201, "POST", "/api/v2/connections", `{"name":"taken","strategy":"auth0"}`)
	const unknown = "con_zzzzzzzzzzzzzzzz"
	tests := []struct {
		name, method, path, body string
		status                   int
		message, code            string
	}{
		{"duplicate name", "POST", "/api/v2/connections", `{"name":"taken","strategy":"auth0"}`,
			409, "A connection with the same name already exists", "connection_conflict"},
		{"no name", "POST", "/api/v2/connections", `{"strategy":"auth0"}`,
			400, "Payload validation error: 'Missing required property: name'.", "invalid_body"},
		{"no strategy", "POST", "/api/v2/connections", `{"name":"x"}`,
			400, "Payload validation error: 'Missing required property: strategy'.", "invalid_body"},
		{"name with a space", "POST", "/api/v2/connections", `{"name":"acme db","strategy":"auth0"}`,
			400, "Payload validation error: 'String does not match pattern: ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$' on property name.", "invalid_body"},
		{"name with a double dash", "POST", "/api/v2/connections", `{"name":"acme--db","strategy":"auth0"}`,
			400, "Payload validation error: 'String does not match pattern: ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$' on property name.", "invalid_body"},
		{"name too long", "POST", "/api/v2/connections", `{"name":"` + strings.Repeat("a", 129) + `","strategy":"auth0"}`,
			400, "Payload validation error: 'String is too long (129 chars), maximum 128' on property name.", "invalid_body"},
		{"unknown strategy", "POST", "/api/v2/connections", `{"name":"x","strategy":"google-oauth2"}`,
			400, `Payload validation error: 'No enum match for: "google-oauth2" (allowed: auth0, oidc, samlp)' on property strategy.`, "invalid_body"},
		{"domain connection", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","is_domain_connection":true}`,
			400, "Payload validation error: 'Domain connections are not supported: only false is allowed' on property is_domain_connection.", "invalid_body"},
		{"unknown enabled client", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","enabled_clients":["nosuchclient"]}`,
			400, "The client nosuchclient does not exist.", "invalid_body"},
		{"repeated enabled client", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","enabled_clients":["a","a"]}`,
			400, `Payload validation error: 'Array items are not unique: "a"' on property enabled_clients.`, "invalid_body"},
		{"options not an object", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":[]}`,
			400, "Payload validation error: 'Expected type object but found type array' on property options.", "invalid_body"},
		{"too many metadata", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","metadata":{"a":"","b":"","c":"","d":"","e":"","f":"","g":"","h":"","i":"","j":"","k":""}}`,
			400, "Payload validation error: 'Too many properties defined (11), maximum 10' on property metadata.", "invalid_body"},
		{"realms empty", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","realms":[]}`,
			400, "Payload validation error: 'Array has 0 items: 1 to 10 are allowed' on property realms.", "invalid_body"},

		{"database: an option orgauth does not enforce", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"mfa":{"active":true}}}`,
			400, "Payload validation error: 'Additional properties not allowed: mfa' on property options.", "invalid_body"},
		{"database: password_history", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"password_history":{"enable":true}}}`,
			400, "Payload validation error: 'Additional properties not allowed: password_history' on property options.", "invalid_body"},
		{"database: unknown policy", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"passwordPolicy":"strong"}}`,
			400, `Payload validation error: 'No enum match for: "strong" (allowed: none, low, fair, good, excellent)' on property options.passwordPolicy.`, "invalid_body"},
		{"database: min_length 0", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"password_complexity_options":{"min_length":0}}}`,
			400, "Payload validation error: 'Value 0 is outside 1..128' on property options.password_complexity_options.min_length.", "invalid_body"},
		{"database: min_length 129", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"password_complexity_options":{"min_length":129}}}`,
			400, "Payload validation error: 'Value 129 is outside 1..128' on property options.password_complexity_options.min_length.", "invalid_body"},
		{"database: min_length a string", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"password_complexity_options":{"min_length":"8"}}}`,
			400, "Payload validation error: 'Expected type integer but found type string' on property options.password_complexity_options.min_length.", "invalid_body"},
		{"database: brute-force protection off", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"brute_force_protection":false}}`,
			400, "Payload validation error: 'Brute-force protection cannot be turned off' on property options.brute_force_protection.", "invalid_body"},
		{"database: disable_signup a string", "POST", "/api/v2/connections", `{"name":"x","strategy":"auth0","options":{"disable_signup":"yes"}}`,
			400, "Payload validation error: 'Expected type boolean but found type string' on property options.disable_signup.", "invalid_body"},

		{"oidc: no client_id", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_secret":"s","discovery_url":"https://idp.example/"}}`,
			400, "Payload validation error: 'Missing required property: client_id' on property options.", "invalid_body"},
		{"oidc: back channel without a secret", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","discovery_url":"https://idp.example/"}}`,
			400, "Payload validation error: 'Missing required property: client_secret (a back_channel connection needs it)' on property options.", "invalid_body"},
		{"oidc: secret too long", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"` + strings.Repeat("s", 701) + `","discovery_url":"https://idp.example/"}}`,
			400, "Payload validation error: 'String is too long (701 chars), maximum 700' on property options.client_secret.", "invalid_body"},
		{"oidc: no endpoints", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","issuer":"https://idp.example/"}}`,
			400, "Payload validation error: 'Give discovery_url, or issuer, authorization_endpoint and jwks_uri' on property options.", "invalid_body"},
		{"oidc: back channel without token_endpoint", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","issuer":"https://idp.example/","authorization_endpoint":"https://idp.example/authorize","jwks_uri":"https://idp.example/jwks"}}`,
			400, "Payload validation error: 'Missing required property: token_endpoint (a back_channel connection without discovery_url needs it)' on property options.", "invalid_body"},
		{"oidc: plain http", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"http://idp.example/"}}`,
			400, "Payload validation error: 'Object didn't pass validation for format absolute-https-uri: http://idp.example/' on property options.discovery_url.", "invalid_body"},
		{"oidc: http localhost with an https issuer", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"http://localhost:9000/"}}`,
			400, "Payload validation error: 'Object didn't pass validation for format absolute-https-uri: http://localhost:9000/' on property options.discovery_url.", "invalid_body"},
		{"oidc: scope without openid", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"https://idp.example/","scope":"profile email"}}`,
			400, "Payload validation error: 'The scope must include openid' on property options.scope.", "invalid_body"},
		{"oidc: scope and scopes differ", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"https://idp.example/","scope":"openid","scopes":"openid email"}}`,
			400, "Payload validation error: 'Give the scopes once, as scope (scopes is its alias)' on property options.scopes.", "invalid_body"},
		{"oidc: unknown type", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"https://idp.example/","type":"hybrid"}}`,
			400, `Payload validation error: 'No enum match for: "hybrid" (allowed: back_channel, front_channel)' on property options.type.`, "invalid_body"},
		{"oidc: unknown pkce", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"https://idp.example/","connection_settings":{"pkce":"plain"}}}`,
			400, `Payload validation error: 'No enum match for: "plain" (allowed: auto, S256, disabled)' on property options.connection_settings.pkce.`, "invalid_body"},
		{"oidc: the sealed form cannot be sent", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret_sealed":"a2VrMQ==","discovery_url":"https://idp.example/"}}`,
			400, "Payload validation error: 'Additional properties not allowed: client_secret_sealed' on property options.", "invalid_body"},
		{"oidc: bad domain alias", "POST", "/api/v2/connections", `{"name":"x","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"https://idp.example/","domain_aliases":["acme..example"]}}`,
			400, "Payload validation error: 'Object didn't pass validation for format hostname: acme..example' on property options.domain_aliases.", "invalid_body"},

		{"samlp: neither metadata nor endpoint", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{}}`,
			400, "Payload validation error: 'Give metadataXml, metadataUrl, or signInEndpoint and signingCert' on property options.", "invalid_body"},
		{"samlp: both metadata", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{"metadataUrl":"https://idp.example/md","metadataXml":"<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>"}}`,
			400, "Payload validation error: 'Give one of metadataXml and metadataUrl' on property options.", "invalid_body"},
		{"samlp: rsa-sha1", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{"metadataUrl":"https://idp.example/md","signatureAlgorithm":"rsa-sha1"}}`,
			400, `Payload validation error: 'No enum match for: "rsa-sha1" (allowed: rsa-sha256)' on property options.signatureAlgorithm.`, "invalid_body"},
		{"samlp: IdP-initiated login", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{"metadataUrl":"https://idp.example/md","idpinitiated":{"enabled":true}}}`,
			400, "Payload validation error: 'IdP-initiated login is not supported: it can carry neither an organization nor a state' on property options.idpinitiated.enabled.", "invalid_body"},
		{"samlp: not a certificate", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{"signInEndpoint":"https://idp.example/sso","signingCert":"bm90IGEgY2VydA=="}}`,
			400, "Payload validation error: 'Invalid certificate' on property options.signingCert.", "invalid_body"},
		{"samlp: metadata with a DTD", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{"metadataXml":"<!DOCTYPE x [<!ENTITY a \"b\">]><EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>"}}`,
			400, "Payload validation error: 'The metadata must not have a DTD' on property options.metadataXml.", "invalid_body"},
		{"samlp: metadata of another kind", "POST", "/api/v2/connections", `{"name":"x","strategy":"samlp","options":{"metadataXml":"<html/>"}}`,
			400, "Payload validation error: 'The metadata's root must be a SAML 2.0 EntityDescriptor' on property options.metadataXml.", "invalid_body"},

		{"unknown connection: get", "GET", "/api/v2/connections/" + unknown, "",
			404, "The connection does not exist", "inexistent_connection"},
		{"unknown connection: patch", "PATCH", "/api/v2/connections/" + unknown, `{"display_name":"x"}`,
			404, "The connection does not exist", "inexistent_connection"},
		{"unknown connection: its clients", "GET", "/api/v2/connections/" + unknown + "/clients", "",
			404, "The connection does not exist", "inexistent_connection"},
		{"unknown connection: patch its clients", "PATCH", "/api/v2/connections/" + unknown + "/clients", `[]`,
			404, "The connection does not exist", "inexistent_connection"},
		{"body before lookup: patch", "PATCH", "/api/v2/connections/" + unknown, `{"display_name":""}`,
			400, "Payload validation error: 'String is too short (0 chars), minimum 1' on property display_name.", "invalid_body"},
		{"body before lookup: clients", "PATCH", "/api/v2/connections/" + unknown + "/clients", `[{"client_id":"a"}]`,
			400, "Payload validation error: 'Missing required property: status' on property [0].", "invalid_body"},

		{"list: per_page 101", "GET", "/api/v2/connections?per_page=101", "",
			400, "Query validation error: 'Value 101 is greater than maximum 100' on property per_page.", "invalid_query_string"},
		{"list: unknown strategy", "GET", "/api/v2/connections?strategy=waad", "",
			400, `Query validation error: 'No enum match for: "waad"' on property strategy.`, "invalid_query_string"},
		{"list: include_fields not a boolean", "GET", "/api/v2/connections?fields=name&include_fields=yes", "",
			400, "Query validation error: 'Expected type boolean but found type string' on property include_fields.", "invalid_query_string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do(tt.method, tt.path, tt.body), tt.status, tt.message, tt.code)
		})
	}

	t.Run("scopes", func(t *testing.T) {
		for _, c := range []struct{ method, path, body, scope string }{
			{"POST", "/api/v2/connections", `{"name":"y","strategy":"auth0"}`, "create:connections"},
			{"GET", "/api/v2/connections", "", "read:connections"},
			{"GET", "/api/v2/connections/" + unknown, "", "read:connections"},
			{"PATCH", "/api/v2/connections/" + unknown, `{}`, "update:connections"},
			{"DELETE", "/api/v2/connections/" + unknown, "", "delete:connections"},
			{"GET", "/api/v2/connections/" + unknown + "/clients", "", "read:connections"},
			{"PATCH", "/api/v2/connections/" + unknown + "/clients", `[]`, "update:connections"},
		} {
			wantAuth0Error(t, s.doAs("reader", c.method, c.path, c.body), 403,
				"Insufficient scope; expected any of: "+c.scope+".", "insufficient_scope")
		}
	})
}

func TestOIDCConnectionSecretIsSealedAndNeverShown(t *testing.T) {
	s := newTestServer(t)
	created := s.must(201, "POST", "/api/v2/connections",
		`{"name":"acme-oidc","strategy":"oidc","display_name":"Acme SSO","options":`+oidcOptions+`}`)
	if strings.Contains(created.raw, "s3cr3t") || strings.Contains(created.raw, `"client_secret"`) || strings.Contains(created.raw, "_sealed") {
		t.Fatalf("the answer shows the secret: %s", created.raw)
	}
	id := created.obj()["id"].(string)
	wantOpts := map[string]any{
		"type": "back_channel", "client_id": "orgauth-at-acme",
		"discovery_url": "https://idp.acme.example/.well-known/openid-configuration", "scope": "openid profile email",
		"connection_settings": map[string]any{"pkce": "auto"}, "token_endpoint_auth_method": "client_secret_post",
	}
	if !reflect.DeepEqual(created.obj()["options"], any(wantOpts)) {
		t.Errorf("options = %v", created.obj()["options"])
	}
	for _, path := range []string{"/api/v2/connections/" + id, "/api/v2/connections", "/api/v2/connections?strategy=oidc&include_totals=true"} {
		if r := s.must(200, "GET", path, ""); strings.Contains(r.raw, "s3cr3t") || strings.Contains(r.raw, `"client_secret"`) || strings.Contains(r.raw, "_sealed") {
			t.Errorf("GET %s shows the secret: %s", path, r.raw)
		}
	}

	// In the store, the secret is sealed under the KEK, bound to the connection.
	stored, err := s.store.GetConnection(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored.Options), "s3cr3t") {
		t.Fatalf("the store holds the secret in plain: %s", stored.Options)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(stored.Options, &doc); err != nil || doc["client_secret_sealed"] == nil {
		t.Fatalf("stored options = %s", stored.Options)
	}
	if got, err := s.svc.ConnectionSecret(t.Context(), id, "client_secret"); err != nil || got != "s3cr3t-upstream" {
		t.Fatalf("ConnectionSecret = %q, %v", got, err)
	}

	t.Run("a patch that leaves the secret out keeps it; one that sends it replaces it", func(t *testing.T) {
		s.must(200, "PATCH", "/api/v2/connections/"+id,
			`{"options":{"client_id":"orgauth-at-acme","discovery_url":"https://idp.acme.example/.well-known/openid-configuration","scopes":"openid email"}}`)
		if got, err := s.svc.ConnectionSecret(t.Context(), id, "client_secret"); err != nil || got != "s3cr3t-upstream" {
			t.Fatalf("secret after a patch without it = %q, %v", got, err)
		}
		got := s.must(200, "GET", "/api/v2/connections/"+id, "").obj()
		if opts := got["options"].(map[string]any); opts["scope"] != "openid email" || opts["scopes"] != nil {
			t.Errorf("scopes is not stored as scope: %v", opts)
		}
		s.must(200, "PATCH", "/api/v2/connections/"+id, `{"options":`+strings.Replace(oidcOptions, "s3cr3t-upstream", "rotated", 1)+`}`)
		if got, err := s.svc.ConnectionSecret(t.Context(), id, "client_secret"); err != nil || got != "rotated" {
			t.Fatalf("secret after a patch with a new one = %q, %v", got, err)
		}
		wantAuth0Error(t, s.do("PATCH", "/api/v2/connections/"+id,
			`{"options":{"client_id":"c","client_secret":null,"discovery_url":"https://idp.acme.example/"}}`), 400,
			"Payload validation error: 'Missing required property: client_secret (a back_channel connection needs it)' on property options.", "invalid_body")
	})

	t.Run("front channel needs an https issuer, and no secret", func(t *testing.T) {
		r := s.must(201, "POST", "/api/v2/connections", `{"name":"front","strategy":"oidc","options":{"type":"front_channel","client_id":"c",
			"issuer":"https://idp.example/","authorization_endpoint":"https://idp.example/authorize","jwks_uri":"https://idp.example/jwks"}}`)
		if got, err := s.svc.ConnectionSecret(t.Context(), r.obj()["id"].(string), "client_secret"); err != nil || got != "" {
			t.Errorf("ConnectionSecret = %q, %v", got, err)
		}
		plain := newTestServerWith(t, tenant.Options{Issuer: "http://127.0.0.1:8080/", KEK: testKEK, Passwords: cheapPasswords(t, 0, 0)})
		wantAuth0Error(t, plain.do("POST", "/api/v2/connections", `{"name":"front","strategy":"oidc","options":{"type":"front_channel","client_id":"c","discovery_url":"https://idp.example/"}}`),
			400, "Payload validation error: 'A front_channel connection needs orgauth's issuer to be https (the identity provider posts its answer cross-site)' on property options.type.", "invalid_body")
		// While orgauth's own issuer is plain http, so may the provider's be on this machine.
		plain.must(201, "POST", "/api/v2/connections", `{"name":"local","strategy":"oidc","options":{"client_id":"c","client_secret":"s","discovery_url":"http://localhost:9000/.well-known/openid-configuration"}}`)
	})

	t.Run("a domain alias belongs to one connection", func(t *testing.T) {
		s.must(201, "POST", "/api/v2/connections", `{"name":"globex","strategy":"oidc","options":{"client_id":"c","client_secret":"s",
			"discovery_url":"https://idp.globex.example/","domain_aliases":["Globex.example"]}}`)
		wantAuth0Error(t, s.do("POST", "/api/v2/connections", `{"name":"globex2","strategy":"samlp","options":{"metadataUrl":"https://idp.example/md","domain_aliases":["globex.example"]}}`),
			409, "The domain alias globex.example belongs to the connection globex already.", "domain_alias_conflict")
	})

	t.Run("without a KEK, a secret cannot be stored", func(t *testing.T) {
		bare := newTestServerWith(t, tenant.Options{Issuer: testIssuer, Passwords: cheapPasswords(t, 0, 0)})
		r := bare.do("POST", "/api/v2/connections", `{"name":"acme-oidc","strategy":"oidc","options":`+oidcOptions+`}`)
		wantAuth0Error(t, r, 500, "Internal error", "")
	})
}

func TestSAMLConnection(t *testing.T) {
	s := newTestServer(t)
	got := s.must(201, "POST", "/api/v2/connections", `{"name":"acme-saml","strategy":"samlp","options":{
		"metadataXml":"<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.acme.example/\"/>",
		"fieldsMap":{"email":"mail"},"user_id_attribute":"uid","signSAMLRequest":true,"domain_aliases":["acme.example"]}}`).obj()
	want := map[string]any{
		"metadataXml":     `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.acme.example/"/>`,
		"signSAMLRequest": true, "signatureAlgorithm": "rsa-sha256", "digestAlgorithm": "sha256",
		"protocolBinding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", "user_id_attribute": "uid",
		"fieldsMap": map[string]any{"email": "mail"}, "domain_aliases": []any{"acme.example"},
		"idpinitiated": map[string]any{"enabled": false}, "email_verified_by_idp": false,
	}
	if !reflect.DeepEqual(got["options"], any(want)) {
		t.Errorf("options =\n%v\nwant\n%v", got["options"], want)
	}
}

func TestConnectionClients(t *testing.T) {
	s := newTestServer(t)
	_, a := s.fixture()
	b := s.must(201, "POST", "/api/v2/clients", `{"name":"Second"}`).obj()["client_id"].(string)
	c := s.must(201, "POST", "/api/v2/clients", `{"name":"Third"}`).obj()["client_id"].(string)
	id := s.must(201, "POST", "/api/v2/connections", `{"name":"db","strategy":"auth0"}`).obj()["id"].(string)

	if got := s.must(200, "GET", "/api/v2/connections/"+id+"/clients", "").raw; got != `{"clients":[]}`+"\n" {
		t.Errorf("no clients = %s", got)
	}
	r := s.do("PATCH", "/api/v2/connections/"+id+"/clients",
		`[{"client_id":"`+a+`","status":true},{"client_id":"`+b+`","status":true},{"client_id":"`+c+`","status":true}]`)
	if r.status != 204 || r.raw != "" {
		t.Fatalf("patch = %d %s", r.status, r.raw)
	}
	page := s.must(200, "GET", "/api/v2/connections/"+id+"/clients?take=2", "").obj()
	if !reflect.DeepEqual(page["clients"], []any{map[string]any{"client_id": a}, map[string]any{"client_id": b}}) || page["next"] == nil {
		t.Fatalf("first page = %v", page)
	}
	last := s.must(200, "GET", "/api/v2/connections/"+id+"/clients?take=2&from="+page["next"].(string), "").obj()
	if !reflect.DeepEqual(last, map[string]any{"clients": []any{map[string]any{"client_id": c}}}) {
		t.Errorf("last page = %v", last)
	}
	s.must(204, "PATCH", "/api/v2/connections/"+id+"/clients",
		`[{"client_id":"`+a+`","status":false},{"client_id":"nosuchclient","status":false}]`)
	if got := s.must(200, "GET", "/api/v2/connections/"+id, "").obj()["enabled_clients"]; !reflect.DeepEqual(got, []any{b, c}) {
		t.Errorf("enabled_clients = %v", got)
	}

	for _, tt := range []struct{ name, body, message, code string }{
		{"an unknown client to enable", `[{"client_id":"nosuchclient","status":true}]`, "The client nosuchclient does not exist.", "invalid_body"},
		{"not an array", `{"client_id":"a","status":true}`, "Payload validation error: 'Expected type array but found type object'.", "invalid_body"},
		{"an unknown property", `[{"client_id":"a","status":true,"x":1}]`, "Payload validation error: 'Additional properties not allowed: x' on property [0].", "invalid_body"},
		{"status not a boolean", `[{"client_id":"a","status":"on"}]`, "Payload validation error: 'Expected type boolean but found type string' on property [0].status.", "invalid_body"},
		{"a client twice", `[{"client_id":"a","status":true},{"client_id":"a","status":false}]`, `Payload validation error: 'Array items are not unique: "a"' on property client_id.`, "invalid_body"},
		{"51 entries", `[` + strings.TrimSuffix(strings.Repeat(`{"client_id":"a","status":true},`, 51), ",") + `]`, "Payload validation error: 'Array is too long (51), maximum 50'.", "invalid_body"},
		{"empty body", ``, "Payload validation error: 'Expected type array but found type null'.", "invalid_body"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do("PATCH", "/api/v2/connections/"+id+"/clients", tt.body), 400, tt.message, tt.code)
		})
	}
	wantAuth0Error(t, s.do("GET", "/api/v2/connections/"+id+"/clients?take=0", ""), 400,
		"Query validation error: 'Value 0 is less than minimum 1' on property take.", "invalid_query_string")
	wantAuth0Error(t, s.do("GET", "/api/v2/connections/"+id+"/clients?from=zzz", ""), 400,
		"The 'from' parameter is not a valid checkpoint.", "invalid_body")
}

func TestConnectionList(t *testing.T) {
	s := newTestServer(t)
	for i := range 3 {
		s.must(201, "POST", "/api/v2/connections", `{"name":"db`+string(rune('a'+i))+`","strategy":"auth0"}`)
	}
	s.must(201, "POST", "/api/v2/connections", `{"name":"sso","strategy":"oidc","options":`+oidcOptions+`}`)

	if got := s.must(200, "GET", "/api/v2/connections", "").list(); len(got) != 5 {
		t.Errorf("default page: %d items, want all 5 (per_page defaults to 100)", len(got))
	}
	totals := s.must(200, "GET", "/api/v2/connections?include_totals=true&per_page=2&page=1", "").obj()
	if totals["start"] != float64(2) || totals["limit"] != float64(2) || totals["total"] != float64(5) || len(totals["connections"].([]any)) != 2 {
		t.Errorf("totals = %v", totals)
	}
	byStrategy := s.must(200, "GET", "/api/v2/connections?strategy=oidc&strategy=samlp", "").list()
	if len(byStrategy) != 1 || byStrategy[0].(map[string]any)["name"] != "sso" {
		t.Errorf("strategy filter = %v", byStrategy)
	}
	byName := s.must(200, "GET", "/api/v2/connections?name=dbb&fields=name,strategy", "").list()
	if !reflect.DeepEqual(byName, []any{map[string]any{"name": "dbb", "strategy": "auth0"}}) {
		t.Errorf("name filter with fields = %v", byName)
	}
	without := s.must(200, "GET", "/api/v2/connections?name=dbb&fields=options,realms&include_fields=false", "").list()
	if item := without[0].(map[string]any); item["options"] != nil || item["realms"] != nil || item["id"] == nil {
		t.Errorf("include_fields=false = %v", item)
	}
	page := s.must(200, "GET", "/api/v2/connections?take=4", "").obj()
	if len(page["connections"].([]any)) != 4 || page["next"] == nil {
		t.Errorf("checkpoint page = %v", page)
	}
	id := s.must(200, "GET", "/api/v2/connections?name=dbb", "").list()[0].(map[string]any)["id"].(string)
	if got := s.must(200, "GET", "/api/v2/connections/"+id+"?fields=enabled_clients", "").obj(); !reflect.DeepEqual(got, map[string]any{"enabled_clients": []any{}}) {
		t.Errorf("get with fields = %v", got)
	}
}
