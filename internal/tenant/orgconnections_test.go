package tenant

import (
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestOrganizationConnectionRules(t *testing.T) {
	p := newPeople(t)
	org := p.organization("acme")
	db := p.connection(store.StrategyAuth0)
	oidc := p.connection(store.StrategyOIDC)
	const signupMessage = "Only database connections with assign_membership_on_login = true support is_signup_enabled = true."

	t.Run("fail/refusals before anything is enabled", func(t *testing.T) {
		tests := []struct {
			name  string
			org   string
			in    OrganizationConnectionInput
			kind  Kind
			fragm string
		}{
			{"signup without membership on login", org.ID, OrganizationConnectionInput{ConnectionID: db.ID, IsSignupEnabled: ptr(true)},
				KindInvalid, signupMessage},
			{"signup on a connection other than the database", org.ID,
				OrganizationConnectionInput{ConnectionID: oidc.ID, IsSignupEnabled: ptr(true), AssignMembershipOnLogin: ptr(true)},
				KindInvalid, signupMessage},
			{"no connection id", org.ID, OrganizationConnectionInput{}, KindInvalid, "on property connection_id."},
			{"an unknown connection", org.ID, OrganizationConnectionInput{ConnectionID: "con_nosuchconnection"}, KindNotFound, "The connection does not exist"},
			{"an unknown organization", "org_nosuchorg0000000", OrganizationConnectionInput{ConnectionID: db.ID}, KindNotFound, "No organization found by that id or name"},
			{"signup without membership in an unknown organization: the body first", "org_nosuchorg0000000",
				OrganizationConnectionInput{ConnectionID: db.ID, IsSignupEnabled: ptr(true)}, KindInvalid, signupMessage},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := p.s.AddOrganizationConnection(p.ctx, tt.org, tt.in)
				wantError(t, err, tt.kind, tt.fragm)
			})
		}
	})

	t.Run("enable with the defaults, and a duplicate", func(t *testing.T) {
		e, err := p.s.AddOrganizationConnection(p.ctx, org.ID, OrganizationConnectionInput{ConnectionID: oidc.ID})
		p.must(err)
		want := OrganizationConnection{OrganizationID: org.ID, ConnectionID: oidc.ID, ShowAsButton: true}
		if e.OrganizationConnection != want || e.Connection.Name != oidc.Name || e.IsDatabase() {
			t.Fatalf("entry %+v", e)
		}
		_, err = p.s.AddOrganizationConnection(p.ctx, org.ID, OrganizationConnectionInput{ConnectionID: oidc.ID})
		wantError(t, err, KindConflict, "The organization connection already exists.")
	})

	t.Run("signup on the database with membership on login", func(t *testing.T) {
		e, err := p.s.AddOrganizationConnection(p.ctx, org.ID, OrganizationConnectionInput{ConnectionID: db.ID,
			AssignMembershipOnLogin: ptr(true), IsSignupEnabled: ptr(true), ShowAsButton: ptr(false)})
		p.must(err)
		if !e.IsDatabase() || !e.IsSignupEnabled || e.ShowAsButton {
			t.Fatalf("entry %+v", e)
		}
	})

	t.Run("update keeps the rules on the entry that results", func(t *testing.T) {
		_, err := p.s.UpdateOrganizationConnection(p.ctx, org.ID, db.ID, OrganizationConnectionPatch{AssignMembershipOnLogin: ptr(false)})
		wantError(t, err, KindInvalid, signupMessage)
		_, err = p.s.UpdateOrganizationConnection(p.ctx, org.ID, oidc.ID, OrganizationConnectionPatch{
			AssignMembershipOnLogin: ptr(true), IsSignupEnabled: ptr(true)})
		wantError(t, err, KindInvalid, signupMessage)
		e, err := p.s.UpdateOrganizationConnection(p.ctx, org.ID, db.ID, OrganizationConnectionPatch{
			AssignMembershipOnLogin: ptr(false), IsSignupEnabled: ptr(false)})
		p.must(err)
		if e.AssignMembershipOnLogin || e.IsSignupEnabled || e.ShowAsButton {
			t.Fatalf("entry %+v", e)
		}
		_, err = p.s.UpdateOrganizationConnection(p.ctx, org.ID, "con_nosuchconnection", OrganizationConnectionPatch{})
		wantError(t, err, KindNotFound, "No connection found by that id")
	})

	t.Run("list in the connections' creation order, get, remove", func(t *testing.T) {
		l, err := p.s.OrganizationConnections(p.ctx, org.ID, store.Page{WantTotal: true})
		p.must(err)
		if len(l.Items) != 2 || l.Items[0].ConnectionID != db.ID || l.Items[1].ConnectionID != oidc.ID || l.Total != 2 {
			t.Fatalf("entries %+v", l.Items)
		}
		p.must(p.s.RemoveOrganizationConnection(p.ctx, org.ID, oidc.ID))
		_, err = p.s.OrganizationConnection(p.ctx, org.ID, oidc.ID)
		wantError(t, err, KindNotFound, "No connection found by that id")
		wantError(t, p.s.RemoveOrganizationConnection(p.ctx, org.ID, oidc.ID), KindNotFound, "No connection found by that id")
		_, err = p.s.OrganizationConnection(p.ctx, "org_nosuchorg0000000", db.ID)
		wantError(t, err, KindNotFound, "No organization found by that id or name")
	})

	t.Run("fail/more than 10 per organization", func(t *testing.T) {
		crowded := p.organization("crowded")
		for range MaxConnectionsPerOrganization {
			_, err := p.s.AddOrganizationConnection(p.ctx, crowded.ID, OrganizationConnectionInput{ConnectionID: p.connection(store.StrategyOIDC).ID})
			p.must(err)
		}
		_, err := p.s.AddOrganizationConnection(p.ctx, crowded.ID, OrganizationConnectionInput{ConnectionID: db.ID})
		wantError(t, err, KindConflict, "An organization cannot have more than 10 connections.")
	})
}
