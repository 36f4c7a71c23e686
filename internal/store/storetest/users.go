package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func (f *fixture) newUser(connectionID string) store.User {
	n := f.next()
	return store.User{
		ID:           fmt.Sprintf("auth0|%024x", n),
		ConnectionID: connectionID,
		Email:        fmt.Sprintf("user%d@example.com", n),
		Name:         fmt.Sprintf("user%d@example.com", n),
		Nickname:     fmt.Sprintf("user%d", n),
		PasswordHash: fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$salt%d$hash%d", n, n),
		CreatedAt:    at(n),
		UpdatedAt:    at(n),
	}
}

func (f *fixture) user(connectionID string) store.User {
	f.t.Helper()
	u := f.newUser(connectionID)
	must(f.t, f.s.CreateUser(f.ctx, u))
	return u
}

func userID(u store.User) string { return u.ID }

// wantUserGone checks that what went with a deleted user is gone: its membership of org, its login
// session, its authorization code and its refresh token.
func (f *fixture) wantUserGone(id, org string, sess store.LoginSession, code store.AuthorizationCode, tok store.RefreshToken) {
	f.t.Helper()
	if is, err := f.s.IsOrganizationMember(f.ctx, org, id); err != nil || is {
		f.t.Errorf("member after the user's deletion: %v, %v", is, err)
	}
	_, err := f.s.ListUserOrganizations(f.ctx, id, store.Page{})
	wantErr(f.t, err, store.ErrNotFound)
	_, err = f.s.ListUserRoles(f.ctx, id, store.Page{})
	wantErr(f.t, err, store.ErrNotFound)
	_, err = f.s.GetLoginSession(f.ctx, sess.IDHash, at(0))
	wantErr(f.t, err, store.ErrNotFound)
	_, err = f.s.RedeemAuthorizationCode(f.ctx, code.CodeHash, at(0), "fam")
	wantErr(f.t, err, store.ErrNotFound)
	_, err = f.s.GetRefreshToken(f.ctx, tok.TokenHash)
	wantErr(f.t, err, store.ErrNotFound)
	perms, err := f.s.UserPermissions(f.ctx, id, org, "https://nosuch.example.com/")
	must(f.t, err)
	equal(f.t, "permissions", perms, nil)
}

