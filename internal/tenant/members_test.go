package tenant

import (
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestOrganizationMemberRules(t *testing.T) {
	p := newPeople(t)
	org := p.organization("acme")
	db := p.connection(store.StrategyAuth0)
	alice, bob := p.user(db.ID), p.user(db.ID)

	members := func() []string {
		t.Helper()
		l, err := p.s.OrganizationMembers(p.ctx, org.ID, store.Page{}, false)
		p.must(err)
		var ids []string
		for _, m := range l.Items {
			ids = append(ids, m.User.ID)
		}
		return ids
	}

	t.Run("fail/an unknown user adds no one", func(t *testing.T) {
		_, err := p.s.AddOrganizationMembers(p.ctx, org.ID, []string{alice.ID, "auth0|nosuchuser"})
		wantError(t, err, KindNotFound, "The user does not exist.")
		if got := members(); len(got) != 0 {
			t.Fatalf("members after the refusal: %v", got)
		}
	})

	t.Run("fail/an unknown organization", func(t *testing.T) {
		_, err := p.s.AddOrganizationMembers(p.ctx, "org_nosuchorg0000000", []string{alice.ID})
		wantError(t, err, KindNotFound, "No organization found by that id or name")
		err = p.s.RemoveOrganizationMembers(p.ctx, "org_nosuchorg0000000", []string{alice.ID})
		wantError(t, err, KindNotFound, "No organization found by that id or name")
		_, err = p.s.OrganizationMembers(p.ctx, "org_nosuchorg0000000", store.Page{}, false)
		wantError(t, err, KindNotFound, "No organization found by that id or name")
	})

	t.Run("fail/1 to 10 ids, each an id", func(t *testing.T) {
		_, err := p.s.AddOrganizationMembers(p.ctx, org.ID, nil)
		wantError(t, err, KindInvalid, "'Array is too short (0), minimum 1' on property members.")
		_, err = p.s.AddOrganizationMembers(p.ctx, org.ID, strings.Split("a,b,c,d,e,f,g,h,i,j,k", ","))
		wantError(t, err, KindInvalid, "'Array is too long (11), maximum 10' on property members.")
		err = p.s.RemoveOrganizationMembers(p.ctx, org.ID, []string{"auth0|a", ""})
		wantError(t, err, KindInvalid, "'String is too short (0 chars), minimum 1' on property members[1].")
		_, err = p.s.AddOrganizationMembers(p.ctx, org.ID, []string{"auth0|\x00"})
		wantError(t, err, KindInvalid, "'String must not contain control characters' on property members[0].")
	})

	t.Run("adding an existing member is a no-op", func(t *testing.T) {
		added, err := p.s.AddOrganizationMembers(p.ctx, org.ID, []string{alice.ID})
		p.must(err)
		if !slices.Equal(added, []string{alice.ID}) {
			t.Fatalf("added %v", added)
		}
		p.now = p.now.Add(1)
		added, err = p.s.AddOrganizationMembers(p.ctx, org.ID, []string{alice.ID, bob.ID})
		p.must(err)
		if !slices.Equal(added, []string{bob.ID}) {
			t.Fatalf("added %v, want only bob", added)
		}
		if got := members(); !slices.Equal(got, []string{alice.ID, bob.ID}) {
			t.Fatalf("members %v, in join order", got)
		}
		ok, err := p.s.IsMember(p.ctx, org.ID, bob.ID)
		if err != nil || !ok {
			t.Fatalf("IsOrganizationMember = %v, %v", ok, err)
		}
	})

	t.Run("members with their roles in the organization", func(t *testing.T) {
		admin := p.role("admin")
		p.must(p.s.AssignMemberRoles(p.ctx, org.ID, alice.ID, []string{admin.ID}))
		l, err := p.s.OrganizationMembers(p.ctx, org.ID, store.Page{}, true)
		p.must(err)
		if len(l.Items) != 2 || len(l.Items[0].Roles) != 1 || l.Items[0].Roles[0].ID != admin.ID || l.Items[1].Roles == nil || len(l.Items[1].Roles) != 0 {
			t.Fatalf("members with roles: %+v", l.Items)
		}
		l, err = p.s.OrganizationMembers(p.ctx, org.ID, store.Page{}, false)
		p.must(err)
		if l.Items[0].Roles != nil {
			t.Fatalf("roles not asked for: %+v", l.Items[0].Roles)
		}
	})

	t.Run("the user's organizations", func(t *testing.T) {
		l, err := p.s.UserMemberships(p.ctx, alice.ID, store.Page{})
		p.must(err)
		if len(l.Items) != 1 || l.Items[0].Organization.ID != org.ID {
			t.Fatalf("organizations of alice: %+v", l.Items)
		}
		_, err = p.s.UserMemberships(p.ctx, "auth0|nosuchuser", store.Page{})
		wantError(t, err, KindNotFound, "The user does not exist.")
	})

	t.Run("removal takes the member's roles there and revokes its refresh tokens with the organization", func(t *testing.T) {
		client := p.client("allow", "")
		other := p.organization("other")
		_, err := p.s.AddOrganizationMembers(p.ctx, other.ID, []string{alice.ID})
		p.must(err)
		inOrg := p.refreshToken(client.ClientID, alice.ID, org.ID)
		inOther := p.refreshToken(client.ClientID, alice.ID, other.ID)

		p.must(p.s.RemoveOrganizationMembers(p.ctx, org.ID, []string{alice.ID, "auth0|nosuchuser"}))
		if got := members(); !slices.Equal(got, []string{bob.ID}) {
			t.Fatalf("members %v", got)
		}
		if _, err := p.s.store.GetUser(p.ctx, alice.ID); err != nil {
			t.Fatalf("the user itself must stay: %v", err)
		}
		roles, err := p.s.MemberRoles(p.ctx, org.ID, alice.ID, store.Page{})
		p.must(err)
		if len(roles.Items) != 0 {
			t.Fatalf("roles left in the organization: %+v", roles.Items)
		}
		tok, err := p.s.store.GetRefreshToken(p.ctx, inOrg.TokenHash)
		if err != nil || tok.RevokedAt.IsZero() {
			t.Fatalf("refresh token with the organization: %+v, %v; want revoked", tok, err)
		}
		tok, err = p.s.store.GetRefreshToken(p.ctx, inOther.TokenHash)
		if err != nil || !tok.RevokedAt.IsZero() {
			t.Fatalf("refresh token with another organization: %+v, %v; want live", tok, err)
		}
		// Removing a non-member is a no-op.
		p.must(p.s.RemoveOrganizationMembers(p.ctx, org.ID, []string{alice.ID}))
	})
}

func TestPagedRecordsStopAtTheLimit(t *testing.T) {
	tests := []struct {
		name string
		page store.Page
		ok   bool
	}{
		{"the first page", store.Page{Limit: 50}, true},
		{"the last page within the limit", store.Page{Offset: 900, Limit: 100}, true},
		{"fail/one page past the limit", store.Page{Offset: 1000, Limit: 100}, false},
		{"fail/a page that straddles the limit", store.Page{Offset: 990, Limit: 30}, false},
		{"checkpoint pages have no limit", store.Page{Checkpoint: true, From: "5000", Limit: 100}, true},
		{"an internal read of everything", store.Page{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPagedRecords(tt.page)
			if tt.ok && err != nil || !tt.ok && err != errBeyondPagedRecords {
				t.Fatalf("checkPagedRecords(%+v) = %v", tt.page, err)
			}
		})
	}
	if want := "Requesting page exceeds the allowed maximum of 1000 records"; errBeyondPagedRecords.Message != want {
		t.Errorf("message %q, want %q", errBeyondPagedRecords.Message, want)
	}
}
