package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/orgauth/orgauth/internal/store"
)

// AdministerScopes are the Management scopes that, together, let an application administer the tenant
// on its own: with them it can create a new application and grant it every Management scope, so it can
// always win back full control. An application administers the tenant when it may use the
// client-credentials grant and its grant for the Management API holds both.
//
// Other scopes are admin-equivalent too, in that whoever holds them can become an administrator with the
// help of another application (update:client_keys rotates that application's secret, create:client_grants
// and update:client_grants give it, or widen, a Management grant; read:client_keys reads keys in Auth0):
// grant them as carefully. They do not count here, since what they give depends on which other
// applications exist, and the guard must never count an application that could not recover on its own.
var AdministerScopes = []string{"create:clients", "create:client_grants"}

// errLastAdministrator refuses a change that would leave no application able to administer the tenant.
var errLastAdministrator = &Error{
	Kind: KindInvalid,
	Message: "This is the last application that can administer the tenant (client_credentials, and create:clients " +
		"and create:client_grants on the Management API): deleting it or taking that away would lock the Management API " +
		"out. Create another administrator application first; on the server, `orgauth admins add-app` makes one.",
	Code: "last_administrator",
}

// administers reports whether client c, holding grant g for the Management API, administers the tenant.
func administers(c store.Client, g store.ClientGrant) bool {
	if !slices.Contains(c.GrantTypes, grantClientCredentials) {
		return false
	}
	for _, sc := range AdministerScopes {
		if !slices.Contains(g.Scope, sc) {
			return false
		}
	}
	return true
}

const grantClientCredentials = "client_credentials"

// keepAnAdministrator refuses a change to the application clientID when it administers the tenant now,
// would not after the change (still says, given its current record and Management grant), and no other
// application administers it. A tenant without a Management API, or where no application administers
// already, has nothing to keep. The check reads before the change writes: two concurrent changes may
// each leave the other the last one; `orgauth admins add-app` recovers from that.
func (s *Service) keepAnAdministrator(ctx context.Context, clientID string, still func(store.Client, store.ClientGrant) bool) error {
	api, err := s.store.GetSystemResourceServer(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the administrator applications: %w", err)
	}
	grants, err := s.store.ListClientGrants(ctx, store.ClientGrantFilter{Audience: api.Identifier}, store.Page{})
	if err != nil {
		return fmt.Errorf("find the administrator applications: %w", err)
	}
	last := false
	for _, g := range grants.Items {
		c, err := s.store.GetClient(ctx, g.ClientID)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("find the administrator applications: %w", err)
		}
		switch {
		case !administers(c, g):
		case c.ClientID != clientID:
			return nil // another one administers
		case still(c, g):
			return nil
		default:
			last = true
		}
	}
	if last {
		return errLastAdministrator
	}
	return nil
}

// keepAdministratorOnUpdate guards an application's update: taking client_credentials away from the
// last administrator application is refused.
func (s *Service) keepAdministratorOnUpdate(ctx context.Context, clientID string, in ClientPatch) error {
	if in.GrantTypes == nil {
		return nil
	}
	return s.keepAnAdministrator(ctx, clientID, func(c store.Client, g store.ClientGrant) bool {
		applyClientFields(&c, in)
		return administers(c, g)
	})
}

// keepAdministratorOnDelete guards an application's deletion.
func (s *Service) keepAdministratorOnDelete(ctx context.Context, clientID string) error {
	return s.keepAnAdministrator(ctx, clientID, func(store.Client, store.ClientGrant) bool { return false })
}

// isManagementGrant reports whether g is a grant for the Management API.
func (s *Service) isManagementGrant(ctx context.Context, g store.ClientGrant) (bool, error) {
	api, err := s.store.GetResourceServerByIdentifier(ctx, g.Audience)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load the API of grant %s: %w", g.ID, err)
	}
	return api.IsSystem, nil
}

// CreateAdminApplication creates an application that administers the tenant: a machine-to-machine
// application granted every scope the Management API defines. It is how `orgauth admins add-app` lets an
// operator back in, and returns the secret, shown this once.
func (s *Service) CreateAdminApplication(ctx context.Context, name string) (store.Client, string, error) {
	api, err := s.ManagementAPI(ctx)
	if err != nil {
		return store.Client{}, "", err
	}
	c, secret, err := s.CreateClient(ctx, ClientInput{
		Name: name, Description: ptrTo("Administers this tenant through the Management API."),
		AppType: ptrTo("non_interactive"), GrantTypes: &[]string{grantClientCredentials},
	})
	if err != nil {
		return c, "", err
	}
	scopes := make([]string, len(api.Scopes))
	for i, sc := range api.Scopes {
		scopes[i] = sc.Value
	}
	if _, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, Scope: scopes}); err != nil {
		if delErr := s.DeleteClient(ctx, c.ClientID); delErr != nil {
			err = errors.Join(err, fmt.Errorf("delete the half-made application %s: %w", c.ClientID, delErr))
		}
		return c, "", fmt.Errorf("grant the Management API: %w", err)
	}
	return c, secret, nil
}

func ptrTo[T any](v T) *T { return &v }
