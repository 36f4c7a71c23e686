package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// The tenant settings are the single row of tenant_settings, inserted by the first migration.

func getTenantSettings(ctx context.Context, q querier) (store.TenantSettings, error) {
	var ts store.TenantSettings
	err := q.QueryRowContext(ctx, "SELECT allow_organization_name_in_authentication_api FROM tenant_settings WHERE id = 1").
		Scan(&ts.AllowOrganizationNameInAuthenticationAPI)
	return ts, err
}

// GetTenantSettings returns the tenant settings.
func (s *Store) GetTenantSettings(ctx context.Context) (store.TenantSettings, error) {
	ts, err := getTenantSettings(ctx, s.r)
	if err != nil {
		return ts, fmt.Errorf("sqlite: get tenant settings: %w", err)
	}
	return ts, nil
}

// UpdateTenantSettings applies fn to the tenant settings.
func (s *Store) UpdateTenantSettings(ctx context.Context, fn func(*store.TenantSettings) error) (store.TenantSettings, error) {
	ts, err := update(ctx, s,
		func(q querier) (store.TenantSettings, error) { return getTenantSettings(ctx, q) },
		fn,
		func(q querier, ts store.TenantSettings) error {
			_, err := q.ExecContext(ctx, "UPDATE tenant_settings SET allow_organization_name_in_authentication_api = ? WHERE id = 1",
				ts.AllowOrganizationNameInAuthenticationAPI)
			return err
		})
	if err != nil {
		return ts, fmt.Errorf("sqlite: update tenant settings: %w", err)
	}
	return ts, nil
}

// TenantSecret returns the secret stored under name, storing generated first when there is none. Finding
// it is a read, so only the first call bumps the tenant version.
func (s *Store) TenantSecret(ctx context.Context, name string, generated []byte) ([]byte, error) {
	var secret []byte
	err := s.r.QueryRowContext(ctx, "SELECT value FROM tenant_secrets WHERE name = ?", name).Scan(&secret)
	if err == nil {
		return secret, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: tenant secret %s: %w", name, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO tenant_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
			name, generated); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT value FROM tenant_secrets WHERE name = ?", name).Scan(&secret)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: tenant secret %s: %w", name, err)
	}
	return secret, nil
}
