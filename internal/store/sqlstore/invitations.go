package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Invitations keep their roles as rows of invitation_roles, so that deleting a role removes it from
// them; a read fetches the roles of the invitations it returns in a second query.

// invitationCols are qualified with i, the alias every query on invitations uses; the seq comes first,
// for the roles.
const invitationCols = `i.seq, i.id, i.organization_id, i.inviter_name, i.invitee_email, i.client_id, i.connection_id,
	i.app_metadata, i.user_metadata, i.ticket_id, i.send_invitation_email, i.created_at, i.expires_at`

// invitationRow is an invitation and its seq.
type invitationRow struct {
	seq int64
	inv store.Invitation
}

func scanInvitation(sc scanner) (invitationRow, error) {
	var (
		r                                       invitationRow
		connectionID, appMetadata, userMetadata *string
	)
	i := &r.inv
	if err := sc.Scan(&r.seq, &i.ID, &i.OrganizationID, &i.InviterName, &i.InviteeEmail, &i.ClientID, &connectionID,
		&appMetadata, &userMetadata, &i.TicketID, &i.SendInvitationEmail, utc{&i.CreatedAt}, utc{&i.ExpiresAt}); err != nil {
		return r, err
	}
	if connectionID != nil {
		i.ConnectionID = *connectionID
	}
	var err error
	if i.AppMetadata, err = decodeObject(appMetadata); err != nil {
		return r, fmt.Errorf("decode app_metadata: %w", err)
	}
	if i.UserMetadata, err = decodeObject(userMetadata); err != nil {
		return r, fmt.Errorf("decode user_metadata: %w", err)
	}
	return r, nil
}

