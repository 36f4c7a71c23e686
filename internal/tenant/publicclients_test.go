package tenant

import (
	"context"
	"slices"
	"testing"
)

const publicClientCredentialsMessage = "Payload validation error: 'A public client (token_endpoint_auth_method none, or app_type spa or native) cannot use the client_credentials grant' on property grant_types."

func TestPublicClientsCannotHoldClientCredentials(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	cc := &[]string{"client_credentials"}
	t.Run("create", func(t *testing.T) {
		for name, in := range map[string]ClientInput{
			"fail/auth method none": {Name: "x", TokenEndpointAuthMethod: ptr("none"), GrantTypes: cc},
			"fail/spa":              {Name: "x", AppType: ptr("spa"), GrantTypes: cc},
			"fail/native":           {Name: "x", AppType: ptr("native"), GrantTypes: cc},
			"fail/spa among others": {Name: "x", AppType: ptr("spa"), GrantTypes: &[]string{"authorization_code", "client_credentials"}},
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := s.CreateClient(ctx, in)
				wantExactError(t, err, KindInvalid, publicClientCredentialsMessage)
			})
		}
	})
	t.Run("ok/a public client's default grant types leave client_credentials out", func(t *testing.T) {
		c, _, err := s.CreateClient(ctx, ClientInput{Name: "x", AppType: ptr("regular_web"), TokenEndpointAuthMethod: ptr("none")})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(c.GrantTypes, "client_credentials") {
			t.Fatalf("grant types %v", c.GrantTypes)
		}
	})
	t.Run("update", func(t *testing.T) {
		m2m, _, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
		if err != nil {
			t.Fatal(err)
		}
		spa, _, err := s.CreateClient(ctx, ClientInput{Name: "web", AppType: ptr("spa"), TokenEndpointAuthMethod: ptr("none")})
		if err != nil {
			t.Fatal(err)
		}
		for name, tt := range map[string]struct {
			clientID string
			patch    ClientPatch
		}{
			"fail/M2M set to auth method none":  {m2m.ClientID, ClientPatch{TokenEndpointAuthMethod: ptr("none")}},
			"fail/M2M set to spa":               {m2m.ClientID, ClientPatch{AppType: ptr("spa")}},
			"fail/spa given client_credentials": {spa.ClientID, ClientPatch{GrantTypes: cc}},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.UpdateClient(ctx, tt.clientID, tt.patch)
				wantExactError(t, err, KindInvalid, publicClientCredentialsMessage)
			})
		}
		got, err := s.Client(ctx, m2m.ClientID)
		if err != nil || got.TokenEndpointAuthMethod != "client_secret_post" || got.AppType != "non_interactive" {
			t.Fatalf("refused updates changed the client: %+v %v", got, err)
		}
	})
}

func wantExactError(t *testing.T, err error, kind Kind, message string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Kind != kind || e.Message != message {
		t.Fatalf("error %v, want kind %d with %q", err, kind, message)
	}
}
