package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// The tenant settings are the single row of tenant_settings, inserted by the first migration.

func getTenantSettings(ctx context.Context, c conn, lock bool) (store.TenantSettings, error) {
	var (
		ts         store.TenantSettings
		logoutURLs *string
	)
	err := c.row(ctx, `SELECT allow_organization_name_in_authentication_api, default_redirection_uri, allowed_logout_urls,
		session_lifetime, idle_session_lifetime FROM tenant_settings WHERE id = 1`+c.forUpdate(lock)).
		Scan(&ts.AllowOrganizationNameInAuthenticationAPI, &ts.DefaultRedirectionURI, &logoutURLs,
			&ts.SessionLifetime, &ts.IdleSessionLifetime)
	if err != nil {
		return ts, err
	}
	if ts.AllowedLogoutURLs, err = decodeStrings(logoutURLs); err != nil {
		return ts, fmt.Errorf("decode allowed logout URLs: %w", err)
	}
	return ts, nil
}

// GetTenantSettings returns the tenant settings.
func (s *Store) GetTenantSettings(ctx context.Context) (store.TenantSettings, error) {
	ts, err := getTenantSettings(ctx, s.reader(), false)
	return ts, s.fail(err, "get tenant settings")
}

// UpdateTenantSettings applies fn to the tenant settings.
func (s *Store) UpdateTenantSettings(ctx context.Context, fn func(*store.TenantSettings) error) (store.TenantSettings, error) {
	ts, err := update(ctx, s,
		func(c conn) (store.TenantSettings, error) { return getTenantSettings(ctx, c, true) },
		fn,
		func(c conn, ts store.TenantSettings) error {
			logoutURLs, err := encodeStrings(ts.AllowedLogoutURLs)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `UPDATE tenant_settings SET allow_organization_name_in_authentication_api = ?,
				default_redirection_uri = ?, allowed_logout_urls = ?, session_lifetime = ?, idle_session_lifetime = ?
				WHERE id = 1`,
				ts.AllowOrganizationNameInAuthenticationAPI, ts.DefaultRedirectionURI, logoutURLs, ts.SessionLifetime,
				ts.IdleSessionLifetime)
			c.changed(store.ChangeSettings, "")
			return err
		})
	return ts, s.fail(err, "update tenant settings")
}

// TenantSecret returns the secret stored under name, storing generated first when there is none. Finding
// it is a read, so only the first call bumps the tenant version. Concurrent first calls, in any instance,
// insert with ON CONFLICT DO NOTHING: the losers wait for the winner's commit and then read its value.
func (s *Store) TenantSecret(ctx context.Context, name string, generated []byte) ([]byte, error) {
	var secret []byte
	err := s.reader().row(ctx, "SELECT value FROM tenant_secrets WHERE name = ?", name).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.write(ctx, func(c conn) error {
			if _, err := c.exec(ctx, "INSERT INTO tenant_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
				name, generated); err != nil {
				return err
			}
			return c.row(ctx, "SELECT value FROM tenant_secrets WHERE name = ?", name).Scan(&secret)
		})
	}
	if err != nil {
		return nil, s.fail(err, "tenant secret %s", name)
	}
	return secret, nil
}
