package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/orgauth/orgauth/internal/store"
)

// ManagementScopes are the scopes of the Management API (Auth0's spelling).
var ManagementScopes = []string{
	"create:clients", "read:clients", "update:clients", "delete:clients",
	"read:client_keys", "update:client_keys",
	"create:client_credentials", "read:client_credentials", "update:client_credentials", "delete:client_credentials",
	"create:client_grants", "read:client_grants", "update:client_grants", "delete:client_grants",
	"create:resource_servers", "read:resource_servers", "update:resource_servers", "delete:resource_servers",
	"create:organizations", "read:organizations", "update:organizations", "delete:organizations",
	"create:organization_client_grants", "read:organization_client_grants", "delete:organization_client_grants",
	"read:tenant_settings", "update:tenant_settings",
	"create:signing_keys", "read:signing_keys", "update:signing_keys",
	"create:users", "read:users", "update:users", "delete:users", "update:users_app_metadata",
	"create:connections", "read:connections", "update:connections", "delete:connections",
	// Organization members, roles, organization connections and invitations (SPEC-users §8-§10).
	"create:organization_members", "read:organization_members", "delete:organization_members",
	"create:roles", "read:roles", "update:roles", "delete:roles",
	"create:organization_member_roles", "read:organization_member_roles", "delete:organization_member_roles",
	"create:organization_connections", "read:organization_connections", "update:organization_connections", "delete:organization_connections",
	"create:organization_invitations", "read:organization_invitations", "delete:organization_invitations",
}

// ManagementAudience is the identifier of the Management API for an issuer (which ends with a slash).
func ManagementAudience(issuer string) string { return issuer + "api/v2/" }

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	Created      bool   // false: the store already had a Management API; nothing changed
	ClientID     string // the admin application, when Created
	ClientSecret string // its secret, when Created: show it once
}

// minBootstrapSecret is the shortest admin secret accepted from the environment.
const minBootstrapSecret = 32

// Bootstrap gives a store without a Management API one, with an admin application granted every
// Management scope; when the issuer changed since, the existing Management API moves to the new one.
// It refuses when an ordinary API already has the identifier the Management API would get: tokens for
// that API would then be taken for Management tokens. clientID and secret are used when not empty,
// generated otherwise. Safe when several instances start at once: exactly one creates, the others see
// Created false.
func (s *Service) Bootstrap(ctx context.Context, issuer, clientID, secret string) (BootstrapResult, error) {
	audience := ManagementAudience(issuer)
	if rs, err := s.store.GetResourceServerByIdentifier(ctx, audience); err == nil && rs.IsSystem {
		return BootstrapResult{}, s.upgrade(ctx, rs)
	}
	if clientID == "" {
		clientID = newClientID()
	} else if err := checkText("client_id", clientID, 1, MaxClientIDLength, true); err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap client id: %w", err)
	}
	if secret == "" {
		secret = newClientSecret()
	} else if len(secret) < minBootstrapSecret || len(secret) > maxSecretLength {
		return BootstrapResult{}, fmt.Errorf("bootstrap client secret: %d to %d characters are required", minBootstrapSecret, maxSecretLength)
	}
	now := s.now()
	scopes := make([]store.Scope, len(ManagementScopes))
	for i, sc := range ManagementScopes {
		scopes[i] = store.Scope{Value: sc}
	}
	b := store.Bootstrap{
		API: store.ResourceServer{
			ID: newResourceServerID(), Identifier: audience, Name: "Management API", Scopes: scopes,
			SigningAlg: DefaultSigningAlg, TokenLifetime: DefaultTokenLifetime, IsSystem: true, TokenDialect: store.DialectAccessToken,
			CreatedAt: now, UpdatedAt: now,
		},
		Client: withClientDefaults(store.Client{
			ClientID: clientID, Name: "orgauth admin", Description: "Created on first start; manages this tenant.",
			AppType: "non_interactive", GrantTypes: []string{"client_credentials"},
			TokenEndpointAuthMethod: "client_secret_post", SecretHash: s.secrets.hash(secret),
			CreatedAt: now, UpdatedAt: now,
		}),
		Grant: store.ClientGrant{
			ID: newClientGrantID(), ClientID: clientID, Audience: audience, Scope: ManagementScopes,
			SubjectType: "client", CreatedAt: now, UpdatedAt: now,
		},
	}
	created, err := s.store.Bootstrap(ctx, b)
	if errors.Is(err, store.ErrConflict) {
		if taken, lookupErr := s.store.GetResourceServerByIdentifier(ctx, audience); lookupErr == nil && !taken.IsSystem {
			return BootstrapResult{}, s.identifierTaken(ctx, issuer, taken)
		}
	}
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap: %w", err)
	}
	if !created {
		rs, err := s.store.GetSystemResourceServer(ctx)
		if err != nil {
			return BootstrapResult{}, fmt.Errorf("bootstrap: %w", err)
		}
		return BootstrapResult{}, s.upgrade(ctx, rs)
	}
	// The one instance that created the Management API creates the database connection too.
	if err := s.createDefaultConnection(ctx); err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap: %w", err)
	}
	return BootstrapResult{Created: true, ClientID: clientID, ClientSecret: secret}, nil
}

