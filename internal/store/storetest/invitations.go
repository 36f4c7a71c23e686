package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newInvitation(orgID, clientID string) store.Invitation {
	n := f.next()
	return store.Invitation{
		ID:                  fmt.Sprintf("uinv_%016d", n),
		OrganizationID:      orgID,
		InviterName:         fmt.Sprintf("Inviter %d", n),
		InviteeEmail:        fmt.Sprintf("invitee%d@example.com", n),
		ClientID:            clientID,
		TicketID:            fmt.Sprintf("ticket%026d", n),
		SendInvitationEmail: true,
		CreatedAt:           at(n),
		ExpiresAt:           at(n).Add(7 * 24 * time.Hour),
	}
}

func (f *fixture) invitation(orgID, clientID string) store.Invitation {
	f.t.Helper()
	inv := f.newInvitation(orgID, clientID)
	must(f.t, f.s.CreateInvitation(f.ctx, inv, false))
	return inv
}

func invitationID(i store.Invitation) string { return i.ID }

func testInvitations(t *testing.T, open opener) {
	t.Run("create then get by id and by ticket returns every field, the email in lowercase", func(t *testing.T) {
		f := open(t)
		o, cl, c := f.organization(), f.client(), f.connection()
		r1, r2 := f.role(), f.role()
		inv := store.Invitation{
			ID:                  "uinv_abcdefghijklmnop",
			OrganizationID:      o.ID,
			InviterName:         "Alice",
			InviteeEmail:        "Bob@Example.com",
			ClientID:            cl.ClientID,
			ConnectionID:        c.ID,
			Roles:               []string{r2.ID, r1.ID, r2.ID},
			AppMetadata:         map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)},
			UserMetadata:        map[string]json.RawMessage{"lang": json.RawMessage(`"fr"`)},
			TicketID:            "Mh3BJVTaC4nsZImXBzPulFiq5kFP1KLs",
			SendInvitationEmail: true,
			CreatedAt:           inZone(),
			ExpiresAt:           inZone().Add(7 * 24 * time.Hour),
		}
		must(t, f.s.CreateInvitation(f.ctx, inv, false))
		want := inv
		want.InviteeEmail, want.Roles = "bob@example.com", []string{r2.ID, r1.ID}
		want.CreatedAt, want.ExpiresAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC()
		got, err := f.s.GetInvitation(f.ctx, o.ID, inv.ID)
		must(t, err)
		equal(t, "by id", got, want)
		got, err = f.s.GetInvitationByTicket(f.ctx, inv.TicketID)
		must(t, err)
		equal(t, "by ticket", got, want)
	})

	t.Run("optional fields read back empty", func(t *testing.T) {
		f := open(t)
		inv := f.newInvitation(f.organization().ID, f.client().ClientID)
		inv.Roles, inv.AppMetadata, inv.SendInvitationEmail = []string{}, map[string]json.RawMessage{}, false
		must(t, f.s.CreateInvitation(f.ctx, inv, false))
		got, err := f.s.GetInvitation(f.ctx, inv.OrganizationID, inv.ID)
		must(t, err)
		inv.Roles, inv.AppMetadata = nil, nil
		equal(t, "invitation", got, inv)
	})

	t.Run("missing references are not found and create nothing; taken ids and tickets conflict", func(t *testing.T) {
		f := open(t)
		o, cl := f.organization(), f.client()
		first := f.invitation(o.ID, cl.ClientID)
		for name, edit := range map[string]func(*store.Invitation){
			"organization": func(i *store.Invitation) { i.OrganizationID = "org_nosuchorg000000" },
			"client":       func(i *store.Invitation) { i.ClientID = "nosuchclient" },
			"connection":   func(i *store.Invitation) { i.ConnectionID = "con_nosuchconnection" },
			"role":         func(i *store.Invitation) { i.Roles = []string{f.role().ID, "rol_nosuchrole00000"} },
		} {
			inv := f.newInvitation(o.ID, cl.ClientID)
			edit(&inv)
			if err := f.s.CreateInvitation(f.ctx, inv, false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown %s: error %v, want %v", name, err, store.ErrNotFound)
			}
			_, err := f.s.GetInvitationByTicket(f.ctx, inv.TicketID)
			wantErr(t, err, store.ErrNotFound)
		}
		dupID, dupTicket := f.newInvitation(o.ID, cl.ClientID), f.newInvitation(o.ID, cl.ClientID)
		dupID.ID, dupTicket.TicketID = first.ID, first.TicketID
		wantErr(t, f.s.CreateInvitation(f.ctx, dupID, false), store.ErrConflict)
		wantErr(t, f.s.CreateInvitation(f.ctx, dupTicket, false), store.ErrConflict)
	})

	t.Run("unknown invitations, and another organization's, are not found", func(t *testing.T) {
		f := open(t)
		o, other, cl := f.organization(), f.organization(), f.client()
		inv := f.invitation(o.ID, cl.ClientID)
		_, err := f.s.GetInvitation(f.ctx, other.ID, inv.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetInvitation(f.ctx, o.ID, "uinv_nosuchinvitatio")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetInvitationByTicket(f.ctx, "nosuchticket")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.DeleteInvitation(f.ctx, other.ID, inv.ID), store.ErrNotFound)
		_, err = f.s.ListInvitations(f.ctx, "org_nosuchorg000000", false, store.Page{})
		wantErr(t, err, store.ErrNotFound)
		must(t, f.s.DeleteInvitation(f.ctx, o.ID, inv.ID))
		wantErr(t, f.s.DeleteInvitation(f.ctx, o.ID, inv.ID), store.ErrNotFound)
	})

	t.Run("replace deletes the organization's invitations for the same email, in any case", func(t *testing.T) {
		f := open(t)
		o, other, cl := f.organization(), f.organization(), f.client()
		old := f.invitation(o.ID, cl.ClientID)
		elsewhere := f.newInvitation(other.ID, cl.ClientID)
		elsewhere.InviteeEmail = old.InviteeEmail
		must(t, f.s.CreateInvitation(f.ctx, elsewhere, false))
		unrelated := f.invitation(o.ID, cl.ClientID)

		kept := f.newInvitation(o.ID, cl.ClientID)
		kept.InviteeEmail = old.InviteeEmail
		must(t, f.s.CreateInvitation(f.ctx, kept, false)) // without replace, both stay
		l, err := f.s.ListInvitations(f.ctx, o.ID, true, store.Page{})
		must(t, err)
		equal(t, "without replace", ids(l.Items, invitationID), []string{old.ID, unrelated.ID, kept.ID})

		next := f.newInvitation(o.ID, cl.ClientID)
		next.InviteeEmail = "INVITEE" + old.InviteeEmail[len("invitee"):]
		must(t, f.s.CreateInvitation(f.ctx, next, true))
		l, err = f.s.ListInvitations(f.ctx, o.ID, true, store.Page{})
		must(t, err)
		equal(t, "with replace", ids(l.Items, invitationID), []string{unrelated.ID, next.ID})
		_, err = f.s.GetInvitation(f.ctx, other.ID, elsewhere.ID)
		must(t, err)

		failed := f.newInvitation(o.ID, "nosuchclient")
		failed.InviteeEmail = next.InviteeEmail
		wantErr(t, f.s.CreateInvitation(f.ctx, failed, true), store.ErrNotFound)
		_, err = f.s.GetInvitation(f.ctx, o.ID, next.ID)
		must(t, err) // the failed create replaced nothing
	})

	t.Run("list by creation time, newest first unless asked, with offset pages only", func(t *testing.T) {
		f := open(t)
		o, cl := f.organization(), f.client()
		r := f.role()
		var all []store.Invitation
		for i, created := range []int{30, 10, 20, 10} {
			inv := f.newInvitation(o.ID, cl.ClientID)
			inv.CreatedAt, inv.Roles = at(created), []string{r.ID}[:i%2]
			if len(inv.Roles) == 0 {
				inv.Roles = nil
			}
			must(t, f.s.CreateInvitation(f.ctx, inv, false))
			all = append(all, inv)
		}
		f.invitation(f.organization().ID, cl.ClientID) // another organization's
		oldest := []store.Invitation{all[1], all[3], all[2], all[0]}
		newest := []store.Invitation{all[0], all[2], all[3], all[1]}
		l, err := f.s.ListInvitations(f.ctx, o.ID, false, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "newest first", l, store.List[store.Invitation]{Items: newest, Total: 4})
		l, err = f.s.ListInvitations(f.ctx, o.ID, true, store.Page{})
		must(t, err)
		equal(t, "oldest first", l.Items, oldest)
		l, err = f.s.ListInvitations(f.ctx, o.ID, false, store.Page{Offset: 1, Limit: 2, WantTotal: true})
		must(t, err)
		equal(t, "a page", l, store.List[store.Invitation]{Items: newest[1:3], Total: 4})
		_, err = f.s.ListInvitations(f.ctx, o.ID, false, store.Page{Checkpoint: true, Limit: 2})
		wantErr(t, err, store.ErrInvalidCursor)
	})

	t.Run("delete expired removes those expired by the cutoff", func(t *testing.T) {
		f := open(t)
		o, cl := f.organization(), f.client()
		mk := func(expires time.Time) store.Invitation {
			inv := f.newInvitation(o.ID, cl.ClientID)
			inv.ExpiresAt = expires
			must(t, f.s.CreateInvitation(f.ctx, inv, false))
			return inv
		}
		old, atCutoff, live := mk(at(50)), mk(at(100)), mk(at(100).Add(time.Millisecond))
		must(t, f.s.DeleteExpiredInvitations(f.ctx, at(100)))
		for _, inv := range []store.Invitation{old, atCutoff} {
			_, err := f.s.GetInvitation(f.ctx, o.ID, inv.ID)
			wantErr(t, err, store.ErrNotFound)
		}
		got, err := f.s.GetInvitation(f.ctx, o.ID, live.ID)
		must(t, err)
		equal(t, "live", got, live)
	})

	t.Run("deleting the organization, the client or the connection deletes its invitations", func(t *testing.T) {
		f := open(t)
		o, other := f.organization(), f.organization()
		cl, otherClient := f.client(), f.client()
		c := f.connection()
		byOrg := f.invitation(o.ID, otherClient.ClientID)
		byClient := f.invitation(other.ID, cl.ClientID)
		byConn := f.newInvitation(other.ID, otherClient.ClientID)
		byConn.ConnectionID = c.ID
		must(t, f.s.CreateInvitation(f.ctx, byConn, false))
		kept := f.invitation(other.ID, otherClient.ClientID)

		must(t, f.s.DeleteOrganization(f.ctx, o.ID))
		must(t, f.s.DeleteClient(f.ctx, cl.ClientID))
		must(t, f.s.DeleteConnection(f.ctx, c.ID))
		for _, inv := range []store.Invitation{byOrg, byClient, byConn} {
			_, err := f.s.GetInvitationByTicket(f.ctx, inv.TicketID)
			wantErr(t, err, store.ErrNotFound)
		}
		l, err := f.s.ListInvitations(f.ctx, other.ID, false, store.Page{})
		must(t, err)
		equal(t, "invitations left", l.Items, []store.Invitation{kept})
	})

	t.Run("accept makes a member with the roles and a verified email, and deletes the invitation", func(t *testing.T) {
		f := open(t)
		o, cl := f.organization(), f.client()
		u := f.user(f.connection().ID)
		r1, r2, before := f.role(), f.role(), f.role()
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{before.ID, r2.ID}, nil))
		inv := f.newInvitation(o.ID, cl.ClientID)
		inv.Roles = []string{r2.ID, r1.ID}
		must(t, f.s.CreateInvitation(f.ctx, inv, false))

		got, err := f.s.AcceptInvitation(f.ctx, o.ID, inv.ID, u.ID, at(500))
		must(t, err)
		equal(t, "accepted", got, inv)
		l, err := f.s.ListOrganizationMembers(f.ctx, o.ID, store.Page{})
		must(t, err)
		wantUser := u
		wantUser.EmailVerified, wantUser.UpdatedAt = true, at(500)
		equal(t, "members", l.Items, []store.Member{{User: wantUser, JoinedAt: at(500)}})
		roles, err := f.s.ListMemberRoles(f.ctx, o.ID, u.ID, store.Page{})
		must(t, err)
		equal(t, "roles", ids(roles.Items, roleID), []string{r1.ID, r2.ID, before.ID})
		_, err = f.s.GetInvitation(f.ctx, o.ID, inv.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.AcceptInvitation(f.ctx, o.ID, inv.ID, u.ID, at(501))
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("accept by a member keeps the join time and a verified user's update time", func(t *testing.T) {
		f := open(t)
		o, cl := f.organization(), f.client()
		u := f.newUser(f.connection().ID)
		u.EmailVerified = true
		must(t, f.s.CreateUser(f.ctx, u))
		_, err := f.s.AddOrganizationMembers(f.ctx, o.ID, []string{u.ID}, at(7))
		must(t, err)
		inv := f.invitation(o.ID, cl.ClientID)
		_, err = f.s.AcceptInvitation(f.ctx, o.ID, inv.ID, u.ID, at(500))
		must(t, err)
		l, err := f.s.ListOrganizationMembers(f.ctx, o.ID, store.Page{})
		must(t, err)
		equal(t, "members", l.Items, []store.Member{{User: u, JoinedAt: at(7)}})
	})

	t.Run("accept refuses an expired invitation, another organization's, an unknown user, and changes nothing", func(t *testing.T) {
		f := open(t)
		o, other, cl := f.organization(), f.organization(), f.client()
		u := f.user(f.connection().ID)
		inv := f.invitation(o.ID, cl.ClientID)
		for _, tt := range []struct {
			name      string
			org, user string
			now       time.Time
		}{
			{"expired at its expiry", o.ID, u.ID, inv.ExpiresAt},
			{"another organization's", other.ID, u.ID, at(0)},
			{"unknown user", o.ID, "auth0|nosuch", at(0)},
		} {
			_, err := f.s.AcceptInvitation(f.ctx, tt.org, inv.ID, tt.user, tt.now)
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: error %v, want %v", tt.name, err, store.ErrNotFound)
			}
		}
		_, err := f.s.GetInvitation(f.ctx, o.ID, inv.ID)
		must(t, err)
		equal(t, "members", f.memberIDs(o.ID), nil)
	})

	t.Run("of concurrent acceptances, one succeeds", func(t *testing.T) {
		f := open(t)
		o, cl := f.organization(), f.client()
		c := f.connection()
		inv := f.invitation(o.ID, cl.ClientID)
		const accepters = 6
		users := make([]store.User, accepters)
		for i := range users {
			users[i] = f.user(c.ID)
		}
		errs := make([]error, accepters)
		var wg sync.WaitGroup
		for i, u := range users {
			wg.Go(func() { _, errs[i] = f.s.AcceptInvitation(f.ctx, o.ID, inv.ID, u.ID, at(100)) })
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("accepter %d: %v", i, err)
			}
		}
		equal(t, "acceptances that succeeded", wins, 1)
		equal(t, "members", len(f.memberIDs(o.ID)), 1)
	})
}
