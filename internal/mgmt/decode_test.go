package mgmt

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

// wantError checks that err is an *Error with the given status and message.
func wantError(t *testing.T, err error, status int, message string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error %d %q", err, status, message)
	}
	if e.StatusCode != status || e.Message != message {
		t.Fatalf("error = %d %q, want %d %q", e.StatusCode, e.Message, status, message)
	}
}

func TestParseBodyRefusesWhatIsNotOneJSONObject(t *testing.T) {
	tests := []struct {
		name, body, message string
	}{
		{"empty body", "", "Payload validation error: 'Expected type object but found type null'."},
		{"only whitespace", " \r\n\t", "Payload validation error: 'Expected type object but found type null'."},
		{"null", "null", "Payload validation error: 'Expected type object but found type null'."},
		{"array", `[{"name":"x"}]`, "Payload validation error: 'Expected type object but found type array'."},
		{"string", `"x"`, "Payload validation error: 'Expected type object but found type string'."},
		{"integer", `12`, "Payload validation error: 'Expected type object but found type integer'."},
		{"number", `1.5`, "Payload validation error: 'Expected type object but found type number'."},
		{"boolean", `true`, "Payload validation error: 'Expected type object but found type boolean'."},
		{"bad syntax", `{"name":}`, "Invalid request payload JSON format"},
		{"unterminated object", `{"name":"x"`, "Invalid request payload JSON format"},
		{"trailing object", `{} {}`, "Invalid request payload JSON format"},
		{"trailing garbage", `{"name":"x"}x`, "Invalid request payload JSON format"},
		{"invalid UTF-8 in a string", "{\"name\":\"\xff\xfe\"}", "Invalid request payload JSON format"},
		{"nesting beyond the decoder's limit", `{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, "Invalid request payload JSON format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseBody([]byte(tt.body))
			wantError(t, err, http.StatusBadRequest, tt.message)
			if e, _ := asError(err); e.ErrorCode != "invalid_body" {
				t.Errorf("errorCode = %q, want invalid_body", e.ErrorCode)
			}
		})
	}
}

func TestObjectGettersReportTheFirstSchemaBreak(t *testing.T) {
	tests := []struct {
		name, body string
		read       func(object) error
		message    string
	}{
		{
			"unknown property, first in sorted order",
			`{"name":"a","zeta":1,"alpha":2}`,
			func(o object) error { return o.allow("name") },
			"Payload validation error: 'Additional properties not allowed: alpha'.",
		},
		{
			"missing required property",
			`{}`,
			func(o object) error { _, err := o.requiredString("name"); return err },
			"Payload validation error: 'Missing required property: name'.",
		},
		{
			"integer where a string belongs",
			`{"name":5}`,
			func(o object) error { _, err := o.stringField("name"); return err },
			"Payload validation error: 'Expected type string but found type integer' on property name.",
		},
		{
			"null where a string belongs",
			`{"name":null}`,
			func(o object) error { _, err := o.stringField("name"); return err },
			"Payload validation error: 'Expected type string but found type null' on property name.",
		},
		{
			"string where a boolean belongs",
			`{"flag":"true"}`,
			func(o object) error { _, err := o.boolField("flag"); return err },
			"Payload validation error: 'Expected type boolean but found type string' on property flag.",
		},
		{
			"fraction where an integer belongs",
			`{"n":1.5}`,
			func(o object) error { _, err := o.intField("n"); return err },
			"Payload validation error: 'Expected type integer but found type number' on property n.",
		},
		{
			"integer beyond what JSON carries exactly",
			`{"n":9007199254740993}`,
			func(o object) error { _, err := o.intField("n"); return err },
			"Payload validation error: 'Integer 9007199254740993 is out of range' on property n.",
		},
		{
			"number too large for a float",
			`{"n":1e400}`,
			func(o object) error { _, err := o.intField("n"); return err },
			"Payload validation error: 'Expected type integer but found type number' on property n.",
		},
		{
			"object where an array belongs",
			`{"scope":{}}`,
			func(o object) error { _, err := o.stringsField("scope"); return err },
			"Payload validation error: 'Expected type array but found type object' on property scope.",
		},
		{
			"array element of the wrong type",
			`{"scope":["a",2]}`,
			func(o object) error { _, err := o.stringsField("scope"); return err },
			"Payload validation error: 'Expected type string but found type integer' on property scope[1].",
		},
		{
			"array where an object belongs",
			`{"branding":[]}`,
			func(o object) error { _, err := o.objectField("branding"); return err },
			"Payload validation error: 'Expected type object but found type array' on property branding.",
		},
		{
			"nested unknown property",
			`{"branding":{"colour":"red"}}`,
			func(o object) error {
				b, err := o.objectField("branding")
				if err != nil {
					return err
				}
				return b.allow("logo_url")
			},
			"Payload validation error: 'Additional properties not allowed: colour' on property branding.",
		},
		{
			"object array element of the wrong type",
			`{"scopes":[{"value":"a"},"b"]}`,
			func(o object) error { _, err := o.objectsField("scopes"); return err },
			"Payload validation error: 'Expected type object but found type string' on property scopes[1].",
		},
		{
			"string map with a non-string value",
			`{"metadata":{"tier":"gold","seats":10}}`,
			func(o object) error { _, err := o.stringMapField("metadata"); return err },
			"Payload validation error: 'Expected type string but found type integer' on property metadata.seats.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseBody([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, tt.read(o), http.StatusBadRequest, tt.message)
		})
	}
}

func TestIntFieldAcceptsIntegralNumbersInAnyNotation(t *testing.T) {
	for body, want := range map[string]int{
		`{"n":86400}`: 86400, `{"n":1.0}`: 1, `{"n":1e3}`: 1000, `{"n":-5}`: -5, `{"n":9007199254740991}`: 1<<53 - 1,
	} {
		o, err := parseBody([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := o.intField("n")
		if err != nil || got == nil || *got != want {
			t.Errorf("%s: got %v, %v; want %d", body, got, err, want)
		}
	}
}

func TestDecodeClientGrantPatchTellsAbsentNullAndValueApart(t *testing.T) {
	empty, unset, off, on, allow := []string{}, "", false, true, "allow"
	tests := []struct {
		name, body string
		want       tenant.ClientGrantPatch
	}{
		{"absent fields keep their values", `{}`, tenant.ClientGrantPatch{}},
		{"null puts every field back to its default", `{"scope":null,"organization_usage":null,"allow_any_organization":null}`,
			tenant.ClientGrantPatch{Scope: &empty, OrganizationUsage: &unset, AllowAnyOrganization: &off}},
		{"values are passed on", `{"scope":["read:x"],"organization_usage":"allow","allow_any_organization":true}`,
			tenant.ClientGrantPatch{Scope: &[]string{"read:x"}, OrganizationUsage: &allow, AllowAnyOrganization: &on}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeClientGrantPatch([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeClientGrantPatchRefusesImmutableFields(t *testing.T) {
	_, err := decodeClientGrantPatch([]byte(`{"audience":"https://api"}`))
	wantError(t, err, http.StatusBadRequest, "Payload validation error: 'Additional properties not allowed: audience'.")
}

func TestDecodeClientGrantCreate(t *testing.T) {
	t.Run("scope is required", func(t *testing.T) {
		_, err := decodeClientGrantCreate([]byte(`{"client_id":"c","audience":"a"}`))
		wantError(t, err, http.StatusBadRequest, "Payload validation error: 'Missing required property: scope'.")
	})
	t.Run("null optional fields are the defaults", func(t *testing.T) {
		got, err := decodeClientGrantCreate([]byte(`{"client_id":"c","audience":"a","scope":null,"organization_usage":null,"allow_any_organization":null}`))
		if err != nil {
			t.Fatal(err)
		}
		want := tenant.ClientGrantInput{ClientID: "c", Audience: "a", Scope: []string{}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
}

func TestDecodeClientPatchDefaultOrganization(t *testing.T) {
	t.Run("null clears it", func(t *testing.T) {
		got, err := decodeClientPatch([]byte(`{"default_organization":null}`))
		if err != nil {
			t.Fatal(err)
		}
		if !got.ClearDefaultOrganization || got.DefaultOrganization != nil {
			t.Errorf("got %+v, want ClearDefaultOrganization only", got)
		}
	})
	t.Run("absent leaves it alone", func(t *testing.T) {
		got, err := decodeClientPatch([]byte(`{"name":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		if got.ClearDefaultOrganization || got.DefaultOrganization != nil || got.Name == nil || *got.Name != "x" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("an object sets it", func(t *testing.T) {
		got, err := decodeClientPatch([]byte(`{"default_organization":{"organization_id":"org_1","flows":["client_credentials"]}}`))
		if err != nil {
			t.Fatal(err)
		}
		want := &tenant.DefaultOrganization{OrganizationID: "org_1", Flows: []string{"client_credentials"}}
		if got.ClearDefaultOrganization || !reflect.DeepEqual(got.DefaultOrganization, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("both keys are required", func(t *testing.T) {
		_, err := decodeClientPatch([]byte(`{"default_organization":{"organization_id":"org_1"}}`))
		wantError(t, err, http.StatusBadRequest, "Payload validation error: 'Missing required property: flows' on property default_organization.")
	})
}

func TestDecodeOrganizationPatchTriState(t *testing.T) {
	tests := []struct {
		name, body string
		want       tenant.OrganizationPatch
	}{
		{"absent fields keep their values", `{}`, tenant.OrganizationPatch{}},
		{"null branding removes it and null metadata empties it", `{"branding":null,"metadata":null}`,
			tenant.OrganizationPatch{ClearBranding: true, Metadata: map[string]string{}}},
		{"values replace", `{"branding":{"logo_url":"https://x/l.png","colors":{"primary":"#000000","page_background":"#ffffff"}},"metadata":{"tier":"gold"}}`,
			tenant.OrganizationPatch{
				Branding: &tenant.Branding{LogoURL: "https://x/l.png", Colors: &tenant.BrandingColors{Primary: "#000000", PageBackground: "#ffffff"}},
				Metadata: map[string]string{"tier": "gold"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeOrganizationPatch([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeOrganizationCreate(t *testing.T) {
	tests := []struct {
		name, body, message string
	}{
		{"name is required", `{"display_name":"Acme"}`, "Payload validation error: 'Missing required property: name'."},
		{"both colors are required", `{"name":"acme","branding":{"colors":{"primary":"#000000"}}}`,
			"Payload validation error: 'Missing required property: page_background' on property branding.colors."},
		{"a color must be a string", `{"name":"acme","branding":{"colors":{"primary":0,"page_background":"#fff"}}}`,
			"Payload validation error: 'Expected type string but found type integer' on property branding.colors.primary."},
		{"unknown top-level property", `{"name":"acme","enabled_connections":[]}`,
			"Payload validation error: 'Additional properties not allowed: enabled_connections'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeOrganizationCreate([]byte(tt.body))
			wantError(t, err, http.StatusBadRequest, tt.message)
		})
	}
	t.Run("null branding and metadata mean none", func(t *testing.T) {
		got, err := decodeOrganizationCreate([]byte(`{"name":"acme","branding":null,"metadata":null}`))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tenant.OrganizationInput{Name: "acme"}) {
			t.Errorf("got %+v", got)
		}
	})
}

func TestDecodeResourceServerPatchRefusesTheIdentifier(t *testing.T) {
	_, err := decodeResourceServerPatch([]byte(`{"identifier":"https://other"}`))
	wantError(t, err, http.StatusBadRequest, "Payload validation error: 'Additional properties not allowed: identifier'.")
}

func TestDecodeResourceServerCreateScopes(t *testing.T) {
	got, err := decodeResourceServerCreate([]byte(`{"identifier":"https://api","scopes":[{"value":"read:x","description":"Read"},{"value":"write:x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []tenant.Scope{{Value: "read:x", Description: "Read"}, {Value: "write:x"}}
	if got.Identifier != "https://api" || got.Scopes == nil || !reflect.DeepEqual(*got.Scopes, want) {
		t.Errorf("got %+v", got)
	}
	_, err = decodeResourceServerCreate([]byte(`{"identifier":"https://api","scopes":[{"description":"Read"}]}`))
	wantError(t, err, http.StatusBadRequest, "Payload validation error: 'Missing required property: value' on property scopes[0].")
}

func TestDecodeTenantSettingsPatch(t *testing.T) {
	on := true
	for _, body := range []string{
		`{"flags":{"allow_organization_name_in_authentication_api":true}}`,
		`{"allow_organization_name_in_authentication_api":true}`,
		`{"allow_organization_name_in_authentication_api":true,"flags":{"allow_organization_name_in_authentication_api":true}}`,
	} {
		got, err := decodeTenantSettingsPatch([]byte(body))
		if err != nil || !reflect.DeepEqual(got, tenant.SettingsPatch{AllowOrganizationNameInAuthenticationAPI: &on}) {
			t.Errorf("%s: got %+v, %v", body, got, err)
		}
	}
	_, err := decodeTenantSettingsPatch([]byte(`{"allow_organization_name_in_authentication_api":true,"flags":{"allow_organization_name_in_authentication_api":false}}`))
	wantError(t, err, http.StatusBadRequest,
		"Payload validation error: 'Value differs from flags.allow_organization_name_in_authentication_api' on property allow_organization_name_in_authentication_api.")
}

func TestReadBodyRefusesLargeBodiesWith413(t *testing.T) {
	big := `{"name":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	t.Run("announced by Content-Length", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(big))
		_, err := readBody(httptest.NewRecorder(), r)
		wantError(t, err, http.StatusRequestEntityTooLarge, "Payload content length greater than maximum allowed: 65536")
	})
	t.Run("streamed without a length", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(big))
		r.ContentLength = -1
		_, err := readBody(httptest.NewRecorder(), r)
		wantError(t, err, http.StatusRequestEntityTooLarge, "Payload content length greater than maximum allowed: 65536")
	})
	t.Run("under a smaller limit set by the server", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"name":"abcdefgh"}`))
		r.ContentLength = -1
		r.Body = http.MaxBytesReader(w, r.Body, 8)
		_, err := readBody(w, r)
		wantError(t, err, http.StatusRequestEntityTooLarge, "Payload content length greater than maximum allowed: 8")
	})
	t.Run("exactly the limit is read", func(t *testing.T) {
		body := strings.Repeat(" ", maxBodyBytes)
		got, err := readBody(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		if err != nil || len(got) != maxBodyBytes {
			t.Errorf("read %d bytes, %v", len(got), err)
		}
	})
}
