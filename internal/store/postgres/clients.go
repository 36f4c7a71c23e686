package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const clientCols = `client_id, name, description, app_type, grant_types, token_endpoint_auth_method, secret_hash,
	default_org_id, default_org_flows, organization_usage, organization_require_behavior, private_key_jwt_credentials,
	created_at, updated_at`

func scanClient(sc sqlstore.Scanner) (store.Client, error) {
	var (
		c                                  store.Client
		grantTypes, orgID, orgFlows, pkjwt *string
	)
	if err := sc.Scan(&c.ClientID, &c.Name, &c.Description, &c.AppType, &grantTypes, &c.TokenEndpointAuthMethod,
		&c.SecretHash, &orgID, &orgFlows, &c.OrganizationUsage, &c.OrganizationRequireBehavior, &pkjwt,
		&c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	var err error
	if c.GrantTypes, err = sqlstore.DecodeStrings(grantTypes); err != nil {
		return c, fmt.Errorf("decode grant types: %w", err)
	}
	if c.PrivateKeyJWTCredentials, err = sqlstore.DecodeStrings(pkjwt); err != nil {
		return c, fmt.Errorf("decode private_key_jwt credentials: %w", err)
	}
	c.SecretHash = sqlstore.FromNullBytes(c.SecretHash)
	if c.DefaultOrganization, err = sqlstore.DecodeDefaultOrganization(orgID, orgFlows); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return c, nil
}

func getClient(ctx context.Context, q querier, clientID string, lock bool) (store.Client, error) {
	return scanClient(q.QueryRow(ctx, "SELECT "+clientCols+" FROM clients WHERE client_id = $1"+forUpdate(lock), clientID))
}

// clientArgs are the column values of c that an insert or update writes, in clientCols order after
// client_id and before the times.
func clientArgs(c store.Client) ([]any, error) {
	grantTypes, err := sqlstore.EncodeStrings(c.GrantTypes)
	if err != nil {
		return nil, err
	}
	orgID, orgFlows, err := sqlstore.EncodeDefaultOrganization(c.DefaultOrganization)
	if err != nil {
		return nil, err
	}
	pkjwt, err := sqlstore.EncodeStrings(c.PrivateKeyJWTCredentials)
	if err != nil {
		return nil, err
	}
	return []any{c.Name, c.Description, c.AppType, grantTypes, c.TokenEndpointAuthMethod, sqlstore.NullBytes(c.SecretHash),
		orgID, orgFlows, c.OrganizationUsage, c.OrganizationRequireBehavior, pkjwt}, nil
}

func insertClient(ctx context.Context, q querier, c store.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return err
	}
	args = append(append([]any{c.ClientID}, args...), c.CreatedAt, c.UpdatedAt)
	_, err = q.Exec(ctx, `INSERT INTO clients (`+clientCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, args...)
	return err
}

// CreateClient stores c; ErrConflict when its client id is taken, ErrNotFound when its default
// organization does not exist.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	if err := s.write(ctx, func(tx pgx.Tx) error { return insertClient(ctx, tx, c) }); err != nil {
		return fmt.Errorf("postgres: create client %s: %w", c.ClientID, classify(err))
	}
	return nil
}

// GetClient finds a client by client id.
func (s *Store) GetClient(ctx context.Context, clientID string) (store.Client, error) {
	c, err := getClient(ctx, s.pool, clientID, false)
	if err != nil {
		return c, fmt.Errorf("postgres: get client %s: %w", clientID, classify(err))
	}
	return c, nil
}

// ListClients lists clients in creation order.
func (s *Store) ListClients(ctx context.Context, p store.Page) (store.List[store.Client], error) {
	var out store.List[store.Client]
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = list(ctx, tx, listSpec{cols: clientCols, from: "clients", seq: "seq"}, p, scanClient)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("postgres: list clients: %w", classify(err))
	}
	return out, nil
}

// UpdateClient applies fn to the stored client. Its client id and creation time are kept whatever fn
// does; ErrNotFound when fn sets a default organization that does not exist.
func (s *Store) UpdateClient(ctx context.Context, clientID string, fn func(*store.Client) error) (store.Client, error) {
	c, err := update(ctx, s,
		func(q querier) (store.Client, error) { return getClient(ctx, q, clientID, true) },
		fn,
		func(q querier, c store.Client) error {
			args, err := clientArgs(c)
			if err != nil {
				return err
			}
			_, err = q.Exec(ctx, `UPDATE clients SET name = $1, description = $2, app_type = $3, grant_types = $4,
				token_endpoint_auth_method = $5, secret_hash = $6, default_org_id = $7, default_org_flows = $8,
				organization_usage = $9, organization_require_behavior = $10, private_key_jwt_credentials = $11, updated_at = $12
				WHERE client_id = $13`,
				append(args, c.UpdatedAt, clientID)...)
			return err
		})
	if err != nil {
		return c, fmt.Errorf("postgres: update client %s: %w", clientID, classify(err))
	}
	return c, nil
}

// DeleteClient deletes a client; foreign keys cascade to its client grants and their organization
// associations.
func (s *Store) DeleteClient(ctx context.Context, clientID string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		return mustAffect(tx.Exec(ctx, "DELETE FROM clients WHERE client_id = $1", clientID))
	})
	if err != nil {
		return fmt.Errorf("postgres: delete client %s: %w", clientID, classify(err))
	}
	return nil
}