// withRoles fills in the roles of the invitations rows and returns the invitations.
func withRoles(ctx context.Context, c conn, rows []invitationRow) ([]store.Invitation, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	seqs := make([]any, len(rows))
	at := make(map[int64]int, len(rows))
	for i, r := range rows {
		seqs[i], at[r.seq] = r.seq, i
	}
	rs, err := c.query(ctx, `SELECT ir.inv_seq, r.id FROM invitation_roles ir JOIN roles r ON r.seq = ir.role_seq
		WHERE ir.inv_seq IN (`+placeholders(len(seqs))+`) ORDER BY ir.inv_seq, ir.pos`, seqs...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var (
			seq int64
			id  string
		)
		if err := rs.Scan(&seq, &id); err != nil {
			return nil, err
		}
		inv := &rows[at[seq]].inv
		inv.Roles = append(inv.Roles, id)
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	out := make([]store.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.inv
	}
	return out, nil
}

// getInvitation reads the invitation where cond holds, with its roles; lock locks its row.
func getInvitation(ctx context.Context, c conn, lock bool, cond string, args ...any) (invitationRow, error) {
	r, err := scanInvitation(c.row(ctx, "SELECT "+invitationCols+" FROM invitations i WHERE "+cond+c.forUpdate(lock), args...))
	if err != nil {
		return r, err
	}
	invs, err := withRoles(ctx, c, []invitationRow{r})
	if err != nil {
		return r, err
	}
	r.inv = invs[0]
	return r, nil
}

// readInvitation reads the invitation where cond holds in one read transaction.
func (s *Store) readInvitation(ctx context.Context, cond string, args ...any) (store.Invitation, error) {
	var r invitationRow
	err := s.read(ctx, func(c conn) (err error) {
		r, err = getInvitation(ctx, c, false, cond, args...)
		return err
	})
	return r.inv, err
}

// CreateInvitation stores inv, its invitee's email in lowercase and its roles in the order given
// (a role named twice once); with replace, it first deletes the organization's invitations for the
// email. A missing organization, client, connection or role fails a foreign key: ErrNotFound.
func (s *Store) CreateInvitation(ctx context.Context, inv store.Invitation, replace bool) error {
	email := strings.ToLower(inv.InviteeEmail)
	appMetadata, err := encodeObject(inv.AppMetadata)
	if err != nil {
		return s.fail(fmt.Errorf("encode app_metadata: %w", err), "create invitation %s", inv.ID)
	}
	userMetadata, err := encodeObject(inv.UserMetadata)
	if err != nil {
		return s.fail(fmt.Errorf("encode user_metadata: %w", err), "create invitation %s", inv.ID)
	}
	var connectionID any
	if inv.ConnectionID != "" {
		connectionID = inv.ConnectionID
	}
	err = s.write(ctx, func(c conn) error {
		if replace {
			if _, err := c.exec(ctx, "DELETE FROM invitations WHERE organization_id = ? AND invitee_email = ?",
				inv.OrganizationID, email); err != nil {
				return err
			}
		}
		var seq int64
		if err := c.row(ctx, `INSERT INTO invitations (id, organization_id, inviter_name, invitee_email, client_id,
			connection_id, app_metadata, user_metadata, ticket_id, send_invitation_email, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			inv.ID, inv.OrganizationID, inv.InviterName, email, inv.ClientID, connectionID, appMetadata, userMetadata,
			inv.TicketID, inv.SendInvitationEmail, inv.CreatedAt, inv.ExpiresAt).Scan(&seq); err != nil {
			return err
		}
		for pos, id := range inv.Roles {
			role, err := roleSeq(ctx, c, id, false)
			if err != nil {
				return err
			}
			if _, err := c.exec(ctx, `INSERT INTO invitation_roles (inv_seq, role_seq, pos) VALUES (?, ?, ?)
				ON CONFLICT (inv_seq, role_seq) DO NOTHING`, seq, role, pos); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(err, "create invitation %s", inv.ID)
}

// GetInvitation finds an invitation of an organization.
func (s *Store) GetInvitation(ctx context.Context, orgID, id string) (store.Invitation, error) {
	inv, err := s.readInvitation(ctx, "i.id = ? AND i.organization_id = ?", id, orgID)
	return inv, s.fail(err, "get invitation %s of organization %s", id, orgID)
}

// GetInvitationByTicket finds an invitation by its ticket.
func (s *Store) GetInvitationByTicket(ctx context.Context, ticketID string) (store.Invitation, error) {
	inv, err := s.readInvitation(ctx, "i.ticket_id = ?", ticketID)
	return inv, s.fail(err, "get invitation by ticket")
}

// ListInvitations lists an organization's invitations by creation time (then creation order), served
// by the index on the organization and the time.
func (s *Store) ListInvitations(ctx context.Context, orgID string, oldestFirst bool, p store.Page) (store.List[store.Invitation], error) {
	var out store.List[store.Invitation]
	err := s.read(ctx, func(c conn) error {
		if _, err := organizationSeq(ctx, c, orgID, false); err != nil {
			return err
		}
		spec := listSpec{cols: invitationCols, from: "invitations i", seq: "i.seq", order: "i.created_at DESC, i.seq DESC"}
		if oldestFirst {
			spec.order = "i.created_at, i.seq"
		}
		spec.and("i.organization_id = ?", orgID)
		l, err := list(ctx, c, spec, p, scanInvitation)
		if err != nil {
			return err
		}
		out.Total, out.Next = l.Total, l.Next
		out.Items, err = withRoles(ctx, c, l.Items)
		return err
	})
	return out, s.fail(err, "list invitations of organization %s", orgID)
}

// DeleteInvitation deletes an invitation of an organization; ErrNotFound when it has no such invitation.
func (s *Store) DeleteInvitation(ctx context.Context, orgID, id string) error {
	err := s.write(ctx, func(c conn) error {
		return mustAffect(c.exec(ctx, "DELETE FROM invitations WHERE id = ? AND organization_id = ?", id, orgID))
	})
	return s.fail(err, "delete invitation %s of organization %s", id, orgID)
}

// DeleteExpiredInvitations deletes the invitations expired by cutoff (an invitation expires at its
// ExpiresAt), served by the index on the expiry.
func (s *Store) DeleteExpiredInvitations(ctx context.Context, cutoff time.Time) error {
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "DELETE FROM invitations WHERE expires_at <= ?", cutoff)
		return err
	})
	return s.fail(err, "delete invitations expired by %s", cutoff)
}

// AcceptInvitation accepts an invitation in one transaction that locks its row first: of concurrent
// acceptances, the first deletes it and the others find none.
func (s *Store) AcceptInvitation(ctx context.Context, orgID, id, userID string, now time.Time) (store.Invitation, error) {
	var r invitationRow
	err := s.write(ctx, func(c conn) (err error) {
		if r, err = getInvitation(ctx, c, true, "i.id = ? AND i.organization_id = ?", id, orgID); err != nil {
			return err
		}
		if !now.Before(r.inv.ExpiresAt) {
			return fmt.Errorf("invitation expired at %s: %w", r.inv.ExpiresAt, store.ErrNotFound)
		}
		org, user, err := memberSeqs(ctx, c, orgID, userID, false)
		if err != nil {
			return err
		}
		if _, err := addMember(ctx, c, org, user, now); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `INSERT INTO member_roles (org_seq, user_seq, role_seq)
			SELECT ?, ?, role_seq FROM invitation_roles WHERE inv_seq = ?
			ON CONFLICT (org_seq, user_seq, role_seq) DO NOTHING`, org, user, r.seq); err != nil {
			return err
		}
		if _, err := c.exec(ctx, "UPDATE users SET email_verified = ?, updated_at = ? WHERE seq = ? AND email_verified = ?",
			true, now, user, false); err != nil {
			return err
		}
		_, err = c.exec(ctx, "DELETE FROM invitations WHERE seq = ?", r.seq)
		return err
	})
	if err != nil {
		return store.Invitation{}, s.fail(err, "accept invitation %s of organization %s", id, orgID)
	}
	return r.inv, nil
}
