package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

const clientCols = `client_id, name, description, app_type, grant_types, token_endpoint_auth_method, secret_hash,
	default_org_id, default_org_flows, organization_usage, organization_require_behavior, private_key_jwt_credentials,
	callbacks, allowed_logout_urls, initiate_login_uri, organization_discovery_methods, id_token_lifetime, refresh_token,
	created_at, updated_at`

func scanClient(sc scanner) (store.Client, error) {
	var (
		c                                       store.Client
		grantTypes, orgID, orgFlows, pkjwt      *string
		callbacks, logoutURLs, discoveryMethods *string
		refreshToken                            string
	)
	if err := sc.Scan(&c.ClientID, &c.Name, &c.Description, &c.AppType, &grantTypes, &c.TokenEndpointAuthMethod,
		&c.SecretHash, &orgID, &orgFlows, &c.OrganizationUsage, &c.OrganizationRequireBehavior, &pkjwt,
		&callbacks, &logoutURLs, &c.InitiateLoginURI, &discoveryMethods, &c.IDTokenLifetime, &refreshToken,
		utc{&c.CreatedAt}, utc{&c.UpdatedAt}); err != nil {
		return c, err
	}
	var err error
	if c.GrantTypes, err = decodeStrings(grantTypes); err != nil {
		return c, fmt.Errorf("decode grant types: %w", err)
	}
	if c.PrivateKeyJWTCredentials, err = decodeStrings(pkjwt); err != nil {
		return c, fmt.Errorf("decode private_key_jwt credentials: %w", err)
	}
	if c.Callbacks, err = decodeStrings(callbacks); err != nil {
		return c, fmt.Errorf("decode callbacks: %w", err)
	}
	if c.AllowedLogoutURLs, err = decodeStrings(logoutURLs); err != nil {
		return c, fmt.Errorf("decode allowed logout URLs: %w", err)
	}
	if c.OrganizationDiscoveryMethods, err = decodeStrings(discoveryMethods); err != nil {
		return c, fmt.Errorf("decode organization discovery methods: %w", err)
	}
	if c.RefreshToken, err = decodeRefreshToken(refreshToken); err != nil {
		return c, fmt.Errorf("decode refresh token configuration: %w", err)
	}
	c.SecretHash = fromNullBytes(c.SecretHash)
	c.DefaultOrganization, err = decodeDefaultOrganization(orgID, orgFlows)
	return c, err
}

// getClient reads a client; lock locks its row.
func getClient(ctx context.Context, c conn, clientID string, lock bool) (store.Client, error) {
	return scanClient(c.row(ctx, "SELECT "+clientCols+" FROM clients WHERE client_id = ?"+c.forUpdate(lock), clientID))
}

// clientArgs are the column values of c that an insert or update writes, in clientCols order after
// client_id and before the times.
func clientArgs(c store.Client) ([]any, error) {
	grantTypes, err := encodeStrings(c.GrantTypes)
	if err != nil {
		return nil, err
	}
	orgID, orgFlows, err := encodeDefaultOrganization(c.DefaultOrganization)
	if err != nil {
		return nil, err
	}
	pkjwt, err := encodeStrings(c.PrivateKeyJWTCredentials)
	if err != nil {
		return nil, err
	}
	callbacks, err := encodeStrings(c.Callbacks)
	if err != nil {
		return nil, err
	}
	logoutURLs, err := encodeStrings(c.AllowedLogoutURLs)
	if err != nil {
		return nil, err
	}
	discoveryMethods, err := encodeStrings(c.OrganizationDiscoveryMethods)
	if err != nil {
		return nil, err
	}
	refreshToken, err := encodeRefreshToken(c.RefreshToken)
	if err != nil {
		return nil, err
	}
	return []any{c.Name, c.Description, c.AppType, grantTypes, c.TokenEndpointAuthMethod, nullBytes(c.SecretHash),
		orgID, orgFlows, c.OrganizationUsage, c.OrganizationRequireBehavior, pkjwt,
		callbacks, logoutURLs, c.InitiateLoginURI, discoveryMethods, c.IDTokenLifetime, refreshToken}, nil
}

func insertClient(ctx context.Context, c conn, cl store.Client) error {
	args, err := clientArgs(cl)
	if err != nil {
		return err
	}
	args = append(append([]any{cl.ClientID}, args...), cl.CreatedAt, cl.UpdatedAt)
	_, err = c.exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	c.changed(store.ChangeClient, cl.ClientID)
	return err
}

// CreateClient stores c; ErrConflict when its client id is taken, ErrNotFound when its default
// organization does not exist.
func (s *Store) CreateClient(ctx context.Context, cl store.Client) error {
	err := s.write(ctx, func(c conn) error { return insertClient(ctx, c, cl) })
	return s.fail(err, "create client %s", cl.ClientID)
}

// GetClient finds a client by client id.
func (s *Store) GetClient(ctx context.Context, clientID string) (store.Client, error) {
	cl, err := getClient(ctx, s.reader(), clientID, false)
	return cl, s.fail(err, "get client %s", clientID)
}

// ListClients lists clients in creation order.
func (s *Store) ListClients(ctx context.Context, p store.Page) (store.List[store.Client], error) {
	var out store.List[store.Client]
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, listSpec{cols: clientCols, from: "clients", seq: "seq"}, p, scanClient)
		return err
	})
	return out, s.fail(err, "list clients")
}

// UpdateClient applies fn to the stored client. Its client id and creation time are kept whatever fn
// does; ErrNotFound when fn sets a default organization that does not exist.
func (s *Store) UpdateClient(ctx context.Context, clientID string, fn func(*store.Client) error) (store.Client, error) {
	cl, err := update(ctx, s,
		func(c conn) (store.Client, error) { return getClient(ctx, c, clientID, true) },
		fn,
		func(c conn, cl store.Client) error {
			args, err := clientArgs(cl)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `UPDATE clients SET name = ?, description = ?, app_type = ?, grant_types = ?,
				token_endpoint_auth_method = ?, secret_hash = ?, default_org_id = ?, default_org_flows = ?,
				organization_usage = ?, organization_require_behavior = ?, private_key_jwt_credentials = ?,
				callbacks = ?, allowed_logout_urls = ?, initiate_login_uri = ?, organization_discovery_methods = ?,
				id_token_lifetime = ?, refresh_token = ?, updated_at = ?
				WHERE client_id = ?`,
				append(args, cl.UpdatedAt, clientID)...)
			c.changed(store.ChangeClient, clientID)
			return err
		})
	return cl, s.fail(err, "update client %s", clientID)
}

// DeleteClient deletes a client; foreign keys cascade to its client grants and their organization
// associations, and to its credentials.
func (s *Store) DeleteClient(ctx context.Context, clientID string) error {
	err := s.write(ctx, func(c conn) error {
		if err := c.changedRows(ctx, store.ChangeClientGrant, "SELECT id FROM client_grants WHERE client_id = ?", clientID); err != nil {
			return err
		}
		c.changed(store.ChangeClient, clientID)
		return mustAffect(c.exec(ctx, "DELETE FROM clients WHERE client_id = ?", clientID))
	})
	return s.fail(err, "delete client %s", clientID)
}
