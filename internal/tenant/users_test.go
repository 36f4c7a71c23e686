package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
)

// newPeopleService is a Service with a cheap password hasher.
func newPeopleService(t *testing.T) *Service {
	t.Helper()
	h, err := password.NewHasher(password.Options{Params: password.Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), openSQLite(t), Options{Issuer: testIssuer, Passwords: h})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPasswordPolicies(t *testing.T) {
	ctx := context.Background()
	s := newPeopleService(t)
	tests := []struct {
		policy    string
		minLength int
		password  string
		ok        bool
	}{
		{"none", 0, "a", false}, // the minimum length, 8 by default, applies at every level
		{"none", 0, "aaaaaaaa", true},
		{"low", 0, "aaaaaaaa", true},
		{"low", 12, "aaaaaaaaaaa", false},
		{"fair", 0, "abcdefgh", false},
		{"fair", 0, "abcdEFG1", true},
		{"good", 0, "abcdefg1", false},
		{"good", 0, "abcdef1!", true},
		{"good", 0, "ABCDEF1!", true},
		{"excellent", 0, "abcdef1!", true},
		{"excellent", 0, "aaabcd1!", false},
		{"excellent", 1, "Ab1", true},
	}
	for i, tt := range tests {
		name := tt.policy + "/" + tt.password
		t.Run(name, func(t *testing.T) {
			opts := `{"passwordPolicy":"` + tt.policy + `"}`
			if tt.minLength > 0 {
				opts = `{"passwordPolicy":"` + tt.policy + `","password_complexity_options":{"min_length":` + strconv.Itoa(tt.minLength) + `}}`
			}
			conn := "db" + strconv.Itoa(i)
			if _, err := s.CreateConnection(ctx, ConnectionInput{Name: conn, Strategy: StrategyAuth0, Options: json.RawMessage(opts)}); err != nil {
				t.Fatal(err)
			}
			_, err := s.CreateUser(ctx, UserInput{Connection: conn, Email: "a@example.com", Password: tt.password})
			switch {
			case tt.ok && err != nil:
				t.Errorf("refused: %v", err)
			case !tt.ok:
				wantExactError(t, err, KindInvalid, "PasswordStrengthError: Password is too weak")
			}
		})
	}
}

func TestCreateUserDefaults(t *testing.T) {
	ctx := context.Background()
	s := newPeopleService(t)
	now := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC)
	s.now = func() time.Time { return now }
	if _, err := s.CreateConnection(ctx, ConnectionInput{Name: "db", Strategy: StrategyAuth0}); err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, UserInput{Connection: "db", Email: "Ann@Example.COM", Password: "Passw0rd!",
		AppMetadata: map[string]json.RawMessage{"gone": json.RawMessage(`null`), "plan": json.RawMessage(`"gold"`)}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ann@example.com" || u.Name != "ann@example.com" || u.Nickname != "ann" || u.EmailVerified ||
		u.Blocked != nil || u.Picture != "" || u.Connection != "db" || u.Provider != StrategyAuth0 ||
		u.IdentityUserID() != strings.TrimPrefix(u.ID, "auth0|") || !reflect.DeepEqual(u.AppMetadata, map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)}) {
		t.Errorf("user = %+v", u)
	}
	got, err := s.UserProfile(ctx, u.ID)
	if err != nil || !got.CreatedAt.Equal(now.Truncate(time.Microsecond)) || got.Email != u.Email {
		t.Errorf("read back = %+v, %v", got, err)
	}
	ok, _, err := s.hasher.Verify(ctx, got.PasswordHash, "Passw0rd!")
	if err != nil || !ok {
		t.Errorf("the stored hash does not verify: %v", err)
	}
}

