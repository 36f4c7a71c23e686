package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
)

// The tenant settings are the single row of tenant_settings, inserted by the first migration.

func getTenantSettings(ctx context.Context, q querier, lock bool) (store.TenantSettings, error) {
	var ts store.TenantSettings
	err := q.QueryRow(ctx, "SELECT allow_organization_name_in_authentication_api FROM tenant_settings WHERE id = 1"+forUpdate(lock)).
		Scan(&ts.AllowOrganizationNameInAuthenticationAPI)
	return ts, err
}

// GetTenantSettings returns the tenant settings.
func (s *Store) GetTenantSettings(ctx context.Context) (store.TenantSettings, error) {
	ts, err := getTenantSettings(ctx, s.pool, false)
	if err != nil {
		return ts, fmt.Errorf("postgres: get tenant settings: %w", classify(err))
	}
	return ts, nil
}

// UpdateTenantSettings applies fn to the tenant settings.
func (s *Store) UpdateTenantSettings(ctx context.Context, fn func(*store.TenantSettings) error) (store.TenantSettings, error) {
	ts, err := update(ctx, s,
		func(q querier) (store.TenantSettings, error) { return getTenantSettings(ctx, q, true) },
		fn,
		func(q querier, ts store.TenantSettings) error {
			_, err := q.Exec(ctx, "UPDATE tenant_settings SET allow_organization_name_in_authentication_api = $1 WHERE id = 1",
				ts.AllowOrganizationNameInAuthenticationAPI)
			return err
		})
	if err != nil {
		return ts, fmt.Errorf("postgres: update tenant settings: %w", classify(err))
	}
	return ts, nil
}

// TenantSecret returns the secret stored under name, storing generated first when there is none. Finding
// it is a read, so only the first call bumps the tenant version. Concurrent first calls, in any instance,
// insert with ON CONFLICT DO NOTHING: the losers wait for the winner's commit and then read its value.
func (s *Store) TenantSecret(ctx context.Context, name string, generated []byte) ([]byte, error) {
	var secret []byte
	err := s.pool.QueryRow(ctx, "SELECT value FROM tenant_secrets WHERE name = $1", name).Scan(&secret)
	if err == nil {
		return secret, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: tenant secret %s: %w", name, classify(err))
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO tenant_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
			name, generated); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT value FROM tenant_secrets WHERE name = $1", name).Scan(&secret)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: tenant secret %s: %w", name, classify(err))
	}
	return secret, nil
}
