package mgmt

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func TestInvitations(t *testing.T) {
	s := newPeopleServer(t)
	org := s.organization("acme")
	db := s.connection("auth0")
	s.must(201, "POST", "/api/v2/organizations/"+org+"/enabled_connections", `{"connection_id":"`+db.ID+`"}`)
	client := s.client("require", "https://app.example/login")
	role := s.role("member")
	path := "/api/v2/organizations/" + org + "/invitations"
	invite := func(email, extra string) string {
		return `{"inviter":{"name":"Ada"},"invitee":{"email":"` + email + `"},"client_id":"` + client + `"` + extra + `}`
	}
	bad := func(message string) string {
		return `{"statusCode":400,"error":"Bad Request","message":` + fmt.Sprintf("%q", message) + `,"errorCode":"invalid_body"}`
	}

	var minimal map[string]any
	t.Run("create answers 201 with the invitation and its URL", func(t *testing.T) {
		before := time.Now().UTC().Truncate(time.Millisecond)
		r := s.must(201, "POST", path, invite("Jane@Example.com", ""))
		minimal = r.obj()
		id, ticket := minimal["id"].(string), minimal["ticket_id"].(string)
		if !regexp.MustCompile(`^uinv_[A-Za-z0-9]{16}$`).MatchString(id) || !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(ticket) {
			t.Fatalf("id %q, ticket %q", id, ticket)
		}
		created, err := time.Parse("2006-01-02T15:04:05.000Z", minimal["created_at"].(string))
		if err != nil || created.Before(before) {
			t.Fatalf("created_at %v (%v)", minimal["created_at"], err)
		}
		equalJSON(t, r, fmt.Sprintf(`{"id":%q,"organization_id":%q,"inviter":{"name":"Ada"},"invitee":{"email":"jane@example.com"},
			"invitation_url":"https://app.example/login?invitation=%s&organization=%s&organization_name=acme",
			"created_at":%q,"expires_at":%q,"client_id":%q,"ticket_id":%q}`,
			id, org, ticket, org, minimal["created_at"], created.Add(7*24*time.Hour).Format("2006-01-02T15:04:05.000Z"), client, ticket))
		equalJSON(t, s.must(200, "GET", path+"/"+id, ""), r.raw)
	})

	var full map[string]any
	t.Run("the optional fields appear when they were sent", func(t *testing.T) {
		r := s.must(201, "POST", path, invite("max@example.com", `,"connection_id":"`+db.ID+`","roles":["`+role+`"],`+
			`"app_metadata":{"plan":"gold","seats":5},"user_metadata":{"lang":"fr"},"ttl_sec":3600,"send_invitation_email":false`))
		full = r.obj()
		created, _ := time.Parse("2006-01-02T15:04:05.000Z", full["created_at"].(string))
		equalJSON(t, r, fmt.Sprintf(`{"id":%q,"organization_id":%q,"inviter":{"name":"Ada"},"invitee":{"email":"max@example.com"},
			"invitation_url":%q,"created_at":%q,"expires_at":%q,"client_id":%q,"connection_id":%q,
			"app_metadata":{"plan":"gold","seats":5},"user_metadata":{"lang":"fr"},"roles":[%q],"ticket_id":%q}`,
			full["id"], org, full["invitation_url"], full["created_at"], created.Add(time.Hour).Format("2006-01-02T15:04:05.000Z"),
			client, db.ID, role, full["ticket_id"]))
		equalJSON(t, s.must(200, "GET", path+"/"+full["id"].(string), ""), r.raw)
		// ttl_sec 0 is the default, and empty metadata objects are none.
		r = s.must(201, "POST", path, invite("zoe@example.com", `,"ttl_sec":0,"app_metadata":{}`))
		if _, ok := r.obj()["app_metadata"]; ok {
			t.Errorf("an empty app_metadata is shown: %s", r.raw)
		}
	})

	t.Run("fail/refusals, each with its exact answer", func(t *testing.T) {
		denied := s.client("deny", "https://app.example/login")
		local := s.client("allow", "https://localhost:3000/login")
		plain := s.client("allow", "http://app.example/login")
		none := s.client("allow", "")
		oidc := s.connection("oidc")
		tests := []struct{ name, path, body, want string }{
			{"no inviter", path, `{"invitee":{"email":"a@b.co"},"client_id":"c"}`, bad("Payload validation error: 'Missing required property: inviter'.")},
			{"no inviter name", path, `{"inviter":{},"invitee":{"email":"a@b.co"},"client_id":"c"}`,
				bad("Payload validation error: 'Missing required property: name' on property inviter.")},
			{"another inviter property", path, `{"inviter":{"name":"A","email":"x"},"invitee":{"email":"a@b.co"},"client_id":"c"}`,
				bad("Payload validation error: 'Additional properties not allowed: email' on property inviter.")},
			{"no invitee", path, `{"inviter":{"name":"A"},"client_id":"c"}`, bad("Payload validation error: 'Missing required property: invitee'.")},
			{"no client_id", path, `{"inviter":{"name":"A"},"invitee":{"email":"a@b.co"}}`, bad("Payload validation error: 'Missing required property: client_id'.")},
			{"another property", path, invite("a@b.co", `,"organization_id":"x"`), bad("Payload validation error: 'Additional properties not allowed: organization_id'.")},
			{"app_metadata not an object", path, invite("a@b.co", `,"app_metadata":"x"`),
				bad("Payload validation error: 'Expected type object but found type string' on property app_metadata.")},
			{"ttl_sec not an integer", path, invite("a@b.co", `,"ttl_sec":1.5`),
				bad("Payload validation error: 'Expected type integer but found type number' on property ttl_sec.")},
			{"an inviter name too long", path, `{"inviter":{"name":"` + strings.Repeat("n", 301) + `"},"invitee":{"email":"a@b.co"},"client_id":"c"}`,
				bad("Payload validation error: 'String is too long (301 chars), maximum 300' on property inviter.name.")},
			{"not an email", path, invite("jane", ""), bad("Payload validation error: 'Object didn't pass validation for format email: jane' on property invitee.email.")},
			{"ttl_sec over 30 days", path, invite("a@b.co", `,"ttl_sec":2592001`),
				bad("Payload validation error: 'Value 2592001 is outside 0..2592000' on property ttl_sec.")},
			{"51 roles", path, invite("a@b.co", `,"roles":[`+strings.TrimSuffix(strings.Repeat(`"r",`, 51), ",")+`]`),
				bad("Payload validation error: 'Array is too long (51), maximum 50' on property roles.")},
			{"a metadata key with a dot", path, invite("a@b.co", `,"user_metadata":{"a.b":1}`),
				bad("Payload validation error: 'Metadata keys may not contain '.' or '$'' on property user_metadata.a.b.")},
			{"an unknown organization", "/api/v2/organizations/org_nosuchorg0000000/invitations", invite("a@b.co", ""), orgNotFound},
			{"an unknown client", path, strings.Replace(invite("a@b.co", ""), client, "nosuchclient", 1), bad("The specified client_id does not exist.")},
			{"a client that denies organizations", path, strings.Replace(invite("a@b.co", ""), client, denied, 1),
				bad("The specified client does not allow organizations: set its organization_usage to allow or require first.")},
			{"an unknown connection", path, invite("a@b.co", `,"connection_id":"con_nosuchconnection"`), bad("The specified connection does not exist.")},
			{"a connection not enabled for the organization", path, invite("a@b.co", `,"connection_id":"`+oidc.ID+`"`),
				bad("The specified connection is not enabled for this organization.")},
			{"unknown roles", path, invite("a@b.co", `,"roles":["`+role+`","rol_x","rol_y"]`), bad("One or more of the specified roles do not exist: rol_x, rol_y")},
			{"a login route on localhost", path, strings.Replace(invite("a@b.co", ""), client, local, 1),
				bad("A default login route is required to generate the invitation url.")},
			{"a login route over http", path, strings.Replace(invite("a@b.co", ""), client, plain, 1),
				bad("A default login route is required to generate the invitation url.")},
			{"no login route, and no tenant default", path, strings.Replace(invite("a@b.co", ""), client, none, 1),
				bad("A default login route is required to generate the invitation url.")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { equalJSON(t, s.do("POST", tt.path, tt.body), tt.want) })
		}

		// The tenant's default route serves an application without its own.
		_, err := s.st.UpdateTenantSettings(s.ctx, func(set *store.TenantSettings) error {
			set.DefaultRedirectionURI = "https://portal.example/start?via=invite"
			return nil
		})
		s.mustStore(err)
		r := s.must(201, "POST", path, strings.Replace(invite("tom@example.com", ""), client, none, 1))
		u, err := url.Parse(r.obj()["invitation_url"].(string))
		if err != nil || u.Host != "portal.example" || u.Query().Get("via") != "invite" || u.Query().Get("organization_name") != "acme" {
			t.Fatalf("invitation_url %v (%v)", r.obj()["invitation_url"], err)
		}
		s.must(204, "DELETE", path+"/"+r.obj()["id"].(string), "")
	})

	t.Run("a new invitation for the same email replaces the outstanding one", func(t *testing.T) {
		again := s.must(201, "POST", path, invite("JANE@example.com", "")).obj()
		equalJSON(t, s.do("GET", path+"/"+minimal["id"].(string), ""),
			`{"statusCode":404,"error":"Not Found","message":"The invitation does not exist.","errorCode":"inexistent_invitation"}`)
		minimal = again
	})

	t.Run("list: newest first, fields, sort, paging without a total", func(t *testing.T) {
		r := s.must(200, "GET", path+"?fields=invitee", "")
		equalJSON(t, r, `{"invitations":[{"invitee":{"email":"jane@example.com"}},{"invitee":{"email":"zoe@example.com"}},`+
			`{"invitee":{"email":"max@example.com"}}],"start":0,"limit":3}`)
		r = s.must(200, "GET", path+"?fields=invitee&sort=created_at:1&per_page=2&page=1", "")
		equalJSON(t, r, `{"invitations":[{"invitee":{"email":"jane@example.com"}}],"start":2,"limit":1}`)
		r = s.must(200, "GET", path+"?fields=id,invitee,inviter,invitation_url,created_at,expires_at,client_id,ticket_id,organization_id&include_fields=false&include_totals=false", "")
		equalJSON(t, r, `[{},{},{"connection_id":"`+db.ID+`","app_metadata":{"plan":"gold","seats":5},"user_metadata":{"lang":"fr"},"roles":["`+role+`"]}]`)
		if items := s.must(200, "GET", path, "").obj()["invitations"].([]any); items[0].(map[string]any)["invitation_url"] == "" {
			t.Errorf("no URL in the list: %v", items[0])
		}
	})

	t.Run("fail/list refusals", func(t *testing.T) {
		equalJSON(t, s.do("GET", path+"?sort=email:1", ""),
			`{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'No enum match for: \"email:1\" (allowed: created_at:1, created_at:-1)' on property sort.","errorCode":"invalid_query_string"}`)
		equalJSON(t, s.do("GET", path+"?per_page=101", ""),
			`{"statusCode":400,"error":"Bad Request","message":"Query validation error: 'Value 101 is greater than maximum 100' on property per_page.","errorCode":"invalid_query_string"}`)
		equalJSON(t, s.do("GET", path+"?page=20", ""),
			`{"statusCode":400,"error":"Bad Request","message":"Requesting page exceeds the allowed maximum of 1000 records","errorCode":"invalid_paging"}`)
		if r := s.do("GET", path+"?page=19", ""); r.status != 200 {
			t.Errorf("the 20th page of 50 is within 1,000 records: %d %s", r.status, r.raw)
		}
		equalJSON(t, s.do("GET", "/api/v2/organizations/org_nosuchorg0000000/invitations", ""), orgNotFound)
		equalJSON(t, s.do("GET", "/api/v2/organizations/org_nosuchorg0000000/invitations/"+full["id"].(string), ""), orgNotFound)
		equalJSON(t, s.do("GET", "/api/v2/organizations/"+s.organization("other")+"/invitations/"+full["id"].(string), ""),
			`{"statusCode":404,"error":"Not Found","message":"The invitation does not exist.","errorCode":"inexistent_invitation"}`)
	})

	t.Run("fail/scopes", func(t *testing.T) {
		for _, tt := range []struct{ method, path, body, scope string }{
			{"POST", path, invite("a@b.co", ""), "create:organization_invitations"},
			{"GET", path, "", "read:organization_invitations"},
			{"GET", path + "/" + full["id"].(string), "", "read:organization_invitations"},
			{"DELETE", path + "/" + full["id"].(string), "", "delete:organization_invitations"},
		} {
			equalJSON(t, s.doAs("members-reader", tt.method, tt.path, tt.body),
				`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: `+tt.scope+`.","errorCode":"insufficient_scope"}`)
		}
	})

	t.Run("delete answers 204, also for an invitation that is not there", func(t *testing.T) {
		id := full["id"].(string)
		s.must(204, "DELETE", path+"/"+id, "")
		s.must(204, "DELETE", path+"/"+id, "")
		equalJSON(t, s.do("GET", path+"/"+id, ""),
			`{"statusCode":404,"error":"Not Found","message":"The invitation does not exist.","errorCode":"inexistent_invitation"}`)
		equalJSON(t, s.do("DELETE", "/api/v2/organizations/org_nosuchorg0000000/invitations/"+id, ""), orgNotFound)
	})
}
