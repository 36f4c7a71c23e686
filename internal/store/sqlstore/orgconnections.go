package sqlstore

import (
	"context"

	"github.com/orgauth/orgauth/internal/store"
)

// Organization connections reference organizations and connections by seq, and list in the creation
// order of the side listed.

const orgConnectionCols = `o.id, cn.id, a.assign_membership_on_login, a.show_as_button, a.is_signup_enabled`

const orgConnectionFrom = `organization_connections a JOIN organizations o ON o.seq = a.org_seq
	JOIN connections cn ON cn.seq = a.conn_seq`

func scanOrgConnection(sc scanner) (store.OrganizationConnection, error) {
	var oc store.OrganizationConnection
	err := sc.Scan(&oc.OrganizationID, &oc.ConnectionID, &oc.AssignMembershipOnLogin, &oc.ShowAsButton, &oc.IsSignupEnabled)
	return oc, err
}

// getOrgConnection reads an organization's entry for a connection; lock locks its row.
func getOrgConnection(ctx context.Context, c conn, orgID, connectionID string, lock bool) (store.OrganizationConnection, error) {
	forUpdate := ""
	if lock && c.d.forUpdate != "" {
		forUpdate = c.d.forUpdate + " OF a" // the entry's row, not the organization's or the connection's
	}
	return scanOrgConnection(c.row(ctx, "SELECT "+orgConnectionCols+" FROM "+orgConnectionFrom+
		" WHERE o.id = ? AND cn.id = ?"+forUpdate, orgID, connectionID))
}

// AddOrganizationConnection enables a connection for an organization in one transaction, which locks
// the organization's row so that the count check sees every concurrent add.
func (s *Store) AddOrganizationConnection(ctx context.Context, oc store.OrganizationConnection, check func(int) error) error {
	err := s.write(ctx, func(c conn) error {
		org, err := organizationSeq(ctx, c, oc.OrganizationID, true)
		if err != nil {
			return err
		}
		cn, err := connectionSeq(ctx, c, oc.ConnectionID, false)
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, `INSERT INTO organization_connections (org_seq, conn_seq, assign_membership_on_login,
			show_as_button, is_signup_enabled) VALUES (?, ?, ?, ?, ?)`,
			org, cn, oc.AssignMembershipOnLogin, oc.ShowAsButton, oc.IsSignupEnabled); err != nil {
			return err
		}
		return checkCount(ctx, c, check, "SELECT COUNT(*) FROM organization_connections WHERE org_seq = ?", org)
	})
	return s.fail(err, "enable connection %s for organization %s", oc.ConnectionID, oc.OrganizationID)
}

// GetOrganizationConnection finds an organization's entry for a connection.
func (s *Store) GetOrganizationConnection(ctx context.Context, orgID, connectionID string) (store.OrganizationConnection, error) {
	oc, err := getOrgConnection(ctx, s.reader(), orgID, connectionID, false)
	return oc, s.fail(err, "get connection %s of organization %s", connectionID, orgID)
}

// UpdateOrganizationConnection applies fn to an organization's entry for a connection, keeping the
// organization and the connection whatever fn does.
func (s *Store) UpdateOrganizationConnection(ctx context.Context, orgID, connectionID string, fn func(*store.OrganizationConnection) error) (store.OrganizationConnection, error) {
	oc, err := update(ctx, s,
		func(c conn) (store.OrganizationConnection, error) {
			return getOrgConnection(ctx, c, orgID, connectionID, true)
		},
		fn,
		func(c conn, oc store.OrganizationConnection) error {
			_, err := c.exec(ctx, `UPDATE organization_connections SET assign_membership_on_login = ?, show_as_button = ?,
				is_signup_enabled = ? WHERE org_seq = (SELECT seq FROM organizations WHERE id = ?)
				AND conn_seq = (SELECT seq FROM connections WHERE id = ?)`,
				oc.AssignMembershipOnLogin, oc.ShowAsButton, oc.IsSignupEnabled, orgID, connectionID)
			return err
		})
	return oc, s.fail(err, "update connection %s of organization %s", connectionID, orgID)
}

// RemoveOrganizationConnection disables a connection for an organization; ErrNotFound when it is not
// enabled (or either does not exist).
func (s *Store) RemoveOrganizationConnection(ctx context.Context, orgID, connectionID string) error {
	err := s.write(ctx, func(c conn) error {
		return mustAffect(c.exec(ctx, `DELETE FROM organization_connections
			WHERE org_seq = (SELECT seq FROM organizations WHERE id = ?) AND conn_seq = (SELECT seq FROM connections WHERE id = ?)`,
			orgID, connectionID))
	})
	return s.fail(err, "remove connection %s from organization %s", connectionID, orgID)
}

// ListOrganizationConnections lists the connections enabled for an organization, in the connections'
// creation order.
func (s *Store) ListOrganizationConnections(ctx context.Context, orgID string, p store.Page) (store.List[store.OrganizationConnection], error) {
	var out store.List[store.OrganizationConnection]
	err := s.read(ctx, func(c conn) error {
		org, err := organizationSeq(ctx, c, orgID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: orgConnectionCols, from: orgConnectionFrom, seq: "a.conn_seq"}
		spec.and("a.org_seq = ?", org)
		out, err = list(ctx, c, spec, p, scanOrgConnection)
		return err
	})
	return out, s.fail(err, "list connections of organization %s", orgID)
}

// ListConnectionOrganizations lists the organizations a connection is enabled for, in the
// organizations' creation order.
func (s *Store) ListConnectionOrganizations(ctx context.Context, connectionID string, p store.Page) (store.List[store.OrganizationConnection], error) {
	var out store.List[store.OrganizationConnection]
	err := s.read(ctx, func(c conn) error {
		cn, err := connectionSeq(ctx, c, connectionID, false)
		if err != nil {
			return err
		}
		spec := listSpec{cols: orgConnectionCols, from: orgConnectionFrom, seq: "a.org_seq"}
		spec.and("a.conn_seq = ?", cn)
		out, err = list(ctx, c, spec, p, scanOrgConnection)
		return err
	})
	return out, s.fail(err, "list organizations of connection %s", connectionID)
}
