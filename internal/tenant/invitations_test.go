package tenant

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func TestInvitationURL(t *testing.T) {
	inv := Invitation{TicketID: "Mh3BJVTaC4nsZImXBzPulFiq5kFP1KLs"}
	org := Organization{ID: "org_Hf9UNU0EQOLcvFyx", Name: "acme"}
	const params = "invitation=Mh3BJVTaC4nsZImXBzPulFiq5kFP1KLs&organization=org_Hf9UNU0EQOLcvFyx&organization_name=acme"
	tests := []struct {
		name, base, want string
	}{
		{"the SPEC's example", "https://mycompany.org/login", "https://mycompany.org/login?" + params},
		{"a route with a query", "https://mycompany.org/login?lang=fr", "https://mycompany.org/login?lang=fr&" + params},
		{"a route ending with ?", "https://mycompany.org/login?", "https://mycompany.org/login?" + params},
		{"a route with a port and a fragment", "https://app.example:8443/#/start", "https://app.example:8443/?" + params + "#/start"},
		{"fail/http", "http://mycompany.org/login", ""},
		{"fail/localhost", "https://localhost/login", ""},
		{"fail/localhost in capitals, with a port", "https://LOCALHOST:3000/login", ""},
		{"fail/a subdomain of localhost", "https://app.localhost/login", ""},
		{"fail/a loopback address", "https://127.0.0.1/login", ""},
		{"fail/the IPv6 loopback", "https://[::1]/login", ""},
		{"fail/none", "", ""},
		{"fail/not absolute", "/login", ""},
		{"fail/user information", "https://user@mycompany.org/login", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := invitationURL(tt.base, inv, org)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("invitationURL(%q) = %q, %v; want %q", tt.base, got, ok, tt.want)
			}
		})
	}
	t.Run("names that need escaping are escaped", func(t *testing.T) {
		got, _ := invitationURL("https://x.example/", Invitation{TicketID: "t"}, Organization{ID: "org_a", Name: "a&b=c"})
		if want := "https://x.example/?invitation=t&organization=org_a&organization_name=a%26b%3Dc"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

func TestInviteeEmail(t *testing.T) {
	for _, ok := range []string{"jane@example.com", "Jane.Doe+tag@sub.example.co"} {
		if err := checkInviteeEmail("invitee.email", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "jane", "jane@example", "Jane <jane@example.com>", "<jane@example.com>", "jane@@example.com",
		"jane@example.com\n", strings.Repeat("a", 250) + "@example.com"} {
		if err := checkInviteeEmail("invitee.email", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPersonMetadata(t *testing.T) {
	raw := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	deep := func(levels int) string { // the metadata object itself is the first level
		return strings.Repeat(`{"a":`, levels) + "1" + strings.Repeat("}", levels)
	}
	tests := []struct {
		name, metadata, msg string
	}{
		{"any JSON values", `{"plan":"gold","seats":5,"tags":["a"],"nested":{"x":null}}`, ""},
		{"10 levels", deep(10), ""},
		{"fail/11 levels", deep(11), "'The object is nested more than 10 levels deep' on property app_metadata.a."},
		{"fail/11 levels through arrays", `{"a":[[[[[[[[[[1]]]]]]]]]]}`, "'The object is nested more than 10 levels deep'"},
		{"fail/a dot in a key", `{"a.b":1}`, `'Metadata keys may not contain '.' or '$'' on property app_metadata.a.b.`},
		{"fail/a dollar in a nested key", `{"a":{"$where":1}}`, `'Metadata keys may not contain '.' or '$'' on property app_metadata.a.`},
		{"fail/over 16 KB", `{"a":"` + strings.Repeat("x", 16<<10) + `"}`, "'The object is larger than 16384 bytes serialized (16392)'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPersonMetadata("app_metadata", raw(tt.metadata))
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, KindInvalid, tt.msg)
		})
	}
}

// invitationWorld is an organization with a database connection enabled, an application that allows
// organizations, and a role.
type invitationWorld struct {
	*people
	org    Organization
	client Client
	db     store.Connection
	role   Role
}

func newInvitationWorld(t *testing.T) *invitationWorld {
	p := newPeople(t)
	w := &invitationWorld{people: p, org: p.organization("acme"), client: p.client("require", "https://app.example/login"),
		db: p.connection(store.StrategyAuth0), role: p.role("member")}
	_, err := p.s.AddOrganizationConnection(p.ctx, w.org.ID, OrganizationConnectionInput{ConnectionID: w.db.ID})
	p.must(err)
	return w
}

func (w *invitationWorld) input(email string) InvitationInput {
	return InvitationInput{InviterName: "Ada", InviteeEmail: email, ClientID: w.client.ClientID}
}

func TestCreateInvitation(t *testing.T) {
	w := newInvitationWorld(t)
	ctx := w.ctx

	t.Run("the defaults", func(t *testing.T) {
		inv, err := w.s.CreateInvitation(ctx, w.org.ID, w.input("Jane@Example.com"))
		w.must(err)
		if !regexp.MustCompile(`^uinv_[A-Za-z0-9]{16}$`).MatchString(inv.ID) || !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(inv.TicketID) {
			t.Fatalf("id %q, ticket %q", inv.ID, inv.TicketID)
		}
		if inv.InviteeEmail != "jane@example.com" || !inv.SendInvitationEmail || inv.ExpiresAt.Sub(inv.CreatedAt) != 7*24*time.Hour ||
			inv.ConnectionID != "" || inv.Roles != nil || inv.AppMetadata != nil {
			t.Fatalf("invitation %+v", inv.Invitation)
		}
		want := "https://app.example/login?invitation=" + inv.TicketID + "&organization=" + w.org.ID + "&organization_name=acme"
		if inv.URL != want {
			t.Fatalf("url %q, want %q", inv.URL, want)
		}
		got, err := w.s.Invitation(ctx, w.org.ID, inv.ID)
		w.must(err)
		if got.URL != want || !got.CreatedAt.Equal(inv.CreatedAt) || !got.ExpiresAt.Equal(inv.ExpiresAt) {
			t.Fatalf("read back %+v", got)
		}
	})

	t.Run("everything given; an empty metadata object is none", func(t *testing.T) {
		in := w.input("max@example.com")
		in.ConnectionID = &w.db.ID
		in.Roles = &[]string{w.role.ID, w.role.ID}
		in.AppMetadata = map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)}
		in.UserMetadata = map[string]json.RawMessage{}
		in.TTLSec = ptr(60)
		in.SendInvitationEmail = ptr(false)
		inv, err := w.s.CreateInvitation(ctx, w.org.ID, in)
		w.must(err)
		if inv.ConnectionID != w.db.ID || len(inv.Roles) != 1 || string(inv.AppMetadata["plan"]) != `"gold"` || inv.UserMetadata != nil ||
			inv.SendInvitationEmail || inv.ExpiresAt.Sub(inv.CreatedAt) != time.Minute {
			t.Fatalf("invitation %+v", inv.Invitation)
		}
	})

	t.Run("the tenant's default route when the application has none", func(t *testing.T) {
		other := w.people.client("allow", "")
		in := w.input("tom@example.com")
		in.ClientID = other.ClientID
		_, err := w.s.CreateInvitation(ctx, w.org.ID, in)
		wantError(t, err, KindInvalid, "A default login route is required to generate the invitation url.")
		_, err = w.s.store.UpdateTenantSettings(ctx, func(s *store.TenantSettings) error {
			s.DefaultRedirectionURI = "https://portal.example/start"
			return nil
		})
		w.must(err)
		inv, err := w.s.CreateInvitation(ctx, w.org.ID, in)
		w.must(err)
		if !strings.HasPrefix(inv.URL, "https://portal.example/start?invitation=") {
			t.Fatalf("url %q", inv.URL)
		}
	})

	t.Run("a new invitation for the same email replaces the outstanding one", func(t *testing.T) {
		first, err := w.s.CreateInvitation(ctx, w.org.ID, w.input("sam@example.com"))
		w.must(err)
		second, err := w.s.CreateInvitation(ctx, w.org.ID, w.input("SAM@example.com"))
		w.must(err)
		_, err = w.s.Invitation(ctx, w.org.ID, first.ID)
		wantError(t, err, KindNotFound, "The invitation does not exist.")
		if _, err := w.s.Invitation(ctx, w.org.ID, second.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("fail/refusals", func(t *testing.T) {
		denied := w.people.client("deny", "https://app.example/login")
		unset := w.people.client("", "https://app.example/login")
		local := w.people.client("allow", "https://localhost:3000/login")
		oidc := w.connection(store.StrategyOIDC)
		with := func(f func(*InvitationInput)) InvitationInput {
			in := w.input("new@example.com")
			f(&in)
			return in
		}
		tests := []struct {
			name string
			org  string
			in   InvitationInput
			kind Kind
			msg  string
		}{
			{"no inviter name", w.org.ID, with(func(in *InvitationInput) { in.InviterName = "" }), KindInvalid,
				"'String is too short (0 chars), minimum 1' on property inviter.name."},
			{"a long inviter name", w.org.ID, with(func(in *InvitationInput) { in.InviterName = strings.Repeat("n", 301) }), KindInvalid,
				"'String is too long (301 chars), maximum 300' on property inviter.name."},
			{"not an email", w.org.ID, with(func(in *InvitationInput) { in.InviteeEmail = "jane" }), KindInvalid,
				"'Object didn't pass validation for format email: jane' on property invitee.email."},
			{"a negative ttl", w.org.ID, with(func(in *InvitationInput) { in.TTLSec = ptr(-1) }), KindInvalid,
				"'Value -1 is outside 0..2592000' on property ttl_sec."},
			{"a ttl over 30 days", w.org.ID, with(func(in *InvitationInput) { in.TTLSec = ptr(2592001) }), KindInvalid,
				"'Value 2592001 is outside 0..2592000' on property ttl_sec."},
			{"no roles", w.org.ID, with(func(in *InvitationInput) { in.Roles = &[]string{} }), KindInvalid,
				"'Array is too short (0), minimum 1' on property roles."},
			{"51 roles", w.org.ID, with(func(in *InvitationInput) { in.Roles = ptr(make([]string, 51)) }), KindInvalid,
				"'Array is too long (51), maximum 50' on property roles."},
			{"an empty connection_id", w.org.ID, with(func(in *InvitationInput) { in.ConnectionID = ptr("") }), KindInvalid,
				"on property connection_id."},
			{"a bad metadata key, in an unknown organization: the body first", "org_nosuchorg0000000",
				with(func(in *InvitationInput) { in.UserMetadata = map[string]json.RawMessage{"a.b": json.RawMessage(`1`)} }), KindInvalid,
				"on property user_metadata.a.b."},
			{"an unknown organization", "org_nosuchorg0000000", w.input("new@example.com"), KindNotFound, "No organization found by that id or name"},
			{"an unknown client", w.org.ID, with(func(in *InvitationInput) { in.ClientID = "nosuchclient" }), KindInvalid,
				"The specified client_id does not exist."},
			{"a client that denies organizations", w.org.ID, with(func(in *InvitationInput) { in.ClientID = denied.ClientID }), KindInvalid,
				"The specified client does not allow organizations"},
			{"a client whose organization_usage is unset", w.org.ID, with(func(in *InvitationInput) { in.ClientID = unset.ClientID }), KindInvalid,
				"The specified client does not allow organizations"},
			{"an unknown connection", w.org.ID, with(func(in *InvitationInput) { in.ConnectionID = ptr("con_nosuchconnection") }), KindInvalid,
				"The specified connection does not exist."},
			{"a connection not enabled for the organization", w.org.ID, with(func(in *InvitationInput) { in.ConnectionID = &oidc.ID }), KindInvalid,
				"The specified connection is not enabled for this organization."},
			{"unknown roles", w.org.ID, with(func(in *InvitationInput) { in.Roles = &[]string{w.role.ID, "rol_x", "rol_y"} }), KindInvalid,
				"One or more of the specified roles do not exist: rol_x, rol_y"},
			{"a login route on localhost", w.org.ID, with(func(in *InvitationInput) { in.ClientID = local.ClientID }), KindInvalid,
				"A default login route is required to generate the invitation url."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.s.CreateInvitation(ctx, tt.org, tt.in)
				wantError(t, err, tt.kind, tt.msg)
			})
		}
		l, err := w.s.Invitations(ctx, w.org.ID, false, store.Page{})
		w.must(err)
		for _, inv := range l.Items {
			if inv.InviteeEmail == "new@example.com" {
				t.Fatalf("a refused invitation was stored: %+v", inv)
			}
		}
	})
}

func TestInvitationLifecycle(t *testing.T) {
	w := newInvitationWorld(t)
	ctx := w.ctx
	in := w.input("jane@example.com")
	in.Roles = &[]string{w.role.ID}
	in.TTLSec = ptr(3600)
	inv, err := w.s.CreateInvitation(ctx, w.org.ID, in)
	w.must(err)

	t.Run("list: newest first by default, oldest first on asking, 1,000 records at most", func(t *testing.T) {
		w.now = w.now.Add(time.Second)
		later, err := w.s.CreateInvitation(ctx, w.org.ID, w.input("max@example.com"))
		w.must(err)
		l, err := w.s.Invitations(ctx, w.org.ID, false, store.Page{Limit: 50})
		w.must(err)
		if len(l.Items) != 2 || l.Items[0].ID != later.ID || l.Items[0].URL == "" {
			t.Fatalf("newest first: %+v", l.Items)
		}
		l, err = w.s.Invitations(ctx, w.org.ID, true, store.Page{Limit: 50})
		w.must(err)
		if l.Items[0].ID != inv.ID {
			t.Fatalf("oldest first: %+v", l.Items)
		}
		_, err = w.s.Invitations(ctx, w.org.ID, false, store.Page{Offset: 1000, Limit: 50})
		wantError(t, err, KindInvalid, "Requesting page exceeds the allowed maximum of 1000 records")
		_, err = w.s.Invitations(ctx, "org_nosuchorg0000000", false, store.Page{})
		wantError(t, err, KindNotFound, "No organization found by that id or name")
		w.must(w.s.DeleteInvitation(ctx, w.org.ID, later.ID))
		w.must(w.s.DeleteInvitation(ctx, w.org.ID, later.ID)) // unknown: no error
		wantError(t, w.s.DeleteInvitation(ctx, "org_nosuchorg0000000", later.ID), KindNotFound, "No organization found")
	})

	// The login flow's InvitationByTicket and AcceptInvitation (logins.go) on invitations made here.
	t.Run("a ticket finds its invitation until it expires", func(t *testing.T) {
		got, err := w.s.InvitationByTicket(ctx, inv.TicketID)
		if err != nil || got.ID != inv.ID {
			t.Fatalf("by ticket: %+v, %v", got, err)
		}
		for _, bad := range []string{"", "short", strings.Repeat("A", 32), inv.TicketID + "x", "\x00"} {
			_, err := w.s.InvitationByTicket(ctx, bad)
			wantError(t, err, KindNotFound, ErrLoginNotFound.Message)
		}
	})

	t.Run("an expired invitation stays readable, but its ticket is dead and it cannot be accepted", func(t *testing.T) {
		saved := w.now
		w.now = inv.ExpiresAt
		defer func() { w.now = saved }()
		_, err := w.s.InvitationByTicket(ctx, inv.TicketID)
		wantError(t, err, KindNotFound, ErrLoginNotFound.Message)
		if _, err := w.s.Invitation(ctx, w.org.ID, inv.ID); err != nil {
			t.Fatalf("expired and unreadable: %v", err)
		}
		err = w.s.AcceptInvitation(ctx, inv.Invitation, w.user(w.db.ID).ID)
		wantError(t, err, KindNotFound, ErrLoginNotFound.Message)
	})

	t.Run("acceptance: a member with the roles and a verified email; the invitation is gone", func(t *testing.T) {
		jane := w.user(w.db.ID)
		err := w.s.AcceptInvitation(ctx, inv.Invitation, "auth0|nosuchuser")
		wantError(t, err, KindNotFound, ErrLoginNotFound.Message)
		w.must(w.s.AcceptInvitation(ctx, inv.Invitation, jane.ID))
		if ok, _ := w.s.IsMember(ctx, w.org.ID, jane.ID); !ok {
			t.Fatal("not a member")
		}
		roles, err := w.s.MemberRoles(ctx, w.org.ID, jane.ID, store.Page{})
		w.must(err)
		if len(roles.Items) != 1 || roles.Items[0].ID != w.role.ID {
			t.Fatalf("roles %+v", roles.Items)
		}
		u, err := w.s.store.GetUser(ctx, jane.ID)
		if err != nil || !u.EmailVerified {
			t.Fatalf("user %+v, %v", u, err)
		}
		wantError(t, w.s.AcceptInvitation(ctx, inv.Invitation, jane.ID), KindNotFound, ErrLoginNotFound.Message)
		_, err = w.s.Invitation(ctx, w.org.ID, inv.ID)
		wantError(t, err, KindNotFound, "The invitation does not exist.")
	})
}

func TestExpiredInvitationsAreDeletedAfter30Days(t *testing.T) {
	w := newInvitationWorld(t)
	in := w.input("jane@example.com")
	in.TTLSec = ptr(60)
	inv, err := w.s.CreateInvitation(w.ctx, w.org.ID, in)
	w.must(err)

	w.now = inv.ExpiresAt.Add(InvitationRetention - time.Second)
	w.must(w.s.DeleteExpiredInvitations(w.ctx))
	if _, err := w.s.Invitation(w.ctx, w.org.ID, inv.ID); err != nil {
		t.Fatalf("deleted before its 30 days: %v", err)
	}
	w.now = inv.ExpiresAt.Add(InvitationRetention)
	w.must(w.s.DeleteExpiredInvitations(w.ctx))
	_, err = w.s.Invitation(w.ctx, w.org.ID, inv.ID)
	wantError(t, err, KindNotFound, "The invitation does not exist.")
}
