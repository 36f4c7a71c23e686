package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const clientCredentialCols = `id, client_id, name, credential_type, kid, alg, pem, expires_at, created_at, updated_at`

func scanClientCredential(sc sqlstore.Scanner) (store.ClientCredential, error) {
	var (
		c                store.ClientCredential
		expires          sql.Null[int64]
		created, updated int64
	)
	if err := sc.Scan(&c.ID, &c.ClientID, &c.Name, &c.CredentialType, &c.KID, &c.Alg, &c.PEM, &expires,
		&created, &updated); err != nil {
		return c, err
	}
	c.ExpiresAt, c.CreatedAt, c.UpdatedAt = fromNullMicros(expires), fromMicros(created), fromMicros(updated)
	return c, nil
}

func getClientCredential(ctx context.Context, q querier, clientID, id string) (store.ClientCredential, error) {
	c, err := scanClientCredential(q.QueryRowContext(ctx, "SELECT "+clientCredentialCols+
		" FROM client_credentials WHERE id = ? AND client_id = ?", id, clientID))
	return c, classify(err)
}

func insertClientCredential(ctx context.Context, q querier, c store.ClientCredential) error {
	_, err := q.ExecContext(ctx, `INSERT INTO client_credentials (`+clientCredentialCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ClientID, c.Name, c.CredentialType, c.KID, c.Alg, c.PEM, nullMicros(c.ExpiresAt),
		toMicros(c.CreatedAt), toMicros(c.UpdatedAt))
	return classify(err)
}

// CreateClientWithCredentials stores c and its credentials in one transaction.
func (s *Store) CreateClientWithCredentials(ctx context.Context, c store.Client, creds []store.ClientCredential) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
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
		return fmt.Errorf("sqlite: create client %s with credentials: %w", c.ClientID, err)
	}
	return nil
}

// CreateClientCredential adds a credential once check accepts the client's count of credentials.
func (s *Store) CreateClientCredential(ctx context.Context, c store.ClientCredential, check func(count int) error) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := getClient(ctx, tx, c.ClientID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM client_credentials WHERE client_id = ?", c.ClientID).Scan(&n); err != nil {
			return classify(err)
		}
		if check != nil {
			if err := check(n); err != nil {
				return err
			}
		}
		return insertClientCredential(ctx, tx, c)
	})
	if err != nil {
		return fmt.Errorf("sqlite: create credential of client %s: %w", c.ClientID, err)
	}
	return nil
}

// GetClientCredential finds a credential of a client.
func (s *Store) GetClientCredential(ctx context.Context, clientID, id string) (store.ClientCredential, error) {
	c, err := getClientCredential(ctx, s.r, clientID, id)
	if err != nil {
		return c, fmt.Errorf("sqlite: get credential %s of client %s: %w", id, clientID, err)
	}
	return c, nil
}

// ListClientCredentials lists a client's credentials in creation order.
func (s *Store) ListClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error) {
	var out []store.ClientCredential
	err := s.read(ctx, func(tx *sql.Tx) error {
		if _, err := getClient(ctx, tx, clientID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+clientCredentialCols+
			" FROM client_credentials WHERE client_id = ? ORDER BY seq", clientID)
		if err != nil {
			return classify(err)
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
		return nil, fmt.Errorf("sqlite: list credentials of client %s: %w", clientID, err)
	}
	return out, nil
}

// UpdateClientCredential applies fn to the stored credential; only its expiry and update time are
// written back, the rest is immutable.
func (s *Store) UpdateClientCredential(ctx context.Context, clientID, id string, fn func(*store.ClientCredential) error) (store.ClientCredential, error) {
	c, err := update(ctx, s,
		func(q querier) (store.ClientCredential, error) { return getClientCredential(ctx, q, clientID, id) },
		fn,
		func(q querier, c store.ClientCredential) error {
			_, err := q.ExecContext(ctx, "UPDATE client_credentials SET expires_at = ?, updated_at = ? WHERE id = ?",
				nullMicros(c.ExpiresAt), toMicros(c.UpdatedAt), id)
			return classify(err)
		})
	if err != nil {
		return c, fmt.Errorf("sqlite: update credential %s of client %s: %w", id, clientID, err)
	}
	return c, nil
}

// DeleteClientCredential deletes a credential and the client's reference to it.
func (s *Store) DeleteClientCredential(ctx context.Context, clientID, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := mustAffect(tx.ExecContext(ctx, "DELETE FROM client_credentials WHERE id = ? AND client_id = ?", id, clientID)); err != nil {
			return err
		}
		c, err := getClient(ctx, tx, clientID)
		if err != nil {
			return err
		}
		if !slices.Contains(c.PrivateKeyJWTCredentials, id) {
			return nil
		}
		refs, err := sqlstore.EncodeStrings(slices.DeleteFunc(c.PrivateKeyJWTCredentials, func(r string) bool { return r == id }))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE clients SET private_key_jwt_credentials = ? WHERE client_id = ?", refs, clientID)
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete credential %s of client %s: %w", id, clientID, err)
	}
	return nil
}
