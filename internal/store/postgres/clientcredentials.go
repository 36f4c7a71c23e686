package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const clientCredentialCols = `id, client_id, name, credential_type, kid, alg, pem, expires_at, created_at, updated_at`

func scanClientCredential(sc sqlstore.Scanner) (store.ClientCredential, error) {
	var (
		c       store.ClientCredential
		expires *time.Time
	)
	if err := sc.Scan(&c.ID, &c.ClientID, &c.Name, &c.CredentialType, &c.KID, &c.Alg, &c.PEM, &expires,
		&c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	c.ExpiresAt, c.CreatedAt, c.UpdatedAt = fromNullTime(expires), utc(c.CreatedAt), utc(c.UpdatedAt)
	return c, nil
}

func getClientCredential(ctx context.Context, q querier, clientID, id string, lock bool) (store.ClientCredential, error) {
	return scanClientCredential(q.QueryRow(ctx, "SELECT "+clientCredentialCols+
		" FROM client_credentials WHERE id = $1 AND client_id = $2"+forUpdate(lock), id, clientID))
}

func insertClientCredential(ctx context.Context, q querier, c store.ClientCredential) error {
	_, err := q.Exec(ctx, `INSERT INTO client_credentials (`+clientCredentialCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.ClientID, c.Name, c.CredentialType, c.KID, c.Alg, c.PEM, nullTime(c.ExpiresAt), c.CreatedAt, c.UpdatedAt)
	return err
}

// CreateClientWithCredentials stores c and its credentials in one transaction.
func (s *Store) CreateClientWithCredentials(ctx context.Context, c store.Client, creds []store.ClientCredential) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := insertClient(ctx, tx, c); err != nil {
			return err
		}
		for _, cred := range creds {
			cred.ClientID = c.ClientID
			if err := insertClientCredential(ctx, tx, cred); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: create client %s with credentials: %w", c.ClientID, classify(err))
	}
	return nil
}

// CreateClientCredential adds a credential once check accepts the client's count of credentials. The
// client's row is locked, so two concurrent additions count one after the other.
func (s *Store) CreateClientCredential(ctx context.Context, c store.ClientCredential, check func(count int) error) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := getClient(ctx, tx, c.ClientID, true); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM client_credentials WHERE client_id = $1", c.ClientID).Scan(&n); err != nil {
			return err
		}
		if check != nil {
			if err := check(n); err != nil {
				return err
			}
		}
		return insertClientCredential(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("postgres: create credential of client %s: %w", c.ClientID, classify(err))
	}
	return nil
}

// GetClientCredential finds a credential of a client.
func (s *Store) GetClientCredential(ctx context.Context, clientID, id string) (store.ClientCredential, error) {
	c, err := getClientCredential(ctx, s.pool, clientID, id, false)
	if err != nil {
		return c, fmt.Errorf("postgres: get credential %s of client %s: %w", id, clientID, classify(err))
	}
	return c, nil
}

// ListClientCredentials lists a client's credentials in creation order.
func (s *Store) ListClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error) {
	var out []store.ClientCredential
	err := s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getClient(ctx, tx, clientID, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+clientCredentialCols+
			" FROM client_credentials WHERE client_id = $1 ORDER BY seq", clientID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanClientCredential(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list credentials of client %s: %w", clientID, classify(err))
	}
	return out, nil
}

// UpdateClientCredential applies fn to the stored credential; only its expiry and update time are
// written back, the rest is immutable.
func (s *Store) UpdateClientCredential(ctx context.Context, clientID, id string, fn func(*store.ClientCredential) error) (store.ClientCredential, error) {
	c, err := update(ctx, s,
		func(q querier) (store.ClientCredential, error) {
			return getClientCredential(ctx, q, clientID, id, true)
		},
		fn,
		func(q querier, c store.ClientCredential) error {
			_, err := q.Exec(ctx, "UPDATE client_credentials SET expires_at = $1, updated_at = $2 WHERE id = $3",
				nullTime(c.ExpiresAt), c.UpdatedAt, id)
			return err
		})
	if err != nil {
		return c, fmt.Errorf("postgres: update credential %s of client %s: %w", id, clientID, classify(err))
	}
	return c, nil
}

// DeleteClientCredential deletes a credential and the client's reference to it.
func (s *Store) DeleteClientCredential(ctx context.Context, clientID, id string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		c, err := getClient(ctx, tx, clientID, true)
		if err != nil {
			return err
		}
		if err := mustAffect(tx.Exec(ctx, "DELETE FROM client_credentials WHERE id = $1 AND client_id = $2", id, clientID)); err != nil {
			return err
		}
		if !slices.Contains(c.PrivateKeyJWTCredentials, id) {
			return nil
		}
		refs, err := sqlstore.EncodeStrings(slices.DeleteFunc(c.PrivateKeyJWTCredentials, func(r string) bool { return r == id }))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE clients SET private_key_jwt_credentials = $1 WHERE client_id = $2", refs, clientID)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: delete credential %s of client %s: %w", id, clientID, classify(err))
	}
	return nil
}
