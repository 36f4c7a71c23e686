package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// loginWorld is a service with fast password hashing, a database connection enabled for a web
// application and for an organization, and a user of that connection.
type loginWorld struct {
	s      *Service
	conn   store.Connection
	client store.Client
	org    store.Organization
	user   store.User
}

const testPassword = "Corr3ct-horse"

func newLoginWorld(t *testing.T, options string, entry store.OrganizationConnection) loginWorld {
	t.Helper()
	ctx := t.Context()
	hasher, err := password.NewHasher(password.Options{Params: password.Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	st := openSQLite(t)
	s, err := Open(ctx, st, Options{Issuer: testIssuer, Passwords: hasher})
	if err != nil {
		t.Fatal(err)
	}
	w := loginWorld{s: s}
	if w.client, _, err = s.CreateClient(ctx, ClientInput{Name: "web", AppType: ptr("regular_web")}); err != nil {
		t.Fatal(err)
	}
	w.conn = store.Connection{ID: "con_db00000000000001", Name: "db", Strategy: store.StrategyAuth0, Options: json.RawMessage(options),
		CreatedAt: s.now(), UpdatedAt: s.now()}
	if err := st.CreateConnection(ctx, w.conn, []string{w.client.ClientID}); err != nil {
		t.Fatal(err)
	}
	if w.org, err = s.CreateOrganization(ctx, OrganizationInput{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	entry.OrganizationID, entry.ConnectionID = w.org.ID, w.conn.ID
	if err := st.AddOrganizationConnection(ctx, entry, nil); err != nil {
		t.Fatal(err)
	}
	lc, err := s.LoginConnection(ctx, w.client.ClientID, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.user, err = s.SignUp(ctx, lc, "Ann@Acme.test", testPassword, true); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLoginConnection(t *testing.T) {
	w := newLoginWorld(t, `{"passwordPolicy":"fair","password_complexity_options":{"min_length":10},"disable_signup":true}`,
		store.OrganizationConnection{AssignMembershipOnLogin: true, IsSignupEnabled: true})
	ctx := t.Context()
	forClient, err := w.s.LoginConnection(ctx, w.client.ClientID, "")
	if err != nil || forClient.Connection.ID != w.conn.ID || forClient.SignupAllowed || forClient.AssignMembership ||
		forClient.Policy != password.PolicyFair || forClient.MinLength != 10 {
		t.Fatalf("the client's connection: %+v, %v", forClient, err)
	}
	forOrg, err := w.s.LoginConnection(ctx, w.client.ClientID, w.org.ID)
	if err != nil || !forOrg.SignupAllowed || !forOrg.AssignMembership {
		t.Fatalf("the organization's connection: %+v, %v", forOrg, err)
	}
	other, _ := w.s.CreateOrganization(ctx, OrganizationInput{Name: "globex"})
	if _, err := w.s.LoginConnection(ctx, w.client.ClientID, other.ID); !errors.Is(err, ErrNoLoginConnection) {
		t.Fatalf("an organization without connections: %v", err)
	}
}

func TestAuthenticateAndSignUp(t *testing.T) {
	w := newLoginWorld(t, `{}`, store.OrganizationConnection{})
	ctx := t.Context()
	lc, err := w.s.LoginConnection(ctx, w.client.ClientID, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.user.Email != "ann@acme.test" || w.user.Nickname != "ann" || w.user.LoginsCount != 1 {
		t.Errorf("signed-up user %+v", w.user)
	}
	u, err := w.s.Authenticate(ctx, lc, " ANN@acme.test", testPassword)
	if err != nil || u.ID != w.user.ID || u.LoginsCount != 2 {
		t.Fatalf("Authenticate = %+v, %v", u, err)
	}
	for name, try := range map[string][2]string{"wrong password": {"ann@acme.test", "nope"}, "unknown email": {"bob@acme.test", testPassword}} {
		if _, err := w.s.Authenticate(ctx, lc, try[0], try[1]); err != ErrWrongCredentials {
			t.Errorf("%s: %v, want ErrWrongCredentials", name, err)
		}
	}
	if _, err := w.s.SignUp(ctx, lc, "ann@acme.test", testPassword, true); err != ErrUserExists {
		t.Errorf("a second sign-up: %v", err)
	}
	if _, err := w.s.SignUp(ctx, lc, "bob@acme.test", "short", true); !errors.As(err, new(*Error)) {
		t.Errorf("a weak password: %v", err)
	}
	if _, err := w.s.SignUp(ctx, lc, "not an email", testPassword, true); !errors.As(err, new(*Error)) {
		t.Errorf("a bad email: %v", err)
	}
	if _, err := w.s.SignUp(ctx, lc, "bob@acme.test", testPassword, false); err != ErrSignupDisabled {
		t.Errorf("sign-up not allowed: %v", err)
	}
	if _, err := w.s.store.UpdateUser(ctx, w.user.ID, func(u *store.User) error { u.Blocked = ptr(true); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Authenticate(ctx, lc, "ann@acme.test", testPassword); err != ErrUserBlocked {
		t.Errorf("a blocked user: %v", err)
	}
	if _, err := w.s.Authenticate(ctx, lc, "ann@acme.test", "nope"); err != ErrWrongCredentials {
		t.Errorf("a blocked user with a wrong password learns nothing: %v", err)
	}
}

func TestEnsureMember(t *testing.T) {
	ctx := context.Background()
	for _, assign := range []bool{false, true} {
		w := newLoginWorld(t, `{}`, store.OrganizationConnection{AssignMembershipOnLogin: assign})
		lc, err := w.s.LoginConnection(ctx, w.client.ClientID, w.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		err = w.s.EnsureMember(ctx, w.org.ID, w.user.ID, lc)
		member, _ := w.s.IsMember(ctx, w.org.ID, w.user.ID)
		switch {
		case assign && (err != nil || !member):
			t.Errorf("assign_membership_on_login: %v, member %v", err, member)
		case !assign && (err != ErrNotMember || member):
			t.Errorf("without it: %v, member %v", err, member)
		}
	}
}

func TestSessionsAndTransactions(t *testing.T) {
	w := newLoginWorld(t, `{}`, store.OrganizationConnection{})
	ctx := t.Context()
	ls, err := w.s.StartSession(ctx, w.user, w.conn.ID)
	if err != nil || ls.Token == "" || ls.Session.ExpiresAt.Sub(ls.Session.CreatedAt) != 168*time.Hour ||
		ls.Session.IdleExpiresAt.Sub(ls.Session.CreatedAt) != 72*time.Hour {
		t.Fatalf("StartSession = %+v, %v", ls, err)
	}
	got, err := w.s.Session(ctx, ls.Token)
	if err != nil || got.User.ID != w.user.ID || got.Token != "" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if err := w.s.EndSession(ctx, ls.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Session(ctx, ls.Token); err != ErrLoginNotFound {
		t.Fatalf("an ended session: %v", err)
	}

	id, err := w.s.BeginLogin(ctx, "browser-a", []byte(`{"step":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if data, err := w.s.Login(ctx, id, "browser-a"); err != nil || string(data) != `{"step":1}` {
		t.Fatalf("Login = %s, %v", data, err)
	}
	if _, err := w.s.Login(ctx, id, "browser-b"); err != ErrLoginNotFound {
		t.Fatalf("another browser's login: %v", err)
	}
	if err := w.s.UpdateLogin(ctx, id, []byte(`{"step":2}`)); err != nil {
		t.Fatal(err)
	}
	if data, _ := w.s.Login(ctx, id, "browser-a"); string(data) != `{"step":2}` {
		t.Fatalf("after the update: %s", data)
	}
	if err := w.s.EndLogin(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Login(ctx, id, "browser-a"); err != ErrLoginNotFound {
		t.Fatalf("an ended login: %v", err)
	}
}

func TestCodesAndRefreshTokens(t *testing.T) {
	w := newLoginWorld(t, `{}`, store.OrganizationConnection{})
	ctx := t.Context()
	code, err := w.s.IssueCode(ctx, store.AuthorizationCode{ClientID: w.client.ClientID, RedirectURI: "https://app.example/cb",
		UserID: w.user.ID, Scopes: []string{"openid", "offline_access"}, AuthTime: w.s.now()})
	if err != nil {
		t.Fatal(err)
	}
	c, family, err := w.s.RedeemCode(ctx, code)
	if err != nil || c.UserID != w.user.ID || family == "" {
		t.Fatalf("RedeemCode = %+v, %q, %v", c, family, err)
	}
	rt, err := w.s.StartRefreshTokens(ctx, w.client, c, family, c.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	used, next, err := w.s.UseRefreshToken(ctx, w.client, rt)
	if err != nil || next == "" || used.FamilyID != family {
		t.Fatalf("UseRefreshToken = %+v, %q, %v", used, next, err)
	}
	if _, _, err := w.s.UseRefreshToken(ctx, w.client, rt); !errors.Is(err, store.ErrReused) {
		t.Fatalf("the rotated token again: %v, want the family revoked", err)
	}
	if _, _, err := w.s.UseRefreshToken(ctx, w.client, next); err != ErrLoginNotFound {
		t.Fatalf("the family's latest token after the reuse: %v", err)
	}
	if _, _, err := w.s.RedeemCode(ctx, code); !errors.Is(err, store.ErrReused) {
		t.Fatalf("the code again: %v", err)
	}
	if _, _, err := w.s.RedeemCode(ctx, "nope"); err != ErrLoginNotFound {
		t.Fatalf("an unknown code: %v", err)
	}

	other, _, err := w.s.CreateClient(ctx, ClientInput{Name: "other", AppType: ptr("regular_web")})
	if err != nil {
		t.Fatal(err)
	}
	code2, _ := w.s.IssueCode(ctx, store.AuthorizationCode{ClientID: w.client.ClientID, RedirectURI: "https://app.example/cb", UserID: w.user.ID})
	c2, family2, _ := w.s.RedeemCode(ctx, code2)
	rt2, err := w.s.StartRefreshTokens(ctx, w.client, c2, family2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.s.UseRefreshToken(ctx, other, rt2); err != ErrLoginNotFound {
		t.Fatalf("another client's refresh token: %v", err)
	}
	w.client.RefreshToken.RotationType = "non-rotating"
	if _, next, err := w.s.UseRefreshToken(ctx, w.client, rt2); err != nil || next != "" {
		t.Fatalf("a non-rotating client: %q, %v", next, err)
	}
	if _, _, err := w.s.UseRefreshToken(ctx, w.client, rt2); err != nil {
		t.Fatalf("a non-rotating token twice: %v", err)
	}
}

func TestPruneLogins(t *testing.T) {
	w := newLoginWorld(t, `{}`, store.OrganizationConnection{})
	ctx := t.Context()
	id, err := w.s.BeginLogin(ctx, "browser", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.PruneLogins(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.Login(ctx, id, "browser"); err != nil {
		t.Fatalf("a live login was pruned: %v", err)
	}
	w.s.now = func() time.Time { return time.Now().UTC().Add(LoginTransactionLifetime + time.Minute) }
	if err := w.s.PruneLogins(ctx); err != nil {
		t.Fatal(err)
	}
	w.s.now = func() time.Time { return time.Now().UTC() }
	if _, err := w.s.Login(ctx, id, "browser"); err != ErrLoginNotFound {
		t.Fatalf("an expired login was kept: %v", err)
	}
}
