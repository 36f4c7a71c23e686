package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// The people half (connections, users, members, roles, organization connections, invitations) is not
// in the token endpoint's snapshot: its writes go through write, which bumps the version, and record no
// change (a row of kind none), except where a cascade reaches what the snapshot holds.

// seqOf finds the seq of the row of table whose column col equals key; lock locks the row. A missing
// row is sql.ErrNoRows, named after what.
func seqOf(ctx context.Context, c conn, what, table, col, key string, lock bool) (int64, error) {
	var seq int64
	if err := c.row(ctx, "SELECT seq FROM "+table+" WHERE "+col+" = ?"+c.forUpdate(lock), key).Scan(&seq); err != nil {
		return 0, fmt.Errorf("%s %s: %w", what, key, err)
	}
	return seq, nil
}

func connectionSeq(ctx context.Context, c conn, id string, lock bool) (int64, error) {
	return seqOf(ctx, c, "connection", "connections", "id", id, lock)
}

func clientSeq(ctx context.Context, c conn, clientID string) (int64, error) {
	return seqOf(ctx, c, "client", "clients", "client_id", clientID, false)
}

// placeholders is n comma-separated placeholders.
func placeholders(n int) string {
	return strings.TrimPrefix(strings.Repeat(", ?", n), ", ")
}

// connectionCols are qualified with cn, the alias every query on connections uses.
const connectionCols = `cn.id, cn.name, cn.display_name, cn.strategy, cn.options, cn.show_as_button, cn.realms,
	cn.metadata, cn.is_domain_connection, cn.created_at, cn.updated_at`

func scanConnection(sc scanner) (store.Connection, error) {
	var (
		cn                        store.Connection
		options, realms, metadata *string
	)
	if err := sc.Scan(&cn.ID, &cn.Name, &cn.DisplayName, &cn.Strategy, &options, &cn.ShowAsButton, &realms,
		&metadata, &cn.IsDomainConnection, utc{&cn.CreatedAt}, utc{&cn.UpdatedAt}); err != nil {
		return cn, err
	}
	cn.Options = decodeDocument(options)
	var err error
	if cn.Realms, err = decodeStrings(realms); err != nil {
		return cn, fmt.Errorf("decode realms: %w", err)
	}
	if cn.Metadata, err = decodeMetadata(metadata); err != nil {
		return cn, fmt.Errorf("decode metadata: %w", err)
	}
	return cn, nil
}

// getConnection reads the connection whose column col (id or name) equals v; lock locks its row.
func getConnection(ctx context.Context, c conn, col, v string, lock bool) (store.Connection, error) {
	return scanConnection(c.row(ctx, "SELECT "+connectionCols+" FROM connections cn WHERE cn."+col+" = ?"+c.forUpdate(lock), v))
}

// connectionJSON encodes the JSON columns of cn.
func connectionJSON(cn store.Connection) (realms, metadata any, err error) {
	if realms, err = encodeStrings(cn.Realms); err != nil {
		return nil, nil, err
	}
	if metadata, err = encodeMetadata(cn.Metadata); err != nil {
		return nil, nil, err
	}
	return realms, metadata, nil
}

