package mgmt

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

const roleNotFound = `{"statusCode":404,"error":"Not Found","message":"Role not found.","errorCode":"inexistent_role"}`

func TestRoles(t *testing.T) {
	s := newPeopleServer(t)

	var id string
	t.Run("create answers 200 with the role", func(t *testing.T) {
		r := s.must(200, "POST", "/api/v2/roles", `{"name":"Billing admin","description":"Manages invoices"}`)
		id, _ = r.obj()["id"].(string)
		if !strings.HasPrefix(id, "rol_") || len(id) != 20 {
			t.Fatalf("id %q", id)
		}
		equalJSON(t, r, `{"id":"`+id+`","name":"Billing admin","description":"Manages invoices"}`)
		equalJSON(t, s.must(200, "POST", "/api/v2/roles", `{"name":"Viewer"}`), `{"id":"`+s.lastRoleID("Viewer")+`","name":"Viewer"}`)
	})

	t.Run("fail/refusals", func(t *testing.T) {
		tests := []struct{ name, method, path, body, want string }{
			{"duplicate name", "POST", "/api/v2/roles", `{"name":"Billing admin"}`,
				`{"statusCode":409,"error":"Conflict","message":"The role already exists.","errorCode":"role_conflict"}`},
			{"no name", "POST", "/api/v2/roles", `{"description":"x"}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: name'.","errorCode":"invalid_body"}`},
			{"an empty name", "POST", "/api/v2/roles", `{"name":""}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'String is too short (0 chars), minimum 1' on property name.","errorCode":"invalid_body"}`},
			{"an organization-owned role", "POST", "/api/v2/roles", `{"name":"x","type":"organization","owner_id":"org_x"}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Additional properties not allowed: owner_id'.","errorCode":"invalid_body"}`},
			{"a long description", "PATCH", "/api/v2/roles/" + id, `{"description":"` + strings.Repeat("d", 256) + `"}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'String is too long (256 chars), maximum 255' on property description.","errorCode":"invalid_body"}`},
			{"rename onto another's name", "PATCH", "/api/v2/roles/" + id, `{"name":"Viewer"}`,
				`{"statusCode":409,"error":"Conflict","message":"The role already exists.","errorCode":"role_conflict"}`},
			{"get an unknown role", "GET", "/api/v2/roles/rol_nosuchrole00000", "", roleNotFound},
			{"patch an unknown role", "PATCH", "/api/v2/roles/rol_nosuchrole00000", `{"name":"x"}`, roleNotFound},
			{"delete an unknown role", "DELETE", "/api/v2/roles/rol_nosuchrole00000", "", roleNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { equalJSON(t, s.do(tt.method, tt.path, tt.body), tt.want) })
		}
	})

	t.Run("get, patch, list with name_filter", func(t *testing.T) {
		equalJSON(t, s.must(200, "GET", "/api/v2/roles/"+id, ""), `{"id":"`+id+`","name":"Billing admin","description":"Manages invoices"}`)
		equalJSON(t, s.must(200, "PATCH", "/api/v2/roles/"+id, `{"name":"Billing owner"}`),
			`{"id":"`+id+`","name":"Billing owner","description":"Manages invoices"}`)
		equalJSON(t, s.must(200, "GET", "/api/v2/roles?name_filter=OWNER", ""),
			`[{"id":"`+id+`","name":"Billing owner","description":"Manages invoices"}]`)
		equalJSON(t, s.must(200, "GET", "/api/v2/roles?name_filter=nobody&include_totals=true", ""),
			`{"roles":[],"start":0,"limit":50,"total":0}`)
		if got := s.must(200, "GET", "/api/v2/roles", "").list(); len(got) != 2 {
			t.Fatalf("roles %v", got)
		}
	})

	t.Run("fail/scopes", func(t *testing.T) {
		for _, tt := range []struct{ method, path, body, scope string }{
			{"POST", "/api/v2/roles", `{"name":"x"}`, "create:roles"},
			{"PATCH", "/api/v2/roles/" + id, `{"name":"x"}`, "update:roles"},
			{"DELETE", "/api/v2/roles/" + id, "", "delete:roles"},
			{"POST", "/api/v2/roles/" + id + "/permissions", `{"permissions":[]}`, "update:roles"},
			{"DELETE", "/api/v2/roles/" + id + "/permissions", `{"permissions":[]}`, "update:roles"},
		} {
			equalJSON(t, s.doAs("roles-reader", tt.method, tt.path, tt.body),
				`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: `+tt.scope+`.","errorCode":"insufficient_scope"}`)
		}
		equalJSON(t, s.doAs("users-reader", "GET", "/api/v2/roles", ""),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:roles.","errorCode":"insufficient_scope"}`)
	})

	t.Run("delete answers 200 {}", func(t *testing.T) {
		equalJSON(t, s.must(200, "DELETE", "/api/v2/roles/"+id, ""), `{}`)
		equalJSON(t, s.do("GET", "/api/v2/roles/"+id, ""), roleNotFound)
	})

	t.Run("fail/1,000 roles per tenant", func(t *testing.T) {
		now := time.Now().UTC()
		for i := range 999 { // with Viewer, 1,000
			s.mustStore(s.st.CreateRole(s.ctx, store.Role{ID: fmt.Sprintf("rol_%016d", i), Name: fmt.Sprintf("role %d", i), CreatedAt: now, UpdatedAt: now}))
		}
		equalJSON(t, s.do("POST", "/api/v2/roles", `{"name":"one too many"}`),
			`{"statusCode":409,"error":"Conflict","message":"A tenant cannot have more than 1000 roles.","errorCode":"too_many_roles"}`)
	})
}

// lastRoleID finds a role's id by its exact name.
func (s *peopleServer) lastRoleID(name string) string {
	s.t.Helper()
	l, err := s.st.ListRoles(s.ctx, name, store.Page{})
	s.mustStore(err)
	for _, r := range l.Items {
		if r.Name == name {
			return r.ID
		}
	}
	s.t.Fatalf("no role %q", name)
	return ""
}

func TestRolePermissions(t *testing.T) {
	s := newPeopleServer(t)
	audience, _ := s.fixture() // read:data and write:data
	s.must(200, "PATCH", "/api/v2/resource-servers/"+urlEscape(audience),
		`{"scopes":[{"value":"read:data","description":"Read data"},{"value":"write:data"}]}`)
	role := s.role("editor")
	path := "/api/v2/roles/" + role + "/permissions"
	perms := func(names ...string) string {
		var items []string
		for _, n := range names {
			items = append(items, `{"resource_server_identifier":"`+audience+`","permission_name":"`+n+`"}`)
		}
		return `{"permissions":[` + strings.Join(items, ",") + `]}`
	}

	t.Run("fail/refusals", func(t *testing.T) {
		tests := []struct{ name, body, want string }{
			{"no permissions property", `{}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: permissions'.","errorCode":"invalid_body"}`},
			{"no permissions", `{"permissions":[]}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Array is too short (0), minimum 1' on property permissions.","errorCode":"invalid_body"}`},
			{"an item without a name", `{"permissions":[{"resource_server_identifier":"x"}]}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: permission_name' on property permissions[0].","errorCode":"invalid_body"}`},
			{"an item with another property", `{"permissions":[{"resource_server_identifier":"x","permission_name":"y","sources":[]}]}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Additional properties not allowed: sources' on property permissions[0].","errorCode":"invalid_body"}`},
			{"a scope the API does not define", perms("read:data", "delete:data"),
				`{"statusCode":400,"error":"Bad Request","message":"Scope \"delete:data\" is not defined by the API \"https://api.example.com/data\".","errorCode":"invalid_body"}`},
			{"an unknown API", `{"permissions":[{"resource_server_identifier":"https://nosuch.example/","permission_name":"read:data"}]}`,
				`{"statusCode":400,"error":"Bad Request","message":"No resource server found by that identifier: \"https://nosuch.example/\".","errorCode":"invalid_body"}`},
			{"the Management API", `{"permissions":[{"resource_server_identifier":"` + testIssuer + `api/v2/","permission_name":"read:clients"}]}`,
				`{"statusCode":400,"error":"Bad Request","message":"Permissions of the Management API cannot be granted to roles: it takes client-credentials tokens only.","errorCode":"invalid_body"}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { equalJSON(t, s.do("POST", path, tt.body), tt.want) })
		}
		equalJSON(t, s.do("POST", "/api/v2/roles/rol_nosuchrole00000/permissions", perms("read:data")), roleNotFound)
		equalJSON(t, s.do("DELETE", "/api/v2/roles/rol_nosuchrole00000/permissions", perms("read:data")), roleNotFound)
		equalJSON(t, s.do("GET", "/api/v2/roles/rol_nosuchrole00000/permissions", ""), roleNotFound)
	})

	t.Run("add answers 201 {}; the list has the API's words", func(t *testing.T) {
		equalJSON(t, s.must(201, "POST", path, perms("write:data", "read:data")), `{}`)
		s.must(201, "POST", path, perms("read:data")) // held already: no error
		want := `[{"permission_name":"write:data","description":"","resource_server_name":"Data","resource_server_identifier":"` + audience + `"},` +
			`{"permission_name":"read:data","description":"Read data","resource_server_name":"Data","resource_server_identifier":"` + audience + `"}]`
		equalJSON(t, s.must(200, "GET", path, ""), want)
		equalJSON(t, s.must(200, "GET", path+"?include_totals=true&per_page=1", ""),
			`{"permissions":[{"permission_name":"write:data","description":"","resource_server_name":"Data","resource_server_identifier":"`+audience+`"}],"start":0,"limit":1,"total":2}`)
		if r := s.doAs("roles-reader", "GET", path, ""); r.status != 200 {
			t.Errorf("read:roles: %d %s", r.status, r.raw)
		}
	})

	t.Run("remove answers 204", func(t *testing.T) {
		r := s.must(204, "DELETE", path, perms("write:data", "never:granted"))
		if r.raw != "" {
			t.Errorf("body %q", r.raw)
		}
		if got := s.must(200, "GET", path, "").list(); len(got) != 1 {
			t.Fatalf("permissions %v", got)
		}
	})
}

func TestUserAndMemberRoles(t *testing.T) {
	s := newPeopleServer(t)
	org := s.organization("acme")
	db := s.connection("auth0")
	alice := s.user(db.ID)
	var roles []string
	for i := range 51 {
		roles = append(roles, s.role(fmt.Sprintf("role %02d", i)))
	}
	body := func(ids ...string) string { return `{"roles":["` + strings.Join(ids, `","`) + `"]}` }
	userPath := "/api/v2/users/" + alice.ID + "/roles"
	memberPath := "/api/v2/organizations/" + org + "/members/" + alice.ID + "/roles"
	roleJSON := func(i int) string { return fmt.Sprintf(`{"id":%q,"name":"role %02d"}`, roles[i], i) }

	for _, path := range []string{userPath, memberPath} {
		t.Run("fail/body and references: "+path, func(t *testing.T) {
			equalJSON(t, s.do("POST", path, `{}`),
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: roles'.","errorCode":"invalid_body"}`)
			equalJSON(t, s.do("POST", path, `{"roles":[]}`),
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Array is too short (0), minimum 1' on property roles.","errorCode":"invalid_body"}`)
			equalJSON(t, s.do("POST", path, body(roles[0], "rol_a", "rol_b")),
				`{"statusCode":400,"error":"Bad Request","message":"One or more of the specified roles do not exist: rol_a, rol_b","errorCode":"invalid_body"}`)
			equalJSON(t, s.do("GET", path, ""), `[]`)
		})
	}

	t.Run("tenant roles: assign 204, list, remove 204; the 51st is refused", func(t *testing.T) {
		s.must(204, "POST", userPath, body(roles[1], roles[0]))
		equalJSON(t, s.must(200, "GET", userPath, ""), `[`+roleJSON(0)+`,`+roleJSON(1)+`]`)
		equalJSON(t, s.must(200, "GET", userPath+"?include_totals=true&per_page=1&page=1", ""),
			`{"roles":[`+roleJSON(1)+`],"start":1,"limit":1,"total":2}`)
		s.must(204, "POST", userPath, body(roles[2:50]...))
		equalJSON(t, s.do("POST", userPath, body(roles[50])),
			`{"statusCode":409,"error":"Conflict","message":"No more roles can be assigned to this user.","errorCode":"too_many_user_roles"}`)
		s.must(204, "DELETE", userPath, body(roles[2:50]...))
		equalJSON(t, s.must(200, "GET", userPath, ""), `[`+roleJSON(0)+`,`+roleJSON(1)+`]`)
	})

	t.Run("tenant roles: scopes", func(t *testing.T) {
		equalJSON(t, s.doAs("users-reader", "GET", userPath, ""),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:roles.","errorCode":"insufficient_scope"}`)
		equalJSON(t, s.doAs("roles-reader", "GET", userPath, ""),
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:users.","errorCode":"insufficient_scope"}`)
		if r := s.doAs("users-and-roles", "GET", userPath, ""); r.status != 200 {
			t.Errorf("read:users and read:roles: %d %s", r.status, r.raw)
		}
		for _, method := range []string{"POST", "DELETE"} {
			equalJSON(t, s.doAs("users-and-roles", method, userPath, body(roles[0])),
				`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: update:users.","errorCode":"insufficient_scope"}`)
		}
	})

	t.Run("tenant roles: an unknown user", func(t *testing.T) {
		const unknownUser = `{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`
		for _, method := range []string{"GET", "POST", "DELETE"} {
			b := ""
			if method != "GET" {
				b = body(roles[0])
			}
			equalJSON(t, s.do(method, "/api/v2/users/auth0%7Cnosuchuser/roles", b), unknownUser)
		}
	})

	t.Run("member roles: a non-member may hold them; the 51st is refused with the SPEC's message", func(t *testing.T) {
		s.must(204, "POST", memberPath, body(roles[:50]...))
		equalJSON(t, s.do("POST", memberPath, body(roles[50])),
			`{"statusCode":409,"error":"Conflict","message":"No more roles can be assigned to this organization member.","errorCode":"too_many_member_roles"}`)
		got := s.must(200, "GET", memberPath+"?include_totals=true&per_page=2", "")
		equalJSON(t, got, `{"roles":[`+roleJSON(0)+`,`+roleJSON(1)+`],"start":0,"limit":2,"total":50}`)
		s.must(204, "DELETE", memberPath, body(roles[2:50]...))
		equalJSON(t, s.must(200, "GET", memberPath, ""), `[`+roleJSON(0)+`,`+roleJSON(1)+`]`)
	})

	t.Run("member roles: unknown organization or user", func(t *testing.T) {
		const unknownUser = `{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}`
		unknownOrgPath := "/api/v2/organizations/org_nosuchorg0000000/members/" + alice.ID + "/roles"
		unknownUserPath := "/api/v2/organizations/" + org + "/members/auth0%7Cnosuchuser/roles"
		for _, method := range []string{"GET", "POST", "DELETE"} {
			b := ""
			if method != "GET" {
				b = body(roles[0])
			}
			equalJSON(t, s.do(method, unknownOrgPath, b), orgNotFound)
			equalJSON(t, s.do(method, unknownUserPath, b), unknownUser)
		}
	})

	t.Run("member roles: scopes", func(t *testing.T) {
		for _, tt := range []struct{ method, scope string }{
			{"POST", "create:organization_member_roles"}, {"GET", "read:organization_member_roles"}, {"DELETE", "delete:organization_member_roles"},
		} {
			b := ""
			if tt.method != "GET" {
				b = body(roles[0])
			}
			equalJSON(t, s.doAs("members-reader", tt.method, memberPath, b),
				`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: `+tt.scope+`.","errorCode":"insufficient_scope"}`)
		}
	})

	t.Run("deleting a role takes it from users and members", func(t *testing.T) {
		equalJSON(t, s.must(200, "DELETE", "/api/v2/roles/"+roles[0], ""), `{}`)
		equalJSON(t, s.must(200, "GET", userPath, ""), `[`+roleJSON(1)+`]`)
		equalJSON(t, s.must(200, "GET", memberPath, ""), `[`+roleJSON(1)+`]`)
	})
}
