package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newConnection(strategy string) store.Connection {
	n := f.next()
	return store.Connection{
		ID:           fmt.Sprintf("con_%016d", n),
		Name:         fmt.Sprintf("conn-%d", n),
		DisplayName:  fmt.Sprintf("Connection %d", n),
		Strategy:     strategy,
		Options:      json.RawMessage(`{"passwordPolicy":"good"}`),
		ShowAsButton: true,
		Realms:       []string{fmt.Sprintf("conn-%d", n)},
		CreatedAt:    at(n),
		UpdatedAt:    at(n),
	}
}

// connection creates a database connection enabled for the clients named.
func (f *fixture) connection(enabledClients ...string) store.Connection {
	f.t.Helper()
	c := f.newConnection(store.StrategyAuth0)
	must(f.t, f.s.CreateConnection(f.ctx, c, enabledClients))
	return c
}

func connectionID(c store.Connection) string { return c.ID }

// connectionClients lists the ids of all clients a connection is enabled for.
func (f *fixture) connectionClients(id string) []string {
	f.t.Helper()
	l, err := f.s.ListConnectionClients(f.ctx, id, store.Page{})
	must(f.t, err)
	return l.Items
}

func testConnections(t *testing.T, open opener) {
	t.Run("create then get by id and by name returns every field", func(t *testing.T) {
		f := open(t)
		c := store.Connection{
			ID:                 "con_abcdefghijklmnop",
			Name:               "acme-oidc",
			DisplayName:        "Acme SSO",
			Strategy:           store.StrategyOIDC,
			Options:            json.RawMessage(`{"client_id":"abc", "scope": "openid email",  "type":"back_channel"}`),
			ShowAsButton:       true,
			Realms:             []string{"acme-oidc", "acme"},
			Metadata:           map[string]string{"tier": "gold"},
			IsDomainConnection: true,
			CreatedAt:          inZone(),
			UpdatedAt:          inZone().Add(time.Second),
		}
		must(t, f.s.CreateConnection(f.ctx, c, nil))
		want := c
		want.CreatedAt, want.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		got, err := f.s.GetConnection(f.ctx, c.ID)
		must(t, err)
		equal(t, "by id", got, want) // the options byte for byte
		got, err = f.s.GetConnectionByName(f.ctx, c.Name)
		must(t, err)
		equal(t, "by name", got, want)
	})

	t.Run("nil and empty options, realms and metadata read back as nil", func(t *testing.T) {
		f := open(t)
		for _, empty := range []bool{false, true} {
			c := f.newConnection(store.StrategyAuth0)
			c.Options, c.Realms, c.Metadata = nil, nil, nil
			if empty {
				c.Options, c.Realms, c.Metadata = json.RawMessage{}, []string{}, map[string]string{}
			}
			must(t, f.s.CreateConnection(f.ctx, c, nil))
			got, err := f.s.GetConnection(f.ctx, c.ID)
			must(t, err)
			if got.Options != nil || got.Realms != nil || got.Metadata != nil {
				t.Errorf("empty=%v read back as %s", empty, show(got))
			}
		}
	})

	t.Run("unknown id and name are not found", func(t *testing.T) {
		f := open(t)
		f.connection()
		_, err := f.s.GetConnection(f.ctx, "con_nosuchconnection")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetConnectionByName(f.ctx, "nosuch")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.ListConnectionClients(f.ctx, "con_nosuchconnection", store.Page{})
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.UpdateConnection(f.ctx, "con_nosuchconnection", func(*store.Connection) error {
			t.Error("update function called")
			return nil
		})
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.UpdateConnectionClients(f.ctx, "con_nosuchconnection", nil, nil), store.ErrNotFound)
		wantErr(t, f.s.DeleteConnection(f.ctx, "con_nosuchconnection"), store.ErrNotFound)
		_, err = f.s.ListClientConnections(f.ctx, "nosuchclient", store.Page{})
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("create with a taken id or name conflicts", func(t *testing.T) {
		f := open(t)
		first := f.connection()
		dupID, dupName := f.newConnection(store.StrategyOIDC), f.newConnection(store.StrategyOIDC)
		dupID.ID, dupName.Name = first.ID, first.Name
		wantErr(t, f.s.CreateConnection(f.ctx, dupID, nil), store.ErrConflict)
		wantErr(t, f.s.CreateConnection(f.ctx, dupName, nil), store.ErrConflict)
		got, err := f.s.GetConnection(f.ctx, first.ID)
		must(t, err)
		equal(t, "kept", got, first)
	})

	t.Run("create enables the clients named, and an unknown client creates nothing", func(t *testing.T) {
		f := open(t)
		a, b := f.client(), f.client()
		c := f.connection(b.ClientID, a.ClientID, a.ClientID)
		equal(t, "enabled clients, in client order", f.connectionClients(c.ID), []string{a.ClientID, b.ClientID})

		bad := f.newConnection(store.StrategyAuth0)
		wantErr(t, f.s.CreateConnection(f.ctx, bad, []string{a.ClientID, "nosuchclient"}), store.ErrNotFound)
		_, err := f.s.GetConnection(f.ctx, bad.ID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("update connection clients enables and disables together", func(t *testing.T) {
		f := open(t)
		a, b, cl := f.client(), f.client(), f.client()
		c := f.connection(a.ClientID)
		must(t, f.s.UpdateConnectionClients(f.ctx, c.ID, []string{cl.ClientID, b.ClientID, b.ClientID}, []string{a.ClientID, "nosuchclient"}))
		equal(t, "enabled clients", f.connectionClients(c.ID), []string{b.ClientID, cl.ClientID})
		must(t, f.s.UpdateConnectionClients(f.ctx, c.ID, nil, []string{a.ClientID})) // not enabled: no error

		wantErr(t, f.s.UpdateConnectionClients(f.ctx, c.ID, []string{a.ClientID, "nosuchclient"}, []string{b.ClientID}), store.ErrNotFound)
		equal(t, "unchanged", f.connectionClients(c.ID), []string{b.ClientID, cl.ClientID})
	})

	t.Run("the connections of a client", func(t *testing.T) {
		f := open(t)
		a, b := f.client(), f.client()
		c1, _, c3 := f.connection(a.ClientID), f.connection(b.ClientID), f.connection(b.ClientID, a.ClientID)
		l, err := f.s.ListClientConnections(f.ctx, a.ClientID, store.Page{})
		must(t, err)
		equal(t, "connections of a", l.Items, []store.Connection{c1, c3})
		none := f.client()
		l, err = f.s.ListClientConnections(f.ctx, none.ClientID, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "connections of a client with none", l, store.List[store.Connection]{})
	})

	t.Run("list filters by strategy and by name", func(t *testing.T) {
		f := open(t)
		db, oidc, saml := f.connection(), f.newConnection(store.StrategyOIDC), f.newConnection(store.StrategySAMLP)
		must(t, f.s.CreateConnection(f.ctx, oidc, nil))
		must(t, f.s.CreateConnection(f.ctx, saml, nil))
		for _, tt := range []struct {
			name   string
			filter store.ConnectionFilter
			want   []string
		}{
			{"all", store.ConnectionFilter{}, []string{db.ID, oidc.ID, saml.ID}},
			{"one strategy", store.ConnectionFilter{Strategies: []string{store.StrategyOIDC}}, []string{oidc.ID}},
			{"two strategies", store.ConnectionFilter{Strategies: []string{store.StrategySAMLP, store.StrategyAuth0}}, []string{db.ID, saml.ID}},
			{"unknown strategy", store.ConnectionFilter{Strategies: []string{"ad"}}, nil},
			{"name", store.ConnectionFilter{Name: oidc.Name}, []string{oidc.ID}},
			{"name and another strategy", store.ConnectionFilter{Name: oidc.Name, Strategies: []string{store.StrategyAuth0}}, nil},
			{"unknown name", store.ConnectionFilter{Name: "nosuch"}, nil},
			{"name with a NUL byte", store.ConnectionFilter{Name: "nul\x00"}, nil},
			{"strategy that is not UTF-8", store.ConnectionFilter{Strategies: []string{"bad\xff"}}, nil},
		} {
			l, err := f.s.ListConnections(f.ctx, tt.filter, store.Page{WantTotal: true})
			must(t, err)
			equal(t, tt.name, ids(l.Items, connectionID), tt.want)
			equal(t, tt.name+" total", l.Total, len(tt.want))
		}
	})

	t.Run("update stores what fn leaves but keeps id, name, strategy and creation time", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		want := c
		want.DisplayName, want.Options, want.ShowAsButton = "Renamed", json.RawMessage(`{"disable_signup":true}`), false
		want.Realms, want.Metadata, want.IsDomainConnection = []string{"x"}, map[string]string{"a": "b"}, true
		want.UpdatedAt = at(1000)
		got, err := f.s.UpdateConnection(f.ctx, c.ID, func(x *store.Connection) error {
			equal(t, "fn receives", *x, c)
			*x = want
			x.ID, x.Name, x.Strategy, x.CreatedAt = "con_other00000000000", "other", store.StrategyOIDC, at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetConnection(f.ctx, c.ID)
		must(t, err)
		equal(t, "stored", got, want)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		_, err := f.s.UpdateConnection(f.ctx, c.ID, func(x *store.Connection) error {
			x.DisplayName = "Changed"
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetConnection(f.ctx, c.ID)
		must(t, err)
		equal(t, "stored", got, c)
	})

	t.Run("delete removes its users and what goes with them, its organization entries and invitations", func(t *testing.T) {
		f := open(t)
		cl := f.client()
		c, other := f.connection(cl.ClientID), f.connection(cl.ClientID)
		o := f.organization()
		gone, stays := f.user(c.ID), f.user(other.ID)
		f.addOrgConnection(o.ID, c.ID)
		f.addOrgConnection(o.ID, other.ID)
		r := f.role()
		for _, u := range []store.User{gone, stays} {
			f.addMembers(o.ID, u.ID)
			must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r.ID}, nil))
			must(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{r.ID}, nil))
		}
		sess := f.loginSession(gone.ID, at(1000))
		code := f.code(cl.ClientID, gone.ID, o.ID)
		tok := f.refreshToken(cl.ClientID, gone.ID, o.ID)
		inv := f.newInvitation(o.ID, cl.ClientID)
		inv.ConnectionID = c.ID
		must(t, f.s.CreateInvitation(f.ctx, inv, false))

		must(t, f.s.DeleteConnection(f.ctx, c.ID))
		_, err := f.s.GetConnection(f.ctx, c.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetUser(f.ctx, gone.ID)
		wantErr(t, err, store.ErrNotFound)
		f.wantUserGone(gone.ID, o.ID, sess, code, tok)
		_, err = f.s.GetOrganizationConnection(f.ctx, o.ID, c.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetInvitation(f.ctx, o.ID, inv.ID)
		wantErr(t, err, store.ErrNotFound)

		equal(t, "members", f.memberIDs(o.ID), []string{stays.ID})
		l, err := f.s.ListOrganizationConnections(f.ctx, o.ID, store.Page{})
		must(t, err)
		equal(t, "organization connections", ids(l.Items, orgConnectionID), []string{other.ID})
		l2, err := f.s.ListClientConnections(f.ctx, cl.ClientID, store.Page{})
		must(t, err)
		equal(t, "client's connections", ids(l2.Items, connectionID), []string{other.ID})
		_, err = f.s.GetClient(f.ctx, cl.ClientID)
		must(t, err)
		wantErr(t, f.s.DeleteConnection(f.ctx, c.ID), store.ErrNotFound)
	})

	t.Run("deleting a client disables its connections for it", func(t *testing.T) {
		f := open(t)
		a, b := f.client(), f.client()
		c := f.connection(a.ClientID, b.ClientID)
		must(t, f.s.DeleteClient(f.ctx, a.ClientID))
		equal(t, "enabled clients", f.connectionClients(c.ID), []string{b.ClientID})
	})
}