func TestMergeMetadata(t *testing.T) {
	raw := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tt := range []struct{ stored, patch, want string }{
		{`{"a":1,"b":{"x":1,"y":2}}`, `{"b":{"x":3}}`, `{"a":1,"b":{"x":3}}`},
		{`{"a":1,"b":2}`, `{"a":null}`, `{"b":2}`},
		{`{"a":1}`, `{"a":null}`, `null`},
		{`null`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"a":1}`, `{}`, `{"a":1}`},
	} {
		got := mergeMetadata(raw(tt.stored), raw(tt.patch))
		if !reflect.DeepEqual(got, raw(tt.want)) {
			t.Errorf("merge %s into %s = %v, want %s", tt.patch, tt.stored, got, tt.want)
		}
	}
}

func TestParseUserSearch(t *testing.T) {
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		q, sort string
		want    store.UserSearch
	}{
		{"", "", store.UserSearch{}},
		{"email:Ann@Example.COM", "", store.UserSearch{Any: [][]store.UserCondition{{{Field: store.UserFieldEmail, Value: "ann@example.com"}}}}},
		{"email:ANN*", "", store.UserSearch{Any: [][]store.UserCondition{{{Field: store.UserFieldEmail, Value: "ann", Match: store.MatchPrefix}}}}},
		{`name:"Ann Smith" nickname:ann`, "", store.UserSearch{Any: [][]store.UserCondition{{
			{Field: store.UserFieldName, Value: "Ann Smith", IgnoreCase: true}, {Field: store.UserFieldNickname, Value: "ann", IgnoreCase: true}}}}},
		{"blocked:true OR email_verified:false", "", store.UserSearch{Any: [][]store.UserCondition{
			{{Field: store.UserFieldBlocked, Bool: true}}, {{Field: store.UserFieldEmailVerified}}}}},
		{"identities.connection:db AND identities.provider:auth0", "", store.UserSearch{Any: [][]store.UserCondition{{
			{Field: store.UserFieldConnection, Value: "db"}, {Field: store.UserFieldProvider, Value: "auth0"}}}}},
		{"app_metadata.plan:Gold user_metadata.lang:fr", "", store.UserSearch{Any: [][]store.UserCondition{{
			{Field: store.UserFieldAppMetadata, Key: "plan", Value: "Gold"}, {Field: store.UserFieldUserMetadata, Key: "lang", Value: "fr"}}}}},
		{"created_at:[2024-01-02 TO *} last_login:{* TO 2024-01-02]", "last_login:-1", store.UserSearch{
			Any: [][]store.UserCondition{{
				{Field: store.UserFieldCreatedAt, Match: store.MatchRange, From: day, FromInclusive: true},
				{Field: store.UserFieldLastLogin, Match: store.MatchRange, To: day, ToInclusive: true}}},
			Sort: store.UserSort{Field: store.UserFieldLastLogin, Descending: true}}},
		{"", "email:1", store.UserSearch{Sort: store.UserSort{Field: store.UserFieldEmail}}},
	}
	for _, tt := range tests {
		got, err := parseUserSearch(UserSearchInput{Query: tt.q, Sort: tt.sort})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parse(%q, %q) = %+v, %v\nwant %+v", tt.q, tt.sort, got, err, tt.want)
		}
	}
	for _, q := range []string{"password_hash:x", "app_metadata.a.b:x", "app_metadata.:x", "blocked:maybe", "email_verified:tr*",
		"identities.provider:auth*", "created_at:2024-01-01", "user_metadata.lang:fr*", "name:[a TO b]", "last_login:[2024 TO *]"} {
		_, err := parseUserSearch(UserSearchInput{Query: q})
		var e *Error
		if !errors.As(err, &e) || e.Code != "invalid_query_string" || e.Property != "q" {
			t.Errorf("parse(%q) = %v, want a refusal on q", q, err)
		}
	}
}

func TestUserSearchPaging(t *testing.T) {
	ctx := context.Background()
	s := newPeopleService(t)
	if _, err := s.SearchUsers(ctx, UserSearchInput{}, Page{Offset: MaxUserSearchResults, Limit: 1}); err != errUserSearchTooDeep {
		t.Errorf("a page at 1000: %v", err)
	}
	if _, err := s.SearchUsers(ctx, UserSearchInput{}, Page{Offset: MaxUserSearchResults - 1, Limit: 100}); err != nil {
		t.Errorf("the page that reaches 1000: %v", err)
	}
	if _, err := s.SearchUsers(ctx, UserSearchInput{}, Page{Checkpoint: true}); err == nil {
		t.Error("checkpoint paging: no error")
	}
}
