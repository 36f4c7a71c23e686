package mgmt

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

const orgNotFound = `{"statusCode":404,"error":"Not Found","message":"No organization found by that id or name"}`

func TestOrganizationMembers(t *testing.T) {
	s := newPeopleServer(t)
	org := s.organization("acme")
	db := s.connection("auth0")
	alice, bob := s.user(db.ID), s.user(db.ID)
	path := "/api/v2/organizations/" + org + "/members"
	members := func(ids ...string) string { return `{"members":["` + strings.Join(ids, `","`) + `"]}` }

	t.Run("fail/an unknown user: 404, and no one is added", func(t *testing.T) {
		equalJSON(t, s.do("POST", path, members(alice.ID, "auth0|nosuchuser")),
			`{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`)
		equalJSON(t, s.must(200, "GET", path, ""), `[]`)
	})

	t.Run("add answers 204; adding again is a no-op", func(t *testing.T) {
		r := s.must(204, "POST", path, members(alice.ID))
		if r.raw != "" {
			t.Errorf("body %q", r.raw)
		}
		s.must(204, "POST", path, members(alice.ID, bob.ID))
		equalJSON(t, s.must(200, "GET", path, ""), fmt.Sprintf(`[
			{"user_id":%q,"email":%q,"picture":%q,"name":%q},
			{"user_id":%q,"email":%q,"picture":%q,"name":%q}]`,
			alice.ID, alice.Email, alice.Picture, alice.Name, bob.ID, bob.Email, bob.Picture, bob.Name))
	})

	t.Run("fail/body refusals", func(t *testing.T) {
		tests := []struct{ body, want string }{
			{`{}`, `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: members'.","errorCode":"invalid_body"}`},
			{`{"members":[]}`, `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Array is too short (0), minimum 1' on property members.","errorCode":"invalid_body"}`},
			{members("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Array is too long (11), maximum 10' on property members.","errorCode":"invalid_body"}`},
			{`{"members":[1]}`, `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Expected type string but found type integer' on property members[0].","errorCode":"invalid_body"}`},
			{`{"members":["a"],"roles":[]}`, `{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Additional properties not allowed: roles'.","errorCode":"invalid_body"}`},
		}
		for _, tt := range tests {
			equalJSON(t, s.do("POST", path, tt.body), tt.want)
			equalJSON(t, s.do("DELETE", path, tt.body), tt.want)
		}
	})

	t.Run("fail/an unknown organization", func(t *testing.T) {
		unknown := "/api/v2/organizations/org_nosuchorg0000000/members"
		equalJSON(t, s.do("POST", unknown, members(alice.ID)), orgNotFound)
		equalJSON(t, s.do("DELETE", unknown, members(alice.ID)), orgNotFound)
		equalJSON(t, s.do("GET", unknown, ""), orgNotFound)
	})

	t.Run("fail/scopes", func(t *testing.T) {
		equalJSON(t, s.doAs("members-reader", "POST", path, members(alice.ID)),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: create:organization_members.","errorCode":"insufficient_scope"}`)
		equalJSON(t, s.doAs("members-reader", "DELETE", path, members(alice.ID)),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: delete:organization_members.","errorCode":"insufficient_scope"}`)
		equalJSON(t, s.doAs("roles-reader", "GET", path, ""),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:organization_members.","errorCode":"insufficient_scope"}`)
		if r := s.doAs("members-reader", "GET", path, ""); r.status != 200 {
			t.Errorf("read:organization_members: %d %s", r.status, r.raw)
		}
	})

	admin := s.role("admin")
	s.must(204, "POST", path+"/"+alice.ID+"/roles", `{"roles":["`+admin+`"]}`)

	t.Run("roles only when fields names them, with read:organization_member_roles too", func(t *testing.T) {
		equalJSON(t, s.must(200, "GET", path+"?fields=user_id,roles", ""), fmt.Sprintf(
			`[{"user_id":%q,"roles":[{"id":%q,"name":"admin"}]},{"user_id":%q,"roles":[]}]`, alice.ID, admin, bob.ID))
		equalJSON(t, s.doAs("members-reader", "GET", path+"?fields=roles", ""),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:organization_member_roles.","errorCode":"insufficient_scope"}`)
		if r := s.doAs("members-and-roles", "GET", path+"?fields=roles", ""); r.status != 200 {
			t.Errorf("with both scopes: %d %s", r.status, r.raw)
		}
		// Excluding roles asks for none, and needs no second scope.
		r := s.doAs("members-reader", "GET", path+"?fields=roles,picture&include_fields=false", "")
		equalJSON(t, r, fmt.Sprintf(`[{"user_id":%q,"email":%q,"name":%q},{"user_id":%q,"email":%q,"name":%q}]`,
			alice.ID, alice.Email, alice.Name, bob.ID, bob.Email, bob.Name))
	})

	t.Run("offset and checkpoint pages", func(t *testing.T) {
		r := s.must(200, "GET", path+"?per_page=1&page=1&include_totals=true&fields=user_id", "")
		equalJSON(t, r, fmt.Sprintf(`{"members":[{"user_id":%q}],"start":1,"limit":1,"total":2}`, bob.ID))
		first := s.must(200, "GET", path+"?take=1&fields=user_id", "").obj()
		next, _ := first["next"].(string)
		if next == "" || len(first["members"].([]any)) != 1 {
			t.Fatalf("first checkpoint page %v", first)
		}
		equalJSON(t, s.must(200, "GET", path+"?take=1&fields=user_id&from="+next, ""), fmt.Sprintf(`{"members":[{"user_id":%q}]}`, bob.ID))
		equalJSON(t, s.do("GET", path+"?page=10&per_page=100", ""),
			`{"statusCode":400,"error":"Bad Request","message":"Requesting page exceeds the allowed maximum of 1000 records","errorCode":"invalid_paging"}`)
		equalJSON(t, s.do("GET", path+"?include_fields=maybe", ""),
			`{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'Expected type boolean but found type string' on property include_fields.","errorCode":"invalid_query_string"}`)
	})

	t.Run("a user's organizations", func(t *testing.T) {
		equalJSON(t, s.must(200, "GET", "/api/v2/users/"+alice.ID+"/organizations", ""), fmt.Sprintf(`[{"id":%q,"name":"acme"}]`, org))
		equalJSON(t, s.must(200, "GET", "/api/v2/users/"+alice.ID+"/organizations?include_totals=true", ""),
			fmt.Sprintf(`{"organizations":[{"id":%q,"name":"acme"}],"start":0,"limit":50,"total":1}`, org))
		equalJSON(t, s.do("GET", "/api/v2/users/auth0%7Cnosuchuser/organizations", ""),
			`{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`)
		equalJSON(t, s.doAs("members-reader", "GET", "/api/v2/users/"+alice.ID+"/organizations", ""),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:organizations.","errorCode":"insufficient_scope"}`)
	})

	t.Run("removal: 204, the member's roles there go, its refresh tokens with the organization are revoked", func(t *testing.T) {
		client := s.client("allow", "")
		tok := store.RefreshToken{TokenHash: []byte("alice-in-acme-0000000000000000000"), FamilyID: "fam-alice", ClientID: client,
			UserID: alice.ID, OrganizationID: org, CreatedAt: time.Now().UTC()}
		s.mustStore(s.st.CreateRefreshToken(s.ctx, tok))

		s.must(204, "DELETE", path, members(alice.ID, "auth0|nosuchuser"))
		equalJSON(t, s.must(200, "GET", path+"?fields=user_id", ""), fmt.Sprintf(`[{"user_id":%q}]`, bob.ID))
		equalJSON(t, s.must(200, "GET", path+"/"+alice.ID+"/roles", ""), `[]`)
		got, err := s.st.GetRefreshToken(s.ctx, tok.TokenHash)
		if err != nil || got.RevokedAt.IsZero() {
			t.Fatalf("refresh token %+v, %v: want revoked", got, err)
		}
		if _, err := s.st.GetUser(s.ctx, alice.ID); err != nil {
			t.Fatalf("the user must stay: %v", err)
		}
		s.must(204, "DELETE", path, members(alice.ID)) // not a member any more: a no-op
	})
}
