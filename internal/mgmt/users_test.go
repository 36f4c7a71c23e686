package mgmt

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

var (
	userIDPattern = regexp.MustCompile(`^auth0\|[0-9a-f]{24}$`)
	msTime        = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

// dbConnection creates a database connection with a fair policy (a lowercase and an uppercase letter
// and a digit, 8 characters) and returns its name.
func (s *testServer) dbConnection(name string) string {
	s.t.Helper()
	s.must(201, "POST", "/api/v2/connections",
		`{"name":"`+name+`","strategy":"auth0","options":{"passwordPolicy":"fair"}}`)
	return name
}

// user creates a user of connection with the extra properties of body (",..." or "") and returns it.
func (s *testServer) user(connection, email, extra string) map[string]any {
	s.t.Helper()
	return s.must(201, "POST", "/api/v2/users",
		`{"connection":"`+connection+`","email":"`+email+`","password":"Passw0rdOk"`+extra+`}`).obj()
}

func userPath(id string) string { return "/api/v2/users/" + url.PathEscape(id) }

func TestCreateUser(t *testing.T) {
	s := newTestServer(t)
	db := s.dbConnection("staff")

	got := s.user(db, "Ann.Smith@Acme.Example", "")
	id, _ := got["user_id"].(string)
	if !userIDPattern.MatchString(id) {
		t.Fatalf("user_id = %q", id)
	}
	created, updated := got["created_at"].(string), got["updated_at"].(string)
	if !msTime.MatchString(created) || created != updated {
		t.Errorf("times = %q, %q", created, updated)
	}
	want := map[string]any{
		"user_id": id, "email": "ann.smith@acme.example", "email_verified": false, "name": "ann.smith@acme.example",
		"nickname": "ann.smith", "created_at": created, "updated_at": updated,
		"identities": []any{map[string]any{"connection": db, "user_id": strings.TrimPrefix(id, "auth0|"), "provider": "auth0", "isSocial": false}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("created =\n%v\nwant\n%v", got, want)
	}
	if again := s.must(200, "GET", userPath(id), "").obj(); !reflect.DeepEqual(again, want) {
		t.Errorf("get =\n%v\nwant\n%v", again, want)
	}
	stored, err := s.store.GetUser(t.Context(), id)
	if err != nil || !strings.HasPrefix(stored.PasswordHash, "$argon2id$v=19$") {
		t.Errorf("stored hash = %q, %v", stored.PasswordHash, err)
	}

	t.Run("every attribute", func(t *testing.T) {
		got := s.user(db, "bob@acme.example", `,"email_verified":true,"name":"Bob Stone","given_name":"Bob","family_name":"Stone",
			"nickname":"bobby","picture":"https://acme.example/bob.png","blocked":false,"user_id":"imported-42","verify_email":true,
			"app_metadata":{"plan":"gold","limits":{"seats":5}},"user_metadata":{"lang":"fr"}`)
		want := map[string]any{
			"user_id": "auth0|imported-42", "email": "bob@acme.example", "email_verified": true, "name": "Bob Stone",
			"given_name": "Bob", "family_name": "Stone", "nickname": "bobby", "picture": "https://acme.example/bob.png",
			"blocked": false, "app_metadata": map[string]any{"plan": "gold", "limits": map[string]any{"seats": float64(5)}},
			"user_metadata": map[string]any{"lang": "fr"}, "created_at": got["created_at"], "updated_at": got["updated_at"],
			"identities": []any{map[string]any{"connection": db, "user_id": "imported-42", "provider": "auth0", "isSocial": false}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("created =\n%v\nwant\n%v", got, want)
		}
	})

	oidc := s.must(201, "POST", "/api/v2/connections", `{"name":"sso","strategy":"oidc","options":`+oidcOptions+`}`).obj()["name"].(string)
	tests := []struct {
		name, body    string
		status        int
		message, code string
	}{
		{"duplicate email, in another case", `{"connection":"staff","email":"ANN.SMITH@acme.example","password":"Passw0rdOk"}`,
			409, "The user already exists.", "auth0_idp_error"},
		{"duplicate id", `{"connection":"staff","email":"other@acme.example","password":"Passw0rdOk","user_id":"imported-42"}`,
			409, "The user already exists.", "auth0_idp_error"},
		{"unknown connection", `{"connection":"nosuch","email":"c@acme.example","password":"Passw0rdOk"}`,
			400, "The connection does not exist.", "inexistent_connection"},
		{"an oidc connection", `{"connection":"` + oidc + `","email":"c@acme.example","password":"Passw0rdOk"}`,
			400, "The connection does not exist.", "inexistent_connection"},
		{"weak password", `{"connection":"staff","email":"c@acme.example","password":"password1"}`,
			400, "PasswordStrengthError: Password is too weak", "invalid_password"},
		{"short password", `{"connection":"staff","email":"c@acme.example","password":"Pa55"}`,
			400, "PasswordStrengthError: Password is too weak", "invalid_password"},
		{"password over 512 bytes", `{"connection":"staff","email":"c@acme.example","password":"Aa1` + strings.Repeat("x", 510) + `"}`,
			400, "PasswordStrengthError: Password is too weak", "invalid_password"},
		{"no connection", `{"email":"c@acme.example","password":"Passw0rdOk"}`,
			400, "Payload validation error: 'Missing required property: connection'.", "invalid_body"},
		{"no email", `{"connection":"staff","password":"Passw0rdOk"}`,
			400, "Payload validation error: 'Missing required property: email'.", "invalid_body"},
		{"no password", `{"connection":"staff","email":"c@acme.example"}`,
			400, "Payload validation error: 'Missing required property: password'.", "invalid_body"},
		{"not an email", `{"connection":"staff","email":"c at acme","password":"Passw0rdOk"}`,
			400, "Payload validation error: 'Object didn't pass validation for format email: c at acme' on property email.", "invalid_body"},
		{"username is not stored", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","username":"c"}`,
			400, "Payload validation error: 'Additional properties not allowed: username'.", "invalid_body"},
		{"phone_number is not stored", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","phone_number":"+15555550100"}`,
			400, "Payload validation error: 'Additional properties not allowed: phone_number'.", "invalid_body"},
		{"multifactor is not stored", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","multifactor":["guardian"]}`,
			400, "Payload validation error: 'Additional properties not allowed: multifactor'.", "invalid_body"},
		{"imported id with a bar", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","user_id":"auth0|abc"}`,
			400, "Payload validation error: 'String does not match pattern: ^[A-Za-z0-9_-]{1,64}$' on property user_id.", "invalid_body"},
		{"given_name too long", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","given_name":"` + strings.Repeat("g", 151) + `"}`,
			400, "Payload validation error: 'String is too long (151 chars), maximum 150' on property given_name.", "invalid_body"},
		{"nickname empty", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","nickname":""}`,
			400, "Payload validation error: 'String is too short (0 chars), minimum 1' on property nickname.", "invalid_body"},
		{"picture not a URL", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","picture":"javascript:alert(1)"}`,
			400, "Payload validation error: 'Object didn't pass validation for format uri: javascript:alert(1)' on property picture.", "invalid_body"},
		{"metadata key with a dot", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","app_metadata":{"a.b":1}}`,
			400, "Payload validation error: 'Metadata keys may not contain '.' or '$'' on property app_metadata.a.b.", "invalid_body"},
		{"nested metadata key with a dollar", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","user_metadata":{"a":{"$where":1}}}`,
			400, "Payload validation error: 'Metadata keys may not contain '.' or '$'' on property user_metadata.a.", "invalid_body"},
		{"metadata nested too deep", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","app_metadata":{"a":` +
			strings.Repeat(`{"a":`, 10) + `1` + strings.Repeat(`}`, 10) + `}}`,
			400, "Payload validation error: 'The object is nested more than 10 levels deep' on property app_metadata.a.", "invalid_body"},
		{"metadata over 16 KB", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","user_metadata":{"a":"` + strings.Repeat("x", 16<<10) + `"}}`,
			400, "Payload validation error: 'The object is larger than 16384 bytes serialized (16392)' on property user_metadata.", "invalid_body"},
		{"metadata not an object", `{"connection":"staff","email":"c@acme.example","password":"Passw0rdOk","app_metadata":"gold"}`,
			400, "Payload validation error: 'Expected type object but found type string' on property app_metadata.", "invalid_body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do("POST", "/api/v2/users", tt.body), tt.status, tt.message, tt.code)
		})
	}
	t.Run("ten levels are allowed", func(t *testing.T) {
		// app_metadata itself is the first level: {"a": nine nested objects} has ten.
		s.user(db, "deep@acme.example", `,"app_metadata":{"a":`+strings.Repeat(`{"a":`, 9)+`1`+strings.Repeat(`}`, 9)+`}`)
	})
	t.Run("needs create:users", func(t *testing.T) {
		wantAuth0Error(t, s.doAs("user-reader", "POST", "/api/v2/users", `{}`), 403,
			"Insufficient scope; expected any of: create:users.", "insufficient_scope")
	})
}

func TestBusyPasswordHasherAnswers429(t *testing.T) {
	// One slot, and no wait for it: with four requests at once, some find it taken.
	s := newTestServerWith(t, tenant.Options{Issuer: testIssuer, KEK: testKEK, Passwords: cheapPasswordsSlow(t)})
	db := s.dbConnection("staff")
	var wg sync.WaitGroup
	results := make([]response, 6)
	for i := range results {
		wg.Go(func() {
			results[i] = s.do("POST", "/api/v2/users", fmt.Sprintf(`{"connection":"%s","email":"u%d@acme.example","password":"Passw0rdOk"}`, db, i))
		})
	}
	wg.Wait()
	var busy, created int
	for _, r := range results {
		switch r.status {
		case 201:
			created++
		case 429:
			busy++
			wantAuth0Error(t, r, 429, "Too many passwords are being hashed; retry in a moment.", "too_many_requests")
			if r.header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
			}
		default:
			t.Errorf("status %d: %s", r.status, r.raw)
		}
	}
	if busy == 0 || created == 0 {
		t.Errorf("%d created, %d busy: want some of each", created, busy)
	}
}

// cheapPasswordsSlow is a hasher with one slot, no wait for it, and hashes slow enough to overlap.
func cheapPasswordsSlow(tb testing.TB) *password.Hasher {
	h, err := password.NewHasher(password.Options{Params: password.Params{MemoryKiB: 32 << 10, Time: 2, Threads: 1},
		Slots: 1, Wait: time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestGetAndDeleteUser(t *testing.T) {
	s := newTestServer(t)
	db := s.dbConnection("staff")
	u := s.user(db, "ann@acme.example", `,"app_metadata":{"plan":"gold"}`)
	id := u["user_id"].(string)

	if got := s.must(200, "GET", userPath(id)+"?fields=user_id,app_metadata", "").obj(); !reflect.DeepEqual(got,
		map[string]any{"user_id": id, "app_metadata": map[string]any{"plan": "gold"}}) {
		t.Errorf("fields = %v", got)
	}
	if got := s.must(200, "GET", userPath(id)+"?fields=identities,app_metadata&include_fields=false", "").obj(); got["identities"] != nil ||
		got["app_metadata"] != nil || got["email"] != "ann@acme.example" {
		t.Errorf("include_fields=false = %v", got)
	}
	// The SDKs escape the bar; a client that does not reaches the same user.
	s.must(200, "GET", "/api/v2/users/"+id, "")
	wantAuth0Error(t, s.do("GET", userPath("auth0|000000000000000000000000"), ""), 404, "The user does not exist.", "inexistent_user")
	wantAuth0Error(t, s.do("PATCH", userPath("auth0|000000000000000000000000"), `{"name":"x"}`), 404, "The user does not exist.", "inexistent_user")

	// A login session and a refresh token, which the deletion takes along.
	ctx := t.Context()
	now := time.Now().UTC()
	sess := store.LoginSession{IDHash: hash("session"), UserID: id, ConnectionID: s.connectionID(db), AuthTime: now, LastSeen: now,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}
	if err := s.store.CreateLoginSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	s.must(204, "DELETE", userPath(id), "")
	wantAuth0Error(t, s.do("GET", userPath(id), ""), 404, "The user does not exist.", "inexistent_user")
	if _, err := s.store.GetLoginSession(ctx, sess.IDHash, now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the session outlived its user: %v", err)
	}
	s.must(204, "DELETE", userPath(id), "")
	wantAuth0Error(t, s.doAs("user-reader", "DELETE", userPath(id), ""), 403,
		"Insufficient scope; expected any of: delete:users.", "insufficient_scope")
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// connectionID is the id of the connection named name.
func (s *testServer) connectionID(name string) string {
	s.t.Helper()
	l := s.must(200, "GET", "/api/v2/connections?name="+url.QueryEscape(name), "").list()
	if len(l) != 1 {
		s.t.Fatalf("no connection %s", name)
	}
	return l[0].(map[string]any)["id"].(string)
}

func TestUpdateUser(t *testing.T) {
	s := newTestServer(t)
	db := s.dbConnection("staff")
	u := s.user(db, "ann@acme.example", `,"given_name":"Ann","app_metadata":{"plan":"gold","limits":{"seats":5,"apis":2}},"user_metadata":{"lang":"fr"}`)
	id := u["user_id"].(string)
	path := userPath(id)

	t.Run("metadata merge one level deep; null removes a key", func(t *testing.T) {
		got := s.must(200, "PATCH", path, `{"app_metadata":{"limits":{"seats":10},"plan":null,"region":"eu"}}`).obj()
		want := map[string]any{"limits": map[string]any{"seats": float64(10)}, "region": "eu"}
		if !reflect.DeepEqual(got["app_metadata"], any(want)) || !reflect.DeepEqual(got["user_metadata"], any(map[string]any{"lang": "fr"})) {
			t.Errorf("metadata = %v, %v", got["app_metadata"], got["user_metadata"])
		}
		if got["updated_at"] == u["updated_at"] && got["updated_at"] == got["created_at"] {
			t.Logf("updated_at unchanged within the same millisecond: %v", got["updated_at"])
		}
	})

	t.Run("top-level attributes are replaced; null unsets them", func(t *testing.T) {
		got := s.must(200, "PATCH", path, `{"name":"Ann Smith","given_name":null,"user_metadata":null,"email_verified":true,"blocked":false}`).obj()
		if got["name"] != "Ann Smith" || got["email_verified"] != true || got["blocked"] != false {
			t.Errorf("patched = %v", got)
		}
		for _, absent := range []string{"given_name", "user_metadata"} {
			if _, ok := got[absent]; ok {
				t.Errorf("%s is still there: %v", absent, got)
			}
		}
		got = s.must(200, "PATCH", path, `{"blocked":null}`).obj()
		if _, ok := got["blocked"]; ok {
			t.Errorf("blocked null did not unset it: %v", got)
		}
	})

	t.Run("email change, lowercased; a taken one is refused", func(t *testing.T) {
		s.user(db, "bob@acme.example", "")
		s.must(200, "PATCH", path, `{"email_verified":true}`)
		got := s.must(200, "PATCH", path, `{"email":"Ann.Smith@Acme.Example","connection":"staff"}`).obj()
		if got["email"] != "ann.smith@acme.example" || got["email_verified"] != false {
			t.Errorf("a new address: email %v, email_verified %v (want unverified)", got["email"], got["email_verified"])
		}
		got = s.must(200, "PATCH", path, `{"email":"ann@acme.example","email_verified":true}`).obj()
		if got["email"] != "ann@acme.example" || got["email_verified"] != true {
			t.Errorf("a new, verified address: %v, %v", got["email"], got["email_verified"])
		}
		wantAuth0Error(t, s.do("PATCH", path, `{"email":"BOB@acme.example"}`), 409, "The specified new email already exists.", "auth0_idp_error")
		wantAuth0Error(t, s.do("PATCH", path, `{"email":"x@acme.example","connection":"other"}`), 400,
			"The user does not belong to the connection other.", "invalid_body")
	})

	t.Run("a new password is checked, sets last_password_reset, ends sessions and revokes refresh tokens", func(t *testing.T) {
		sess, tok := s.loginLeftovers(id, db, "1")
		wantAuth0Error(t, s.do("PATCH", path, `{"password":"weakpass"}`), 400, "PasswordStrengthError: Password is too weak", "invalid_password")
		s.wantLoggedIn(sess, tok, true)
		got := s.must(200, "PATCH", path, `{"password":"N3wPassword"}`).obj()
		reset, _ := got["last_password_reset"].(string)
		if !msTime.MatchString(reset) || reset != got["updated_at"] {
			t.Errorf("last_password_reset = %q (updated_at %v)", reset, got["updated_at"])
		}
		s.wantLoggedIn(sess, tok, false)
	})

	t.Run("blocked:true ends sessions and revokes refresh tokens", func(t *testing.T) {
		sess, tok := s.loginLeftovers(id, db, "2")
		s.must(200, "PATCH", path, `{"blocked":false}`)
		s.wantLoggedIn(sess, tok, true)
		s.must(200, "PATCH", path, `{"blocked":true}`)
		s.wantLoggedIn(sess, tok, false)
	})

	t.Run("update:users_app_metadata suffices for app_metadata alone", func(t *testing.T) {
		got := s.doAs("app-metadata", "PATCH", path, `{"app_metadata":{"plan":"silver"}}`)
		if got.status != 200 || got.obj()["app_metadata"].(map[string]any)["plan"] != "silver" {
			t.Fatalf("%d %s", got.status, got.raw)
		}
		wantAuth0Error(t, s.doAs("app-metadata", "PATCH", path, `{"app_metadata":{"plan":"gold"},"name":"x"}`), 403,
			"Insufficient scope; expected any of: update:users.", "insufficient_scope")
		wantAuth0Error(t, s.doAs("user-reader", "PATCH", path, `{"app_metadata":{}}`), 403,
			"Insufficient scope; expected any of: update:users,update:users_app_metadata.", "insufficient_scope")
	})

	unknown := userPath("auth0|000000000000000000000000")
	for _, tt := range []struct{ name, body, message string }{
		{"email null", `{"email":null}`, "Payload validation error: 'Expected type string but found type null' on property email."},
		{"password null", `{"password":null}`, "Payload validation error: 'Expected type string but found type null' on property password."},
		{"user_id", `{"user_id":"x"}`, "Payload validation error: 'Additional properties not allowed: user_id'."},
		{"username", `{"username":"x"}`, "Payload validation error: 'Additional properties not allowed: username'."},
		{"phone_verified", `{"phone_verified":true}`, "Payload validation error: 'Additional properties not allowed: phone_verified'."},
		{"bad email, unknown user", `{"email":"nope"}`, "Payload validation error: 'Object didn't pass validation for format email: nope' on property email."},
		{"metadata key with a dollar, unknown user", `{"user_metadata":{"$set":1}}`, "Payload validation error: 'Metadata keys may not contain '.' or '$'' on property user_metadata.$set."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do("PATCH", unknown, tt.body), 400, tt.message, "invalid_body")
		})
	}
}

// loginLeftovers gives the user a login session and a refresh token; tag makes them unique.
func (s *testServer) loginLeftovers(userID, connection, tag string) (store.LoginSession, store.RefreshToken) {
	s.t.Helper()
	ctx := s.t.Context()
	now := time.Now().UTC()
	sess := store.LoginSession{IDHash: hash("session" + tag), UserID: userID, ConnectionID: s.connectionID(connection),
		AuthTime: now, LastSeen: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}
	if err := s.store.CreateLoginSession(ctx, sess); err != nil {
		s.t.Fatal(err)
	}
	clients, err := s.store.ListClients(ctx, store.Page{})
	if err != nil || len(clients.Items) == 0 {
		s.t.Fatal(err)
	}
	tok := store.RefreshToken{TokenHash: hash("token" + tag), FamilyID: "fam" + tag, ClientID: clients.Items[0].ClientID,
		UserID: userID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}
	if err := s.store.CreateRefreshToken(ctx, tok); err != nil {
		s.t.Fatal(err)
	}
	return sess, tok
}

// wantLoggedIn checks whether the session is live and the refresh token unrevoked.
func (s *testServer) wantLoggedIn(sess store.LoginSession, tok store.RefreshToken, want bool) {
	s.t.Helper()
	_, err := s.store.GetLoginSession(s.t.Context(), sess.IDHash, time.Now())
	if live := err == nil; live != want {
		s.t.Errorf("session live = %v (%v), want %v", live, err, want)
	}
	got, err := s.store.GetRefreshToken(s.t.Context(), tok.TokenHash)
	if err != nil {
		s.t.Fatal(err)
	}
	if live := got.RevokedAt.IsZero(); live != want {
		s.t.Errorf("refresh token live = %v, want %v", live, want)
	}
}

func TestUpdateOIDCUser(t *testing.T) {
	s := newTestServer(t)
	s.must(201, "POST", "/api/v2/connections", `{"name":"sso","strategy":"oidc","options":`+oidcOptions+`}`)
	conn, err := s.store.GetConnectionByName(t.Context(), "sso")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	u := store.User{ID: "oidc|sso|248289761001", ConnectionID: conn.ID, Email: "dan@acme.example", EmailVerified: true,
		CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	path := userPath(u.ID)
	got := s.must(200, "PATCH", path, `{"app_metadata":{"role":"admin"},"nickname":"dan"}`).obj()
	if !reflect.DeepEqual(got["identities"], []any{map[string]any{"connection": "sso", "user_id": "sso|248289761001", "provider": "oidc", "isSocial": false}}) {
		t.Errorf("identities = %v", got["identities"])
	}
	for attr, body := range map[string]string{"email": `{"email":"x@acme.example"}`, "email_verified": `{"email_verified":false}`,
		"password": `{"password":"Passw0rdOk"}`} {
		wantAuth0Error(t, s.do("PATCH", path, body), 400,
			"The "+attr+" of a user of a oidc connection cannot be changed: the identity provider owns it.", "invalid_body")
	}
}

func TestListUsers(t *testing.T) {
	s := newTestServer(t)
	db := s.dbConnection("staff")
	other := s.dbConnection("partners")
	ann := s.user(db, "ann@acme.example", `,"name":"Ann Smith","given_name":"Ann","app_metadata":{"plan":"gold"},"email_verified":true`)["user_id"].(string)
	bob := s.user(db, "bob@acme.example", `,"name":"Bob Stone","blocked":true,"app_metadata":{"plan":"silver"}`)["user_id"].(string)
	cat := s.user(other, "cat@globex.example", `,"name":"Cat Smith","user_metadata":{"lang":"fr"}`)["user_id"].(string)
	ids := func(l []any) []string {
		var out []string
		for _, item := range l {
			out = append(out, item.(map[string]any)["user_id"].(string))
		}
		return out
	}
	search := func(query string) []string {
		t.Helper()
		return ids(s.must(200, "GET", "/api/v2/users?"+query, "").list())
	}

	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{ann, bob, cat}},
		{"q=" + url.QueryEscape(`email:"ann@acme.example"`), []string{ann}},
		{"q=email:ANN@ACME.EXAMPLE", []string{ann}},
		{"q=email:ann*", []string{ann}},
		{"q=" + url.QueryEscape(`name:"ann smith"`), []string{ann}},
		{"q=" + url.QueryEscape(`family_name:stone OR given_name:ann`), []string{ann}},
		{"q=" + url.QueryEscape(`identities.connection:partners`), []string{cat}},
		{"q=" + url.QueryEscape(`identities.provider:auth0 AND blocked:true`), []string{bob}},
		{"q=" + url.QueryEscape(`blocked:false`), []string{ann, cat}},
		{"q=" + url.QueryEscape(`email_verified:true`), []string{ann}},
		{"q=" + url.QueryEscape(`app_metadata.plan:gold OR user_metadata.lang:fr`), []string{ann, cat}},
		{"q=" + url.QueryEscape(`user_id:"`+bob+`"`), []string{bob}},
		{"q=" + url.QueryEscape(`created_at:[2020-01-01 TO *]`), []string{ann, bob, cat}},
		{"q=" + url.QueryEscape(`created_at:{* TO 2020-01-01}`), nil},
		{"q=" + url.QueryEscape(`last_login:[* TO *]`), nil},
		{"q=" + url.QueryEscape(`name:smith`), nil}, // equality of the whole value, not Lucene's tokens
		{"sort=email:-1", []string{cat, bob, ann}},
		{"sort=created_at:-1&q=" + url.QueryEscape(`name:"cat smith" OR name:"ann smith"`), []string{cat, ann}},
		{"search_engine=v3&q=name:cat*", []string{cat}},
	} {
		t.Run(tt.query, func(t *testing.T) {
			if got := search(tt.query); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("include_totals, with length", func(t *testing.T) {
		got := s.must(200, "GET", "/api/v2/users?include_totals=true&per_page=2&page=0&sort=email:1&fields=user_id", "").obj()
		want := map[string]any{"start": float64(0), "limit": float64(2), "length": float64(2), "total": float64(3),
			"users": []any{map[string]any{"user_id": ann}, map[string]any{"user_id": bob}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("totals =\n%v\nwant\n%v", got, want)
		}
		got = s.must(200, "GET", "/api/v2/users?include_totals=true&per_page=2&page=1&q=identities.connection:staff", "").obj()
		if got["start"] != float64(2) || got["length"] != float64(0) || got["total"] != float64(2) {
			t.Errorf("second page = %v", got)
		}
	})

	for _, tt := range []struct{ name, query, message string }{
		{"v2", "search_engine=v2", "Query validation error: 'The search engine v2 is not available: use v3' on property search_engine."},
		{"v4", "search_engine=v4", `Query validation error: 'No enum match for: "v4" (allowed: v3)' on property search_engine.`},
		{"unknown field", "q=password_hash:x", `Query validation error: 'invalid query: field "password_hash" cannot be searched' on property q.`},
		{"nested metadata", "q=app_metadata.limits.seats:5", `Query validation error: 'invalid query: field "app_metadata.limits.seats" cannot be searched' on property q.`},
		{"parentheses", "q=" + url.QueryEscape("(name:a OR name:b)"), `Query validation error: 'invalid query: field "(name" cannot be searched' on property q.`},
		{"NOT", "q=" + url.QueryEscape("NOT name:a"), "Query validation error: 'invalid query: NOT is not supported' on property q."},
		{"bare term", "q=ann", `Query validation error: 'invalid query: "ann" has no field' on property q.`},
		{"short prefix", "q=name:an*", "Query validation error: 'invalid query: a prefix needs at least 3 characters before *' on property q."},
		{"prefix on metadata", "q=app_metadata.plan:gol*", "Query validation error: 'app_metadata.plan takes only a value (first-level string equality)' on property q."},
		{"range on a name", "q=" + url.QueryEscape("name:[a TO b]"), `Query validation error: 'invalid query: field "name" does not take a range' on property q.`},
		{"date without a range", "q=created_at:2024-01-01", "Query validation error: 'created_at takes only a range, such as [2024-01-01 TO *]' on property q."},
		{"bad date", "q=" + url.QueryEscape("created_at:[yesterday TO *]"), `Query validation error: 'invalid query: "yesterday" is not a date (2006-01-02) or a time (2006-01-02T15:04:05Z)' on property q.`},
		{"blocked not a boolean", "q=blocked:yes", "Query validation error: 'blocked takes true or false' on property q."},
		{"q too long", "q=name:" + strings.Repeat("a", 2048), "Query validation error: 'invalid query: longer than 2048 bytes' on property q."},
		{"sort by name", "sort=name:1", "Query validation error: 'Sort by one of created_at, updated_at, last_login, email, as <field>:1 or <field>:-1' on property sort."},
		{"sort without a direction", "sort=email", "Query validation error: 'Sort by one of created_at, updated_at, last_login, email, as <field>:1 or <field>:-1' on property sort."},
		{"past 1000 results", "page=10&per_page=100", "Requesting page exceeds the allowed maximum of 1000 records"},
		{"per_page 0", "per_page=0", "Query validation error: 'Value 0 is less than minimum 1' on property per_page."},
	} {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			wantAuth0Error(t, s.do("GET", "/api/v2/users?"+tt.query, ""), 400, tt.message, "invalid_query_string")
		})
	}
	t.Run("the page that reaches 1000 is cut there", func(t *testing.T) {
		s.must(200, "GET", "/api/v2/users?page=9&per_page=100", "")
		s.must(200, "GET", "/api/v2/users?page=33&per_page=30", "")
	})
	wantAuth0Error(t, s.doAs("reader", "GET", "/api/v2/users", ""), 403, "Insufficient scope; expected any of: read:users.", "insufficient_scope")
}

func TestUsersByEmail(t *testing.T) {
	s := newTestServer(t)
	a := s.user(s.dbConnection("staff"), "ann@acme.example", "")["user_id"].(string)
	b := s.user(s.dbConnection("partners"), "ANN@acme.example", "")["user_id"].(string)
	got := s.must(200, "GET", "/api/v2/users-by-email?email=Ann@Acme.Example&fields=user_id", "").list()
	if !reflect.DeepEqual(got, []any{map[string]any{"user_id": a}, map[string]any{"user_id": b}}) {
		t.Errorf("users-by-email = %v", got)
	}
	if got := s.must(200, "GET", "/api/v2/users-by-email?email=nobody@acme.example", "").raw; got != "[]\n" {
		t.Errorf("nobody = %q", got)
	}
	wantAuth0Error(t, s.do("GET", "/api/v2/users-by-email", ""), 400,
		"Query validation error: 'Missing required property: email' on property email.", "invalid_query_string")
	wantAuth0Error(t, s.doAs("reader", "GET", "/api/v2/users-by-email?email=a@b.c", ""), 403,
		"Insufficient scope; expected any of: read:users.", "insufficient_scope")
}
