package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func testSearchUsers(t *testing.T, open opener) {
	// Five users of two connections, made to tell every condition apart.
	f := open(t)
	db := f.connection()
	oidc := f.newConnection(store.StrategyOIDC)
	must(t, f.s.CreateConnection(f.ctx, oidc, nil))
	yes, no := true, false
	mk := func(connectionID, id, email, name, nickname string, verified bool, blocked *bool, app string, lastLogin time.Time) store.User {
		t.Helper()
		u := f.newUser(connectionID)
		u.ID, u.Email, u.Name, u.Nickname, u.EmailVerified, u.Blocked = id, email, name, nickname, verified, blocked
		if app != "" {
			must(t, json.Unmarshal([]byte(app), &u.AppMetadata))
			u.UserMetadata = map[string]json.RawMessage{"lang": json.RawMessage(`"fr"`)}
		}
		must(t, f.s.CreateUser(f.ctx, u))
		if !lastLogin.IsZero() {
			must(t, f.s.RecordUserLogin(f.ctx, u.ID, lastLogin))
		}
		return u
	}
	ann := mk(db.ID, "auth0|000000000000000000000aaa", "ann@acme.test", "Ann Smith", "ann", true, nil, `{"plan":"gold","seats":5}`, at(100))
	bob := mk(db.ID, "auth0|000000000000000000000bbb", "bob@acme.test", "Bob Stone", "bob", false, &yes, `{"plan":"silver"}`, at(50))
	cat := mk(db.ID, "auth0|000000000000000000000ccc", "cat@globex.test", "ÉLISE Cat", "cat", true, &no, `{"plan":"Gold","nested":{"plan":"gold"}}`, time.Time{})
	dan := mk(oidc.ID, "oidc|"+oidc.Name+"|dan", "dan@acme.test", "dan smith", "danny", true, nil, `{"seats":"5"}`, at(200))
	eve := mk(oidc.ID, "oidc|"+oidc.Name+"|eve", "", "", "eve", false, nil, "", time.Time{})

	eq := func(field, value string) store.UserCondition {
		return store.UserCondition{Field: field, Value: value}
	}
	fold := func(field, value string) store.UserCondition {
		return store.UserCondition{Field: field, Value: value, IgnoreCase: true}
	}
	prefix := func(field, value string, ignoreCase bool) store.UserCondition {
		return store.UserCondition{Field: field, Value: value, Match: store.MatchPrefix, IgnoreCase: ignoreCase}
	}
	flag := func(field string, b bool) store.UserCondition { return store.UserCondition{Field: field, Bool: b} }
	meta := func(field, key, value string) store.UserCondition {
		return store.UserCondition{Field: field, Key: key, Value: value}
	}
	between := func(field string, from, to time.Time, fromIn, toIn bool) store.UserCondition {
		return store.UserCondition{Field: field, Match: store.MatchRange, From: from, To: to, FromInclusive: fromIn, ToInclusive: toIn}
	}
	one := func(c ...store.UserCondition) [][]store.UserCondition { return [][]store.UserCondition{c} }
	all := []string{ann.ID, bob.ID, cat.ID, dan.ID, eve.ID}

	for _, tt := range []struct {
		name string
		any  [][]store.UserCondition
		want []string
	}{
		{"no groups: every user, in creation order", nil, all},
		{"user_id", one(eq(store.UserFieldID, bob.ID)), []string{bob.ID}},
		{"user_id is case-sensitive", one(eq(store.UserFieldID, "AUTH0|000000000000000000000BBB")), nil},
		{"user_id prefix", one(prefix(store.UserFieldID, "oidc|", false)), []string{dan.ID, eve.ID}},
		{"email", one(eq(store.UserFieldEmail, "cat@globex.test")), []string{cat.ID}},
		{"email prefix", one(prefix(store.UserFieldEmail, "ann@", false)), []string{ann.ID}},
		{"name ignoring ASCII case", one(fold(store.UserFieldName, "ANN SMITH")), []string{ann.ID}},
		{"name exactly", one(eq(store.UserFieldName, "ann smith")), nil},
		{"name prefix ignoring case", one(prefix(store.UserFieldName, "DAN S", true)), []string{dan.ID}},
		{"non-ASCII letters compare exactly", one(fold(store.UserFieldName, "élise cat")), nil},
		{"non-ASCII letters, ASCII ignoring case", one(fold(store.UserFieldName, "ÉLISE CAT")), []string{cat.ID}},
		{"nickname", one(fold(store.UserFieldNickname, "Danny")), []string{dan.ID}},
		{"an empty prefix matches every value, the empty one too", one(prefix(store.UserFieldName, "", false)), []string{ann.ID, bob.ID, cat.ID, dan.ID, eve.ID}},
		{"email_verified true", one(flag(store.UserFieldEmailVerified, true)), []string{ann.ID, cat.ID, dan.ID}},
		{"email_verified false", one(flag(store.UserFieldEmailVerified, false)), []string{bob.ID, eve.ID}},
		{"blocked true", one(flag(store.UserFieldBlocked, true)), []string{bob.ID}},
		{"blocked false: unset or false", one(flag(store.UserFieldBlocked, false)), []string{ann.ID, cat.ID, dan.ID, eve.ID}},
		{"connection name", one(eq(store.UserFieldConnection, oidc.Name)), []string{dan.ID, eve.ID}},
		{"provider", one(eq(store.UserFieldProvider, store.StrategyAuth0)), []string{ann.ID, bob.ID, cat.ID}},
		{"app_metadata string", one(meta(store.UserFieldAppMetadata, "plan", "gold")), []string{ann.ID}},
		{"app_metadata is case-sensitive", one(meta(store.UserFieldAppMetadata, "plan", "Gold")), []string{cat.ID}},
		{"app_metadata: a number is no string", one(meta(store.UserFieldAppMetadata, "seats", "5")), []string{dan.ID}},
		{"app_metadata: first level only", one(meta(store.UserFieldAppMetadata, "nested.plan", "gold")), nil},
		{"app_metadata: odd key", one(meta(store.UserFieldAppMetadata, `pl"an`, "gold")), nil},
		{"user_metadata", one(meta(store.UserFieldUserMetadata, "lang", "fr")), []string{ann.ID, bob.ID, cat.ID, dan.ID}},
		{"created_at inclusive", one(between(store.UserFieldCreatedAt, bob.CreatedAt, cat.CreatedAt, true, true)), []string{bob.ID, cat.ID}},
		{"created_at exclusive", one(between(store.UserFieldCreatedAt, ann.CreatedAt, dan.CreatedAt, false, false)), []string{bob.ID, cat.ID}},
		{"created_at open start", one(between(store.UserFieldCreatedAt, time.Time{}, bob.CreatedAt, false, true)), []string{ann.ID, bob.ID}},
		{"last_login: never is no match", one(between(store.UserFieldLastLogin, time.Time{}, time.Time{}, false, false)), []string{ann.ID, bob.ID, dan.ID}},
		{"last_login from", one(between(store.UserFieldLastLogin, at(100), time.Time{}, true, false)), []string{ann.ID, dan.ID}},
		{"AND", one(eq(store.UserFieldProvider, store.StrategyAuth0), flag(store.UserFieldEmailVerified, true)), []string{ann.ID, cat.ID}},
		{"OR", [][]store.UserCondition{{eq(store.UserFieldID, eve.ID)}, {eq(store.UserFieldEmail, "ann@acme.test")}}, []string{ann.ID, eve.ID}},
		{"a value with a NUL byte matches nothing", one(eq(store.UserFieldName, "a\x00")), nil},
		{"LIKE characters are literal", one(prefix(store.UserFieldEmail, "%", false)), nil},
	} {
		l, err := f.s.SearchUsers(f.ctx, store.UserSearch{Any: tt.any}, store.Page{WantTotal: true})
		must(t, err)
		equal(t, tt.name, ids(l.Items, userID), tt.want)
		equal(t, tt.name+" total", l.Total, len(tt.want))
	}

	t.Run("sort", func(t *testing.T) {
		for _, tt := range []struct {
			sort store.UserSort
			want []string
		}{
			{store.UserSort{}, all},
			{store.UserSort{Field: store.UserFieldCreatedAt, Descending: true}, []string{eve.ID, dan.ID, cat.ID, bob.ID, ann.ID}},
			{store.UserSort{Field: store.UserSortUpdatedAt}, all},
			{store.UserSort{Field: store.UserFieldEmail}, []string{eve.ID, ann.ID, bob.ID, cat.ID, dan.ID}},
			{store.UserSort{Field: store.UserFieldEmail, Descending: true}, []string{dan.ID, cat.ID, bob.ID, ann.ID, eve.ID}},
			// Never logged in sorts first, in creation order.
			{store.UserSort{Field: store.UserFieldLastLogin}, []string{cat.ID, eve.ID, bob.ID, ann.ID, dan.ID}},
			{store.UserSort{Field: store.UserFieldLastLogin, Descending: true}, []string{dan.ID, ann.ID, bob.ID, cat.ID, eve.ID}},
		} {
			l, err := f.s.SearchUsers(f.ctx, store.UserSearch{Sort: tt.sort}, store.Page{})
			must(t, err)
			equal(t, "sort "+tt.sort.Field, ids(l.Items, userID), tt.want)
		}
	})

	t.Run("offset pages of a sorted search, with the total", func(t *testing.T) {
		q := store.UserSearch{Any: one(eq(store.UserFieldProvider, store.StrategyAuth0)),
			Sort: store.UserSort{Field: store.UserFieldEmail, Descending: true}}
		l, err := f.s.SearchUsers(f.ctx, q, store.Page{Offset: 1, Limit: 1, WantTotal: true})
		must(t, err)
		equal(t, "page", ids(l.Items, userID), []string{bob.ID})
		equal(t, "total", l.Total, 3)
		_, err = f.s.SearchUsers(f.ctx, q, store.Page{Checkpoint: true, Limit: 1})
		if !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("checkpoint page of a sorted search: %v, want ErrInvalidCursor", err)
		}
	})

	t.Run("a condition a field does not take is an error", func(t *testing.T) {
		for _, c := range []store.UserCondition{
			{Field: store.UserFieldBlocked, Match: store.MatchPrefix},
			{Field: store.UserFieldCreatedAt, Value: "x"},
			{Field: store.UserFieldAppMetadata, Key: "plan", Match: store.MatchPrefix, Value: "go"},
			{Field: store.UserFieldName, Match: store.MatchRange},
			{Field: "password_hash", Value: "x"},
		} {
			if _, err := f.s.SearchUsers(f.ctx, store.UserSearch{Any: one(c)}, store.Page{}); err == nil {
				t.Errorf("%+v: no error", c)
			}
		}
		if _, err := f.s.SearchUsers(f.ctx, store.UserSearch{Sort: store.UserSort{Field: "name"}}, store.Page{}); err == nil {
			t.Error("sort by name: no error")
		}
	})
}
