package tenant

import (
	"context"
	"reflect"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestEveryNewClientGetsTheLoginDefaults(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	boot, err := s.Bootstrap(ctx, testIssuer, "", "")
	if err != nil {
		t.Fatal(err)
	}
	admin, _, err := s.CreateAdminApplication(ctx, "second admin")
	if err != nil {
		t.Fatal(err)
	}
	web, _, err := s.CreateClient(ctx, ClientInput{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{boot.ClientID, admin.ClientID, web.ClientID} {
		c, err := s.store.GetClient(ctx, id) // as stored, not as read through the tenant
		if err != nil {
			t.Fatal(err)
		}
		if c.RefreshToken != store.DefaultRefreshTokenConfig() || c.IDTokenLifetime != DefaultIDTokenLifetime ||
			!reflect.DeepEqual(c.OrganizationDiscoveryMethods, []string{"email"}) {
			t.Errorf("client %s: %+v, %d, %v", c.Name, c.RefreshToken, c.IDTokenLifetime, c.OrganizationDiscoveryMethods)
		}
	}

	t.Run("a client stored without them reads, and changes, with them", func(t *testing.T) {
		if _, err := s.store.UpdateClient(ctx, web.ClientID, func(c *store.Client) error {
			c.RefreshToken, c.IDTokenLifetime, c.OrganizationDiscoveryMethods = store.RefreshTokenConfig{}, 0, nil
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c, err := s.Client(ctx, web.ClientID)
		if err != nil || c.RefreshToken != store.DefaultRefreshTokenConfig() || c.IDTokenLifetime != DefaultIDTokenLifetime {
			t.Fatalf("read = %+v, %v", c, err)
		}
		if _, err := s.UpdateClient(ctx, web.ClientID, ClientPatch{Description: ptr("d")}); err != nil {
			t.Fatalf("update: %v", err)
		}
	})
}
