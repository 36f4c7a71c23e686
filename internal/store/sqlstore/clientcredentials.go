package sqlstore

import (
	"context"
	"slices"

	"github.com/orgauth/orgauth/internal/store"
)

const clientCredentialCols = `id, client_id, name, credential_type, kid, alg, pem, expires_at, created_at, updated_at`

func scanClientCredential(sc scanner) (store.ClientCredential, error) {
	var cr store.ClientCredential
	err := sc.Scan(&cr.ID, &cr.ClientID, &cr.Name, &cr.CredentialType, &cr.KID, &cr.Alg, &cr.PEM, utc{&cr.ExpiresAt},
		utc{&cr.CreatedAt}, utc{&cr.UpdatedAt})
	return cr, err
}

// getClientCredential reads a credential of a client; lock locks its row.
func getClientCredential(ctx context.Context, c conn, clientID, id string, lock bool) (store.ClientCredential, error) {
	return scanClientCredential(c.row(ctx, "SELECT "+clientCredentialCols+
		" FROM client_credentials WHERE id = ? AND client_id = ?"+c.forUpdate(lock), id, clientID))
}

func insertClientCredential(ctx context.Context, c conn, cr store.ClientCredential) error {
	_, err := c.exec(ctx, `INSERT INTO client_credentials (`+clientCredentialCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		cr.ID, cr.ClientID, cr.Name, cr.CredentialType, cr.KID, cr.Alg, cr.PEM, nullTime(cr.ExpiresAt), cr.CreatedAt, cr.UpdatedAt)
	c.changed(store.ChangeClient, cr.ClientID)
	return err
}

// CreateClientWithCredentials stores cl and its credentials in one transaction.
func (s *Store) CreateClientWithCredentials(ctx context.Context, cl store.Client, creds []store.ClientCredential) error {
	err := s.write(ctx, func(c conn) error {
		if err := insertClient(ctx, c, cl); err != nil {
			return err
		}
		for _, cr := range creds {
			cr.ClientID = cl.ClientID
			if err := insertClientCredential(ctx, c, cr); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(err, "create client %s with credentials", cl.ClientID)
}

// CreateClientCredential adds a credential once check accepts the client's count of credentials. The
// client's row is locked, so two concurrent additions count one after the other.
func (s *Store) CreateClientCredential(ctx context.Context, cr store.ClientCredential, check func(count int) error) error {
	err := s.write(ctx, func(c conn) error {
		if _, err := getClient(ctx, c, cr.ClientID, true); err != nil {
			return err
		}
		var n int
		if err := c.row(ctx, "SELECT count(*) FROM client_credentials WHERE client_id = ?", cr.ClientID).Scan(&n); err != nil {
			return err
		}
		if check != nil {
			if err := check(n); err != nil {
				return err
			}
		}
		return insertClientCredential(ctx, c, cr)
	})
	return s.fail(err, "create credential of client %s", cr.ClientID)
}

// GetClientCredential finds a credential of a client.
func (s *Store) GetClientCredential(ctx context.Context, clientID, id string) (store.ClientCredential, error) {
	cr, err := getClientCredential(ctx, s.reader(), clientID, id, false)
	return cr, s.fail(err, "get credential %s of client %s", id, clientID)
}

// ListClientCredentials lists a client's credentials in creation order.
func (s *Store) ListClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error) {
	var out []store.ClientCredential
	err := s.read(ctx, func(c conn) error {
		if _, err := getClient(ctx, c, clientID, false); err != nil {
			return err
		}
		l, err := list(ctx, c, listSpec{cols: clientCredentialCols, from: "client_credentials", seq: "seq",
			where: []string{"client_id = ?"}, args: []any{clientID}}, store.Page{}, scanClientCredential)
		out = l.Items
		return err
	})
	if err != nil {
		return nil, s.fail(err, "list credentials of client %s", clientID)
	}
	return out, nil
}

// UpdateClientCredential applies fn to the stored credential; only its expiry and update time are
// written back, the rest is immutable.
func (s *Store) UpdateClientCredential(ctx context.Context, clientID, id string, fn func(*store.ClientCredential) error) (store.ClientCredential, error) {
	cr, err := update(ctx, s,
		func(c conn) (store.ClientCredential, error) { return getClientCredential(ctx, c, clientID, id, true) },
		fn,
		func(c conn, cr store.ClientCredential) error {
			_, err := c.exec(ctx, "UPDATE client_credentials SET expires_at = ?, updated_at = ? WHERE id = ?",
				nullTime(cr.ExpiresAt), cr.UpdatedAt, id)
			c.changed(store.ChangeClient, clientID)
			return err
		})
	return cr, s.fail(err, "update credential %s of client %s", id, clientID)
}

// DeleteClientCredential deletes a credential and the client's reference to it.
func (s *Store) DeleteClientCredential(ctx context.Context, clientID, id string) error {
	err := s.write(ctx, func(c conn) error {
		cl, err := getClient(ctx, c, clientID, true)
		if err != nil {
			return err
		}
		if err := mustAffect(c.exec(ctx, "DELETE FROM client_credentials WHERE id = ? AND client_id = ?", id, clientID)); err != nil {
			return err
		}
		c.changed(store.ChangeClient, clientID)
		if !slices.Contains(cl.PrivateKeyJWTCredentials, id) {
			return nil
		}
		refs, err := encodeStrings(slices.DeleteFunc(cl.PrivateKeyJWTCredentials, func(r string) bool { return r == id }))
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE clients SET private_key_jwt_credentials = ? WHERE client_id = ?", refs, clientID)
		return err
	})
	return s.fail(err, "delete credential %s of client %s", id, clientID)
}