// enableConnection enables the connection connSeq for the client; ErrNotFound when the client does not
// exist, no error when it is enabled already.
func enableConnection(ctx context.Context, c conn, connSeq int64, clientID string) error {
	cl, err := clientSeq(ctx, c, clientID)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO connection_clients (conn_seq, client_seq) VALUES (?, ?)
		ON CONFLICT (conn_seq, client_seq) DO NOTHING`, connSeq, cl)
	return err
}

// CreateConnection stores cn, enabled for the clients named, in one transaction. ErrConflict when its id
// or name is taken, ErrNotFound when a client does not exist.
func (s *Store) CreateConnection(ctx context.Context, cn store.Connection, enabledClients []string) error {
	realms, metadata, err := connectionJSON(cn)
	if err == nil {
		err = s.write(ctx, func(c conn) error {
			var seq int64
			if err := c.row(ctx, `INSERT INTO connections (id, name, display_name, strategy, options, show_as_button,
				realms, metadata, is_domain_connection, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				RETURNING seq`,
				cn.ID, cn.Name, cn.DisplayName, cn.Strategy, encodeDocument(cn.Options), cn.ShowAsButton, realms, metadata,
				cn.IsDomainConnection, cn.CreatedAt, cn.UpdatedAt).Scan(&seq); err != nil {
				return err
			}
			for _, id := range enabledClients {
				if err := enableConnection(ctx, c, seq, id); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return s.fail(err, "create connection %s", cn.ID)
}

// GetConnection finds a connection by id.
func (s *Store) GetConnection(ctx context.Context, id string) (store.Connection, error) {
	cn, err := getConnection(ctx, s.reader(), "id", id, false)
	return cn, s.fail(err, "get connection %s", id)
}

// GetConnectionByName finds a connection by its exact name.
func (s *Store) GetConnectionByName(ctx context.Context, name string) (store.Connection, error) {
	cn, err := getConnection(ctx, s.reader(), "name", name, false)
	return cn, s.fail(err, "get connection named %s", name)
}

// ListConnections lists the connections that match f, in creation order.
func (s *Store) ListConnections(ctx context.Context, f store.ConnectionFilter, p store.Page) (store.List[store.Connection], error) {
	spec := listSpec{cols: connectionCols, from: "connections cn", seq: "cn.seq"}
	if f.Name != "" {
		if s.holds(f.Name) {
			spec.and("cn.name = ?", f.Name)
		} else {
			spec.and("FALSE")
		}
	}
	if len(f.Strategies) > 0 {
		var strategies []any
		for _, st := range f.Strategies {
			if s.holds(st) {
				strategies = append(strategies, st)
			}
		}
		if len(strategies) == 0 {
			spec.and("FALSE")
		} else {
			spec.and("cn.strategy IN ("+placeholders(len(strategies))+")", strategies...)
		}
	}
	var out store.List[store.Connection]
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, spec, p, scanConnection)
		return err
	})
	return out, s.fail(err, "list connections")
}

// UpdateConnection applies fn to the stored connection. Its id, name, strategy and creation time are
// kept whatever fn does.
func (s *Store) UpdateConnection(ctx context.Context, id string, fn func(*store.Connection) error) (store.Connection, error) {
	cn, err := update(ctx, s,
		func(c conn) (store.Connection, error) { return getConnection(ctx, c, "id", id, true) },
		fn,
		func(c conn, cn store.Connection) error {
			realms, metadata, err := connectionJSON(cn)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `UPDATE connections SET display_name = ?, options = ?, show_as_button = ?, realms = ?,
				metadata = ?, is_domain_connection = ?, updated_at = ? WHERE id = ?`,
				cn.DisplayName, encodeDocument(cn.Options), cn.ShowAsButton, realms, metadata, cn.IsDomainConnection,
				cn.UpdatedAt, id)
			return err
		})
	return cn, s.fail(err, "update connection %s", id)
}

// DeleteConnection deletes a connection; foreign keys cascade to its users (and on from them), its
// organization entries, its invitations and its enabled clients. ErrNotFound when there is no such
// connection.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		return mustAffect(c.exec(ctx, "DELETE FROM connections WHERE id = ?", id))
	})
	return s.fail(err, "delete connection %s", id)
}

// UpdateConnectionClients enables and disables the connection for clients in one transaction, which
// locks the connection's row.
func (s *Store) UpdateConnectionClients(ctx context.Context, id string, enable, disable []string) error {
	err := s.write(ctx, func(c conn) error {
		seq, err := connectionSeq(ctx, c, id, true)
		if err != nil {
			return err
		}
		for _, clientID := range enable {
			if err := enableConnection(ctx, c, seq, clientID); err != nil {
				return err
			}
		}
		for _, clientID := range disable {
			if !s.holds(clientID) {
				continue
			}
			if _, err := c.exec(ctx, `DELETE FROM connection_clients
				WHERE conn_seq = ? AND client_seq = (SELECT seq FROM clients WHERE client_id = ?)`, seq, clientID); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(err, "update the clients of connection %s", id)
}

// ListConnectionClients lists the ids of the clients a connection is enabled for, in the clients'
// creation order.
func (s *Store) ListConnectionClients(ctx context.Context, id string, p store.Page) (store.List[string], error) {
	var out store.List[string]
	err := s.read(ctx, func(c conn) error {
		seq, err := connectionSeq(ctx, c, id, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: "cl.client_id", from: "connection_clients a JOIN clients cl ON cl.seq = a.client_seq", seq: "a.client_seq"}
		spec.and("a.conn_seq = ?", seq)
		out, err = list(ctx, c, spec, p, func(sc scanner) (id string, err error) { return id, sc.Scan(&id) })
		return err
	})
	return out, s.fail(err, "list the clients of connection %s", id)
}

// ListClientConnections lists the connections enabled for a client, in creation order.
func (s *Store) ListClientConnections(ctx context.Context, clientID string, p store.Page) (store.List[store.Connection], error) {
	var out store.List[store.Connection]
	err := s.read(ctx, func(c conn) error {
		seq, err := clientSeq(ctx, c, clientID)
		if err != nil {
			return err
		}
		spec := listSpec{cols: connectionCols, from: "connection_clients a JOIN connections cn ON cn.seq = a.conn_seq", seq: "a.conn_seq"}
		spec.and("a.client_seq = ?", seq)
		out, err = list(ctx, c, spec, p, scanConnection)
		return err
	})
	return out, s.fail(err, "list the connections of client %s", clientID)
}
