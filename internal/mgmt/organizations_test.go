package mgmt

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

func TestOrganizationsLifecycle(t *testing.T) {
	s := newTestServer(t)

	o := s.must(201, "POST", "/api/v2/organizations",
		`{"name":"acme","display_name":"Acme Inc.","branding":{"logo_url":"https://acme.example/logo.png","colors":{"primary":"#0059d6","page_background":"#ffffff"}},"metadata":{"tier":"gold"}}`).obj()
	id, _ := o["id"].(string)
	if !strings.HasPrefix(id, "org_") || o["name"] != "acme" || o["display_name"] != "Acme Inc." {
		t.Fatalf("created = %v", o)
	}
	wantBranding := map[string]any{"logo_url": "https://acme.example/logo.png", "colors": map[string]any{"primary": "#0059d6", "page_background": "#ffffff"}}
	if !reflect.DeepEqual(o["branding"], wantBranding) || !reflect.DeepEqual(o["metadata"], map[string]any{"tier": "gold"}) {
		t.Errorf("created = %v", o)
	}

	t.Run("read by id and by name", func(t *testing.T) {
		if got := s.must(200, "GET", "/api/v2/organizations/"+id, "").obj(); got["name"] != "acme" {
			t.Errorf("by id = %v", got)
		}
		if got := s.must(200, "GET", "/api/v2/organizations/name/acme", "").obj(); got["id"] != id {
			t.Errorf("by name = %v", got)
		}
	})

	t.Run("unknown id or name", func(t *testing.T) {
		wantAuth0Error(t, s.do("GET", "/api/v2/organizations/org_nope", ""), 404, "No organization found by that id or name", "")
		wantAuth0Error(t, s.do("GET", "/api/v2/organizations/name/nope", ""), 404, "No organization found by that id or name", "")
	})

	t.Run("a duplicate name is a conflict", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", "/api/v2/organizations", `{"name":"acme"}`), 409,
			"An organization with this name already exists.", "organization_conflict")
	})

	t.Run("tenant rules come back as 400", func(t *testing.T) {
		wantAuth0Error(t, s.do("POST", "/api/v2/organizations", `{"name":"Not Valid"}`), 400, "", "invalid_body")
		wantAuth0Error(t, s.do("POST", "/api/v2/organizations", `{"name":"x","branding":{"logo_url":"http://insecure.example/l.png"}}`), 400, "", "invalid_body")
	})

	t.Run("patch with null branding and metadata removes them", func(t *testing.T) {
		got := s.must(200, "PATCH", "/api/v2/organizations/"+id, `{"display_name":"ACME","branding":null,"metadata":null}`).obj()
		if got["display_name"] != "ACME" || got["branding"] != nil || !reflect.DeepEqual(got["metadata"], map[string]any{}) {
			t.Errorf("patched = %v", got)
		}
	})

	t.Run("checkpoint list", func(t *testing.T) {
		s.must(201, "POST", "/api/v2/organizations", `{"name":"globex"}`)
		first := s.must(200, "GET", "/api/v2/organizations?take=1", "").obj()
		next, _ := first["next"].(string)
		if len(first["organizations"].([]any)) != 1 || next == "" {
			t.Fatalf("first page = %v", first)
		}
		second := s.must(200, "GET", "/api/v2/organizations?take=1&from="+next, "").obj()
		if _, ok := second["next"]; ok || len(second["organizations"].([]any)) != 1 {
			t.Errorf("last page = %v", second)
		}
	})

	t.Run("read:organizations alone may read but not write", func(t *testing.T) {
		if r := s.doAs("reader", "GET", "/api/v2/organizations/"+id, ""); r.status != 200 {
			t.Errorf("read: %d %s", r.status, r.raw)
		}
		wantAuth0Error(t, s.doAs("reader", "DELETE", "/api/v2/organizations/"+id, ""), 403,
			"Insufficient scope; expected any of: delete:organizations.", "insufficient_scope")
	})

	t.Run("delete", func(t *testing.T) {
		s.must(204, "DELETE", "/api/v2/organizations/"+id, "")
		wantAuth0Error(t, s.do("DELETE", "/api/v2/organizations/"+id, ""), 404, "No organization found by that id or name", "")
	})
}

// FuzzDecodeOrganizationCreate checks that any body gives a 400 *Error or an input that survives a
// round trip: encoded back to JSON and decoded again, it is the same input.
func FuzzDecodeOrganizationCreate(f *testing.F) {
	for _, seed := range []string{
		`{"name":"acme"}`,
		`{"name":"acme","display_name":"Acme","branding":{"logo_url":"https://x/l.png","colors":{"primary":"#000","page_background":"#fff"}},"metadata":{"a":"b"}}`,
		`{"name":"acme","branding":null,"metadata":null}`,
		`{"name":1}`, `[]`, `null`, ``, `{"name":"a"}{}`, "{\"name\":\"\xff\"}", `{"metadata":{"a":1}}`,
		`{"name":"a","branding":{"colors":{"primary":"#000"}}}`, `{"a":[[[[[[[[[[]]]]]]]]]]}`, `{"name":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeOrganizationCreate(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
			return
		}
		again, err := decodeOrganizationCreate(encodeOrganizationInput(t, in))
		if err != nil {
			t.Fatalf("re-encoded input refused: %v", err)
		}
		if !reflect.DeepEqual(in, again) {
			t.Fatalf("round trip changed the input: %+v != %+v", in, again)
		}
	})
}

// encodeOrganizationInput writes an input back as a create body, the inverse of decodeOrganizationCreate.
func encodeOrganizationInput(t *testing.T, in tenant.OrganizationInput) []byte {
	body := map[string]any{"name": in.Name}
	if in.DisplayName != nil {
		body["display_name"] = *in.DisplayName
	}
	if b := in.Branding; b != nil {
		branding := map[string]any{"logo_url": b.LogoURL}
		if c := b.Colors; c != nil {
			branding["colors"] = map[string]any{"primary": c.Primary, "page_background": c.PageBackground}
		}
		body["branding"] = branding
	}
	if in.Metadata != nil {
		body["metadata"] = in.Metadata
	}
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
