package sqlstore

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// columnOf returns a function that turns an Encode result into what a driver reads back from the
// column: NULL is a nil *string.
func columnOf(t *testing.T) func(v any, err error) *string {
	return func(v any, err error) *string {
		t.Helper()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		switch v := v.(type) {
		case nil:
			return nil
		case string:
			return &v
		default:
			t.Fatalf("encoded %T, want nil or string", v)
			return nil
		}
	}
}

func TestStoredJSONShapes(t *testing.T) {
	column := columnOf(t)
	// The shapes stored data already has: changing one breaks existing databases.
	tests := []struct {
		name string
		got  *string
		want string
	}{
		{"strings", column(encodeStrings([]string{"client_credentials"})), `["client_credentials"]`},
		{"scopes", column(encodeScopes([]store.Scope{{Value: "read:x", Description: "Read x"}})),
			`[{"value":"read:x","description":"Read x"}]`},
		{"metadata", column(encodeMetadata(map[string]string{"tier": "gold"})), `{"tier":"gold"}`},
		{"branding without colors", column(encodeBranding(&store.Branding{LogoURL: "https://x/l.png"})),
			`{"logo_url":"https://x/l.png"}`},
		{"branding with colors", column(encodeBranding(&store.Branding{
			Colors: &store.BrandingColors{Primary: "#0059d6", PageBackground: "#000000"},
		})), `{"logo_url":"","colors":{"primary":"#0059d6","page_background":"#000000"}}`},
		{"JSON object", column(encodeObject(map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`),
			"seats": json.RawMessage(`{ "max": 10 }`)})), `{"plan":"gold","seats":{"max":10}}`},
		{"document", column(encodeDocument(json.RawMessage(`{ "b": 1, "a": [ ] }`)), nil), `{ "b": 1, "a": [ ] }`},
		{"refresh-token configuration", column(encodeRefreshToken(store.RefreshTokenConfig{RotationType: "non-rotating",
			ExpirationType: "non-expiring", Leeway: 1, TokenLifetime: 2, IdleTokenLifetime: 3, InfiniteTokenLifetime: true,
			InfiniteIdleTokenLifetime: true})),
			`{"rotation_type":"non-rotating","expiration_type":"non-expiring","leeway":1,"token_lifetime":2,` +
				`"idle_token_lifetime":3,"infinite_token_lifetime":true,"infinite_idle_token_lifetime":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got == nil || *tt.got != tt.want {
				t.Errorf("stored %v, want %s", tt.got, tt.want)
			}
		})
	}
}

// TestMigrationDefaultsAreTheDefaultConfiguration: the clients migration 0005 found got the
// configuration a client that sets none gets, in the shape encodeRefreshToken writes.
func TestMigrationDefaultsAreTheDefaultConfiguration(t *testing.T) {
	b, err := migrationFiles.ReadFile("migrations/0005_people.sql")
	if err != nil {
		t.Fatal(err)
	}
	def := columnOf(t)(encodeRefreshToken(store.DefaultRefreshTokenConfig()))
	if want := "DEFAULT '" + *def + "'"; !strings.Contains(string(b), want) {
		t.Errorf("migration 0005 lacks %s", want)
	}
}

func TestEmptyValuesAreStoredAsNULLAndReadBackAsNil(t *testing.T) {
	column := columnOf(t)
	tests := []struct {
		name   string
		stored *string
		decode func(*string) (any, error)
	}{
		{"nil strings", column(encodeStrings(nil)), func(c *string) (any, error) { return decodeStrings(c) }},
		{"empty strings", column(encodeStrings([]string{})), func(c *string) (any, error) { return decodeStrings(c) }},
		{"empty scopes", column(encodeScopes([]store.Scope{})), func(c *string) (any, error) { return decodeScopes(c) }},
		{"empty metadata", column(encodeMetadata(map[string]string{})), func(c *string) (any, error) { return decodeMetadata(c) }},
		{"no branding", column(encodeBranding(nil)), func(c *string) (any, error) { return decodeBranding(c) }},
		{"empty object", column(encodeObject(map[string]json.RawMessage{})), func(c *string) (any, error) { return decodeObject(c) }},
		{"empty document", column(encodeDocument(json.RawMessage{}), nil), func(c *string) (any, error) { return decodeDocument(c), nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stored != nil {
				t.Fatalf("stored %q, want NULL", *tt.stored)
			}
			got, err := tt.decode(nil)
			if err != nil {
				t.Fatal(err)
			}
			if v := reflect.ValueOf(got); !v.IsNil() {
				t.Errorf("read back %#v, want nil", got)
			}
		})
	}
}

func TestEmptyJSONReadsBackAsNil(t *testing.T) {
	// Encode stores NULL for empty values, but a column holding empty JSON still reads as nil.
	for _, stored := range []string{"[]", "null"} {
		if v, err := decodeStrings(&stored); err != nil || v != nil {
			t.Errorf("strings %s read as %#v, %v; want nil", stored, v, err)
		}
		if v, err := decodeScopes(&stored); err != nil || v != nil {
			t.Errorf("scopes %s read as %#v, %v; want nil", stored, v, err)
		}
	}
	stored := "{}"
	if v, err := decodeMetadata(&stored); err != nil || v != nil {
		t.Errorf("metadata {} read as %#v, %v; want nil", v, err)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	column := columnOf(t)
	strs := []string{"a", "b"}
	if got, err := decodeStrings(column(encodeStrings(strs))); err != nil || !reflect.DeepEqual(got, strs) {
		t.Errorf("strings read back as %#v, %v", got, err)
	}
	scopes := []store.Scope{{Value: "read:x"}, {Value: "write:x", Description: "Write x"}}
	if got, err := decodeScopes(column(encodeScopes(scopes))); err != nil || !reflect.DeepEqual(got, scopes) {
		t.Errorf("scopes read back as %#v, %v", got, err)
	}
	meta := map[string]string{"a": "1", "b": ""}
	if got, err := decodeMetadata(column(encodeMetadata(meta))); err != nil || !reflect.DeepEqual(got, meta) {
		t.Errorf("metadata read back as %#v, %v", got, err)
	}
	for _, b := range []*store.Branding{
		{},
		{LogoURL: "https://x/l.png"},
		{LogoURL: "https://x/l.png", Colors: &store.BrandingColors{Primary: "#111111", PageBackground: "#222222"}},
	} {
		if got, err := decodeBranding(column(encodeBranding(b))); err != nil || !reflect.DeepEqual(got, b) {
			t.Errorf("branding %+v read back as %+v, %v", b, got, err)
		}
	}
}

func TestMalformedJSONIsAnError(t *testing.T) {
	bad := "{"
	if _, err := decodeStrings(&bad); err == nil {
		t.Error("strings: no error")
	}
	if _, err := decodeScopes(&bad); err == nil {
		t.Error("scopes: no error")
	}
	if _, err := decodeMetadata(&bad); err == nil {
		t.Error("metadata: no error")
	}
	if _, err := decodeBranding(&bad); err == nil {
		t.Error("branding: no error")
	}
	id := "org_1"
	if _, err := decodeDefaultOrganization(&id, &bad); err == nil {
		t.Error("default organization flows: no error")
	}
}

func TestDefaultOrganization(t *testing.T) {
	column := columnOf(t)
	t.Run("none is two NULLs", func(t *testing.T) {
		id, flows, err := encodeDefaultOrganization(nil)
		if err != nil || id != nil || flows != nil {
			t.Errorf("encoded (%v, %v, %v), want (nil, nil, nil)", id, flows, err)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		d := &store.DefaultOrganization{OrganizationID: "org_1", Flows: []string{"client_credentials"}}
		id, flows, err := encodeDefaultOrganization(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeDefaultOrganization(column(id, nil), column(flows, nil))
		if err != nil || !reflect.DeepEqual(got, d) {
			t.Errorf("read back %+v, %v; want %+v", got, err, d)
		}
	})
	t.Run("a NULL id decides, whatever flows were left behind", func(t *testing.T) {
		flows := `["client_credentials"]`
		if got, err := decodeDefaultOrganization(nil, &flows); err != nil || got != nil {
			t.Errorf("read %+v, %v; want nil", got, err)
		}
	})
	t.Run("an id without flows has none", func(t *testing.T) {
		id := "org_1"
		got, err := decodeDefaultOrganization(&id, nil)
		if err != nil || got == nil || got.OrganizationID != id || got.Flows != nil {
			t.Errorf("read %+v, %v; want org_1 without flows", got, err)
		}
	})
}

func TestNullBytes(t *testing.T) {
	if v := nullBytes(nil); v != nil {
		t.Errorf("nil stored as %#v, want NULL", v)
	}
	if v := nullBytes([]byte{}); v != nil {
		t.Errorf("empty stored as %#v, want NULL", v)
	}
	if v, ok := nullBytes([]byte{1}).([]byte); !ok || len(v) != 1 {
		t.Errorf("[1] stored as %#v", v)
	}
	if b := fromNullBytes([]byte{}); b != nil {
		t.Errorf("empty read back as %#v, want nil", b)
	}
	if b := fromNullBytes([]byte{1}); len(b) != 1 {
		t.Errorf("[1] read back as %#v", b)
	}
}