func testUsers(t *testing.T, open opener) {
	t.Run("create then get by id and by email returns every field, the email in lowercase", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		u := store.User{
			ID:                "auth0|0123456789abcdef01234567",
			ConnectionID:      c.ID,
			Email:             "Jane.Doe@Example.COM",
			EmailVerified:     true,
			Name:              "Jane Doe",
			GivenName:         "Jane",
			FamilyName:        "Doe",
			Nickname:          "jane",
			Picture:           "https://example.com/jane.png",
			Blocked:           ptr(false),
			AppMetadata:       map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`), "seats": json.RawMessage(`{"max":10,"used":[1,2]}`)},
			UserMetadata:      map[string]json.RawMessage{"theme": json.RawMessage(`"dark"`)},
			PasswordHash:      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
			CreatedAt:         inZone(),
			UpdatedAt:         inZone().Add(time.Second),
			LastLogin:         inZone().Add(time.Minute),
			LastPasswordReset: inZone().Add(time.Hour),
			LoginsCount:       7,
		}
		must(t, f.s.CreateUser(f.ctx, u))
		want := u
		want.Email = "jane.doe@example.com"
		want.CreatedAt, want.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
		want.LastLogin, want.LastPasswordReset = u.LastLogin.UTC(), u.LastPasswordReset.UTC()
		got, err := f.s.GetUser(f.ctx, u.ID)
		must(t, err)
		equal(t, "by id", got, want)
		for _, email := range []string{"jane.doe@example.com", "JANE.DOE@EXAMPLE.COM", u.Email} {
			got, err = f.s.GetUserByEmail(f.ctx, c.ID, email)
			must(t, err)
			equal(t, "by email "+email, got, want)
		}
	})

	t.Run("blocked is unset, true or false; unset times, empty metadata read back as zero and nil", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		for _, blocked := range []*bool{nil, ptr(true), ptr(false)} {
			u := f.newUser(c.ID)
			u.Blocked = blocked
			u.AppMetadata, u.UserMetadata = map[string]json.RawMessage{}, nil
			must(t, f.s.CreateUser(f.ctx, u))
			got, err := f.s.GetUser(f.ctx, u.ID)
			must(t, err)
			u.AppMetadata = nil
			equal(t, "user", got, u)
		}
	})

	t.Run("create with a taken id, or an email its connection has in any case, conflicts", func(t *testing.T) {
		f := open(t)
		c, other := f.connection(), f.connection()
		first := f.user(c.ID)
		dupID := f.newUser(other.ID)
		dupID.ID = first.ID
		wantErr(t, f.s.CreateUser(f.ctx, dupID), store.ErrConflict)
		dupEmail := f.newUser(c.ID)
		dupEmail.Email = "USER" + first.Email[4:]
		wantErr(t, f.s.CreateUser(f.ctx, dupEmail), store.ErrConflict)

		elsewhere := f.newUser(other.ID) // the same email in another connection is another user
		elsewhere.Email = first.Email
		must(t, f.s.CreateUser(f.ctx, elsewhere))
	})

	t.Run("users without an email do not conflict, and none is found by the empty email", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		for range 2 {
			u := f.newUser(c.ID)
			u.Email = ""
			must(t, f.s.CreateUser(f.ctx, u))
		}
		_, err := f.s.GetUserByEmail(f.ctx, c.ID, "")
		wantErr(t, err, store.ErrNotFound)
		byEmail, err := f.s.ListUsersByEmail(f.ctx, "")
		must(t, err)
		equal(t, "users by the empty email", byEmail, nil)
	})

	t.Run("create in an unknown connection is not found", func(t *testing.T) {
		f := open(t)
		wantErr(t, f.s.CreateUser(f.ctx, f.newUser("con_nosuchconnection")), store.ErrNotFound)
	})

	t.Run("unknown users are not found", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		u := f.user(c.ID)
		_, err := f.s.GetUser(f.ctx, "auth0|nosuch")
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetUserByEmail(f.ctx, c.ID, "nosuch@example.com")
		wantErr(t, err, store.ErrNotFound)
		other := f.connection()
		_, err = f.s.GetUserByEmail(f.ctx, other.ID, u.Email)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.UpdateUser(f.ctx, "auth0|nosuch", func(*store.User) error {
			t.Error("update function called")
			return nil
		})
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.s.DeleteUser(f.ctx, "auth0|nosuch"), store.ErrNotFound)
		wantErr(t, f.s.RecordUserLogin(f.ctx, "auth0|nosuch", at(5)), store.ErrNotFound)
	})

	t.Run("users by email: every connection's, in creation order, in any case", func(t *testing.T) {
		f := open(t)
		c1, c2 := f.connection(), f.connection()
		a := f.user(c1.ID)
		f.user(c1.ID)
		b := f.newUser(c2.ID)
		b.Email = a.Email
		must(t, f.s.CreateUser(f.ctx, b))
		for _, email := range []string{a.Email, "USER" + a.Email[4:]} {
			got, err := f.s.ListUsersByEmail(f.ctx, email)
			must(t, err)
			equal(t, "users by "+email, ids(got, userID), []string{a.ID, b.ID})
		}
		got, err := f.s.ListUsersByEmail(f.ctx, "nosuch@example.com")
		must(t, err)
		equal(t, "users by an unknown email", got, nil)
	})

	t.Run("list filters by email and by connection", func(t *testing.T) {
		f := open(t)
		c1, c2 := f.connection(), f.connection()
		a, b := f.user(c1.ID), f.user(c2.ID)
		a2 := f.newUser(c2.ID)
		a2.Email = a.Email
		must(t, f.s.CreateUser(f.ctx, a2))
		for _, tt := range []struct {
			name   string
			filter store.UserFilter
			want   []string
		}{
			{"all", store.UserFilter{}, []string{a.ID, b.ID, a2.ID}},
			{"email in upper case", store.UserFilter{Email: "USER" + a.Email[4:]}, []string{a.ID, a2.ID}},
			{"connection", store.UserFilter{ConnectionID: c2.ID}, []string{b.ID, a2.ID}},
			{"both", store.UserFilter{Email: a.Email, ConnectionID: c2.ID}, []string{a2.ID}},
			{"unknown connection", store.UserFilter{ConnectionID: "con_nosuchconnection"}, nil},
			{"email with a NUL byte", store.UserFilter{Email: "nul\x00@example.com"}, nil},
			{"connection that is not UTF-8", store.UserFilter{ConnectionID: "con_\xff"}, nil},
		} {
			l, err := f.s.ListUsers(f.ctx, tt.filter, store.Page{WantTotal: true})
			must(t, err)
			equal(t, tt.name, ids(l.Items, userID), tt.want)
			equal(t, tt.name+" total", l.Total, len(tt.want))
		}
	})

	t.Run("update stores what fn leaves, the email in lowercase, and keeps id, connection and creation time", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		u := f.user(c.ID)
		want := u
		want.Email, want.EmailVerified = "new@example.com", true
		want.Name, want.GivenName, want.FamilyName, want.Nickname, want.Picture = "N", "G", "F", "nick", "https://x/p.png"
		want.Blocked = ptr(true)
		want.AppMetadata = map[string]json.RawMessage{"a": json.RawMessage(`1`)}
		want.UserMetadata = map[string]json.RawMessage{"b": json.RawMessage(`[true,null]`)}
		want.PasswordHash = "$argon2id$new"
		want.UpdatedAt, want.LastLogin, want.LastPasswordReset, want.LoginsCount = at(1000), at(999), at(998), 3
		got, err := f.s.UpdateUser(f.ctx, u.ID, func(x *store.User) error {
			equal(t, "fn receives", *x, u)
			*x = want
			x.Email = "NEW@Example.com"
			x.ID, x.ConnectionID, x.CreatedAt = "auth0|other", "con_other00000000000", at(5000)
			return nil
		})
		must(t, err)
		equal(t, "returned", got, want)
		got, err = f.s.GetUser(f.ctx, u.ID)
		must(t, err)
		equal(t, "stored", got, want)

		_, err = f.s.UpdateUser(f.ctx, u.ID, func(x *store.User) error {
			x.Blocked, x.LastLogin = nil, time.Time{}
			return nil
		})
		must(t, err)
		got, err = f.s.GetUser(f.ctx, u.ID)
		must(t, err)
		if got.Blocked != nil || !got.LastLogin.IsZero() {
			t.Errorf("blocked and last login unset read back as %v, %v", got.Blocked, got.LastLogin)
		}
	})

	t.Run("update to an email its connection has conflicts and changes nothing", func(t *testing.T) {
		f := open(t)
		c := f.connection()
		a, b := f.user(c.ID), f.user(c.ID)
		_, err := f.s.UpdateUser(f.ctx, b.ID, func(x *store.User) error {
			x.Email, x.Name = a.Email, "Changed"
			return nil
		})
		wantErr(t, err, store.ErrConflict)
		got, err := f.s.GetUser(f.ctx, b.ID)
		must(t, err)
		equal(t, "stored", got, b)
	})

	t.Run("update fn error aborts and leaves the row unchanged", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		_, err := f.s.UpdateUser(f.ctx, u.ID, func(x *store.User) error {
			x.Name = "Changed"
			return errBoom
		})
		wantErr(t, err, errBoom)
		got, err := f.s.GetUser(f.ctx, u.ID)
		must(t, err)
		equal(t, "stored", got, u)
	})

	t.Run("a login is counted, concurrent logins each once", func(t *testing.T) {
		f := open(t)
		u := f.user(f.connection().ID)
		must(t, f.s.RecordUserLogin(f.ctx, u.ID, inZone()))
		got, err := f.s.GetUser(f.ctx, u.ID)
		must(t, err)
		want := u
		want.LastLogin, want.LoginsCount = inZone().UTC(), 1
		equal(t, "after a login", got, want)

		const logins = 8
		var wg sync.WaitGroup
		for i := range logins {
			wg.Go(func() {
				if err := f.s.RecordUserLogin(f.ctx, u.ID, at(100+i)); err != nil {
					t.Errorf("login %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got, err = f.s.GetUser(f.ctx, u.ID)
		must(t, err)
		equal(t, "logins count", got.LoginsCount, 1+logins)
	})

	t.Run("delete removes it with its memberships, roles, sessions, codes and refresh tokens", func(t *testing.T) {
		f := open(t)
		cl := f.client()
		c := f.connection()
		o := f.organization()
		gone, stays := f.user(c.ID), f.user(c.ID)
		r := f.role()
		for _, u := range []store.User{gone, stays} {
			f.addMembers(o.ID, u.ID)
			must(t, f.s.AssignMemberRoles(f.ctx, o.ID, u.ID, []string{r.ID}, nil))
			must(t, f.s.AssignUserRoles(f.ctx, u.ID, []string{r.ID}, nil))
		}
		sess, kept := f.loginSession(gone.ID, at(1000)), f.loginSession(stays.ID, at(1000))
		code := f.code(cl.ClientID, gone.ID, o.ID)
		tok, keptTok := f.refreshToken(cl.ClientID, gone.ID, o.ID), f.refreshToken(cl.ClientID, stays.ID, "")

		must(t, f.s.DeleteUser(f.ctx, gone.ID))
		_, err := f.s.GetUser(f.ctx, gone.ID)
		wantErr(t, err, store.ErrNotFound)
		f.wantUserGone(gone.ID, o.ID, sess, code, tok)

		equal(t, "members", f.memberIDs(o.ID), []string{stays.ID})
		_, err = f.s.GetLoginSession(f.ctx, kept.IDHash, at(0))
		must(t, err)
		_, err = f.s.GetRefreshToken(f.ctx, keptTok.TokenHash)
		must(t, err)
		roles, err := f.s.ListMemberRoles(f.ctx, o.ID, stays.ID, store.Page{})
		must(t, err)
		equal(t, "roles of the other member", ids(roles.Items, roleID), []string{r.ID})
		wantErr(t, f.s.DeleteUser(f.ctx, gone.ID), store.ErrNotFound)
	})
}
