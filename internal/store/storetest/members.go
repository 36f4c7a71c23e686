package storetest

import (
	"sync"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// addMembers adds users to an organization, joined at a time of their own.
func (f *fixture) addMembers(org string, users ...string) {
	f.t.Helper()
	_, err := f.s.AddOrganizationMembers(f.ctx, org, users, at(f.next()))
	must(f.t, err)
}

// memberIDs lists the ids of all members of an organization.
func (f *fixture) memberIDs(org string) []string {
	f.t.Helper()
	l, err := f.s.ListOrganizationMembers(f.ctx, org, store.Page{})
	must(f.t, err)
	return ids(l.Items, func(m store.Member) string { return m.User.ID })
}

func (f *fixture) isMember(org, user string) bool {
	f.t.Helper()
	is, err := f.s.IsOrganizationMember(f.ctx, org, user)
	must(f.t, err)
	return is
}

func testMembers(t *testing.T, open opener) {
	t.Run("members list in join order with their users and join times, and organizations likewise", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		o1, o2 := f.organization(), f.organization()
		a, b := f.user(c.ID), f.user(c.ID)
		added, err := f.s.AddOrganizationMembers(f.ctx, o1.ID, []string{b.ID, a.ID}, inZone())
		must(t, err)
		equal(t, "added", added, []string{b.ID, a.ID})
		_, err = f.s.AddOrganizationMembers(f.ctx, o2.ID, []string{a.ID}, at(50))
		must(t, err)

		l, err := f.s.ListOrganizationMembers(f.ctx, o1.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "members", l, store.List[store.Member]{Items: []store.Member{
			{User: b, JoinedAt: inZone().UTC()}, {User: a, JoinedAt: inZone().UTC()}}, Total: 2})
		orgs, err := f.s.ListUserOrganizations(f.ctx, a.ID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "organizations", orgs, store.List[store.UserOrganization]{Items: []store.UserOrganization{
			{Organization: o1, JoinedAt: inZone().UTC()}, {Organization: o2, JoinedAt: at(50)}}, Total: 2})
		if !f.isMember(o1.ID, b.ID) || f.isMember(o2.ID, b.ID) {
			t.Error("membership check disagrees with the lists")
		}
	})

	t.Run("adding existing members is a no-op that keeps their join time", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		o := f.organization()
		a, b := f.user(c.ID), f.user(c.ID)
		_, err := f.s.AddOrganizationMembers(f.ctx, o.ID, []string{a.ID}, at(10))
		must(t, err)
		added, err := f.s.AddOrganizationMembers(f.ctx, o.ID, []string{a.ID, b.ID, b.ID}, at(20))
		must(t, err)
		equal(t, "added", added, []string{b.ID})
		l, err := f.s.ListOrganizationMembers(f.ctx, o.ID, store.Page{})
		must(t, err)
		equal(t, "join times", []any{l.Items[0].User.ID, l.Items[0].JoinedAt, l.Items[1].User.ID, l.Items[1].JoinedAt},
			[]any{a.ID, at(10), b.ID, at(20)})
	})

	t.Run("an unknown user adds no one, an unknown organization is not found", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		o := f.organization()
		a := f.user(c.ID)
		_, err := f.s.AddOrganizationMembers(f.ctx, o.ID, []string{a.ID, "auth0|nosuch"}, at(10))
		wantErr(t, err, store.ErrNotFound)
		equal(t, "members", f.memberIDs(o.ID), nil)
		_, err = f.s.AddOrganizationMembers(f.ctx, "org_nosuchorg000000", []string{a.ID}, at(10))
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.RemoveOrganizationMembers(f.ctx, "org_nosuchorg000000", []string{a.ID}, at(10)), store.ErrNotFound)
		_, err = f.s.ListOrganizationMembers(f.ctx, "org_nosuchorg000000", store.Page{})
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.ListUserOrganizations(f.ctx, "auth0|nosuch", store.Page{})
		wantErr(t, err, store.ErrNotFound)
		for _, pair := range [][2]string{{"org_nosuchorg000000", a.ID}, {o.ID, "auth0|nosuch"}, {o.ID, "auth0|\x00"}, {"org_\xff", a.ID}} {
			if f.isMember(pair[0], pair[1]) {
				t.Errorf("member(%q, %q)", pair[0], pair[1])
			}
		}
	})

	t.Run("concurrent adds of one member add it once", func(t *testing.T) {
		f := open(t)
		o := f.organization()
		u := f.user(f.connection().ID)
		const adders = 6
		added := make([][]string, adders)
		var wg sync.WaitGroup
		for i := range adders {
			wg.Go(func() {
				var err error
				if added[i], err = f.s.AddOrganizationMembers(f.ctx, o.ID, []string{u.ID}, at(i)); err != nil {
					t.Errorf("adder %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		n := 0
		for _, a := range added {
			n += len(a)
		}
		equal(t, "adders that added", n, 1)
		equal(t, "members", f.memberIDs(o.ID), []string{u.ID})
	})

	t.Run("remove takes the member's roles in the organization and its refresh tokens issued with it", func(t *testing.T) {
		f := open(t)
		cl := f.client()
		c := f.connection()
		o, other := f.organization(), f.organization()
		u, stays, never := f.user(c.ID), f.user(c.ID), f.user(c.ID)
		r := f.role()
		f.addMembers(o.ID, u.ID, stays.ID)
		f.addMembers(other.ID, u.ID)
		for _, org := range []string{o.ID, other.ID} {
			must(t, f.s.AssignMemberRoles(f.ctx, org, u.ID, []string{r.ID}, nil))
		}
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, never.ID, []string{r.ID}, nil)) // ahead of a membership
		must(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{r.ID}, nil))
		inOrg, inOther, personal := f.refreshToken(cl.ClientID, u.ID, o.ID), f.refreshToken(cl.ClientID, u.ID, other.ID),
			f.refreshToken(cl.ClientID, u.ID, "")
		staysTok := f.refreshToken(cl.ClientID, stays.ID, o.ID)

		must(t, f.s.RemoveOrganizationMembers(f.ctx, o.ID, []string{u.ID, never.ID, "auth0|nosuch", "auth0|\x00"}, at(500)))
		equal(t, "members", f.memberIDs(o.ID), []string{stays.ID})
		if !f.isMember(other.ID, u.ID) {
			t.Error("removed from the other organization too")
		}
		roleIDs := func(org, user string) []string {
			l, err := f.s.ListMemberRoles(f.ctx, org, user, store.Page{})
			must(t, err)
			return ids(l.Items, roleID)
		}
		equal(t, "roles in the organization", roleIDs(o.ID, u.ID), nil)
		equal(t, "roles in the other organization", roleIDs(other.ID, u.ID), []string{r.ID})
		equal(t, "roles of a non-member", roleIDs(o.ID, never.ID), []string{r.ID})
		l, err := f.s.ListUserRoles(f.ctx, u.ID, store.Page{})
		must(t, err)
		equal(t, "tenant roles", ids(l.Items, roleID), []string{r.ID})

		for _, tt := range []struct {
			name    string
			tok     store.RefreshToken
			revoked bool
		}{{"in the organization", inOrg, true}, {"in another", inOther, false}, {"personal", personal, false}, {"another member's", staysTok, false}} {
			got, err := f.s.GetRefreshToken(f.ctx, tt.tok.TokenHash)
			must(t, err)
			if revoked := !got.RevokedAt.IsZero(); revoked != tt.revoked {
				t.Errorf("token %s: revoked %v, want %v", tt.name, revoked, tt.revoked)
			} else if revoked {
				equal(t, "revoked at", got.RevokedAt, at(500))
			}
		}
		must(t, f.s.RemoveOrganizationMembers(f.ctx, o.ID, []string{u.ID}, at(600))) // no longer a member: no-op
	})

	t.Run("deleting an organization removes its memberships and member roles", func(t *testing.T) {
		f := open(t)
		cl := f.client()
		o, other := f.organization(), f.organization()
		u := f.user(f.connection().ID)
		r := f.role()
		f.addMembers(o.ID, u.ID)
		f.addMembers(other.ID, u.ID)
		must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r.ID}, nil))
		tok := f.refreshToken(cl.ClientID, u.ID, o.ID)
		code := f.code(cl.ClientID, u.ID, o.ID)
		must(t, f.s.DeleteOrganization(f.ctx, o.ID))
		l, err := f.s.ListUserOrganizations(f.ctx, u.ID, store.Page{})
		must(t, err)
		equal(t, "organizations", ids(l.Items, func(uo store.UserOrganization) string { return uo.Organization.ID }), []string{other.ID})
		_, err = f.s.GetRefreshToken(f.ctx, tok.TokenHash)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.RedeemAuthorizationCode(f.ctx, code.CodeHash, at(0), "fam")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetUser(f.ctx, u.ID)
		must(t, err)
	})
}