// upgrade brings a Management API created by an earlier version to this version's: it gains the
// scopes this version added, and so does the bootstrap admin application's grant. When the scopes it
// gains are the connections', the store is one of the machine half: it gets the database connection a
// new tenant gets at its first start.
func (s *Service) upgrade(ctx context.Context, rs store.ResourceServer) error {
	added, err := s.addManagementScopes(ctx, rs)
	if err != nil || !slices.Contains(added, "create:connections") {
		return err
	}
	if err := s.createDefaultConnection(ctx); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	return nil
}

// addManagementScopes gives a Management API created by an earlier version the scopes this version added
// (new endpoints), so that they can be granted, and gives them to the grant of the bootstrap admin
// application, which holds every Management scope (SPEC-users §7); no other grant gains them, as in
// Auth0, where a new Management scope reaches no existing grant. It returns the scopes it added: only one
// of several instances starting at once adds them, since the update runs in one transaction.
func (s *Service) addManagementScopes(ctx context.Context, rs store.ResourceServer) ([]string, error) {
	if !slices.ContainsFunc(ManagementScopes, func(sc string) bool {
		return !slices.ContainsFunc(rs.Scopes, func(have store.Scope) bool { return have.Value == sc })
	}) {
		return nil, nil // the usual start: no write
	}
	var added []string
	_, err := s.store.UpdateResourceServer(ctx, rs.ID, func(rs *store.ResourceServer) error {
		added = nil
		for _, sc := range ManagementScopes {
			if !slices.ContainsFunc(rs.Scopes, func(have store.Scope) bool { return have.Value == sc }) {
				rs.Scopes = append(rs.Scopes, store.Scope{Value: sc})
				added = append(added, sc)
			}
		}
		if len(added) == 0 {
			return errNothingToAdd
		}
		rs.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, errNothingToAdd) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bootstrap: add the Management API's new scopes: %w", err)
	}
	grant, err := s.bootstrapGrant(ctx, rs)
	if err != nil {
		return nil, err
	}
	if grant != nil {
		_, err = s.store.UpdateClientGrant(ctx, grant.ID, func(g *store.ClientGrant) error {
			for _, sc := range added {
				if !slices.Contains(g.Scope, sc) {
					g.Scope = append(g.Scope, sc)
				}
			}
			g.UpdatedAt = s.now()
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("bootstrap: give the admin application the Management API's new scopes: %w", err)
		}
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "the Management API has new scopes, which the admin application created on "+
		"the first start has too; grant them to the other applications that need them", slog.Any("scopes", added))
	return added, nil
}

// errNothingToAdd leaves the Management API as it is: it has every scope already.
var errNothingToAdd = errors.New("the Management API has every scope")

// bootstrapGrant finds the grant Bootstrap created with the Management API, in the same transaction and
// so with the same creation time; nil when it was deleted since.
func (s *Service) bootstrapGrant(ctx context.Context, api store.ResourceServer) (*store.ClientGrant, error) {
	p := store.Page{Checkpoint: true, Limit: 100}
	for {
		l, err := s.store.ListClientGrants(ctx, store.ClientGrantFilter{Audience: api.Identifier}, p)
		if err != nil {
			return nil, fmt.Errorf("bootstrap: find the admin application's grant: %w", err)
		}
		for _, g := range l.Items {
			if g.CreatedAt.Equal(api.CreatedAt) {
				return &g, nil
			}
		}
		if l.Next == "" {
			return nil, nil
		}
		p.From = l.Next
	}
}

// identifierTaken explains why the Management API cannot have the identifier of issuer, which the
// ordinary API taken has, and how to get out of it.
func (s *Service) identifierTaken(ctx context.Context, issuer string, taken store.ResourceServer) error {
	fix := "delete that API from the store, then start again"
	if system, err := s.store.GetSystemResourceServer(ctx); err == nil {
		fix = fmt.Sprintf("start orgauth with the previous issuer again (the Management API is still %s), "+
			"delete that API (DELETE /api/v2/resource-servers/%s, or in the dashboard), then start with the new issuer",
			system.Identifier, taken.ID)
	}
	return fmt.Errorf("bootstrap: the issuer %s gives the Management API the identifier %s, but the API %q (id %s) "+
		"already has it, and its tokens would be accepted on /api/v2: %s",
		issuer, taken.Identifier, taken.Name, taken.ID, fix)
}

// ManagementAPI returns the Management API: the one system resource server.
func (s *Service) ManagementAPI(ctx context.Context) (store.ResourceServer, error) {
	rs, err := s.store.GetSystemResourceServer(ctx)
	if err != nil {
		return rs, fmt.Errorf("get the Management API: %w", err)
	}
	return rs, nil
}

// IsManagementAPI reports whether identifier is the Management API's: the system resource server's, not
// merely a string that looks like it. It reads the token endpoint's snapshot, so calling it on every
// Management request costs no store read.
func (s *Service) IsManagementAPI(ctx context.Context, identifier string) (bool, error) {
	snap, err := s.dir.Snapshot(ctx)
	if err != nil {
		return false, fmt.Errorf("look up the Management API: %w", err)
	}
	return snap.managementAPI != "" && snap.managementAPI == identifier, nil
}
