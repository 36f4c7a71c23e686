package mgmt

import (
	"fmt"
	"testing"
)

func TestEnabledConnections(t *testing.T) {
	s := newPeopleServer(t)
	org := s.organization("acme")
	db, oidc := s.connection("auth0"), s.connection("oidc")
	path := "/api/v2/organizations/" + org + "/enabled_connections"
	const signup = `{"statusCode":400,"error":"Bad Request","message":"Only database connections with assign_membership_on_login = true support is_signup_enabled = true.","errorCode":"invalid_body"}`
	const notEnabled = `{"statusCode":404,"error":"Not Found","message":"No connection found by that id"}`
	dbJSON := func(assign, button, signup bool) string {
		return fmt.Sprintf(`{"connection_id":%q,"assign_membership_on_login":%v,"show_as_button":%v,"is_signup_enabled":%v,"connection":{"name":%q,"strategy":"auth0"}}`,
			db.ID, assign, button, signup, db.Name)
	}
	oidcJSON := fmt.Sprintf(`{"connection_id":%q,"assign_membership_on_login":false,"show_as_button":true,"connection":{"name":%q,"strategy":"oidc"}}`,
		oidc.ID, oidc.Name)

	t.Run("fail/refusals on create", func(t *testing.T) {
		tests := []struct{ name, path, body, want string }{
			{"no connection_id", path, `{"show_as_button":true}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Missing required property: connection_id'.","errorCode":"invalid_body"}`},
			{"another property", path, `{"connection_id":"` + db.ID + `","organization_id":"x"}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Additional properties not allowed: organization_id'.","errorCode":"invalid_body"}`},
			{"a flag of the wrong type", path, `{"connection_id":"` + db.ID + `","show_as_button":"yes"}`,
				`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Expected type boolean but found type string' on property show_as_button.","errorCode":"invalid_body"}`},
			{"signup without membership on login", path, `{"connection_id":"` + db.ID + `","is_signup_enabled":true}`, signup},
			{"signup on an OIDC connection", path, `{"connection_id":"` + oidc.ID + `","is_signup_enabled":true,"assign_membership_on_login":true}`, signup},
			{"an unknown connection", path, `{"connection_id":"con_nosuchconnection"}`,
				`{"statusCode":404,"error":"Not Found","message":"The connection does not exist","errorCode":"inexistent_connection"}`},
			{"an unknown organization", "/api/v2/organizations/org_nosuchorg0000000/enabled_connections", `{"connection_id":"` + db.ID + `"}`, orgNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { equalJSON(t, s.do("POST", tt.path, tt.body), tt.want) })
		}
	})

	t.Run("create answers 201 with the entry and its connection", func(t *testing.T) {
		equalJSON(t, s.must(201, "POST", path, `{"connection_id":"`+oidc.ID+`"}`), oidcJSON)
		equalJSON(t, s.must(201, "POST", path, `{"connection_id":"`+db.ID+`","assign_membership_on_login":true,"is_signup_enabled":true,"show_as_button":false}`),
			dbJSON(true, false, true))
		equalJSON(t, s.do("POST", path, `{"connection_id":"`+db.ID+`"}`),
			`{"statusCode":409,"error":"Conflict","message":"The organization connection already exists.","errorCode":"organization_connection_conflict"}`)
	})

	t.Run("list and get", func(t *testing.T) {
		equalJSON(t, s.must(200, "GET", path, ""), `[`+dbJSON(true, false, true)+`,`+oidcJSON+`]`)
		equalJSON(t, s.must(200, "GET", path+"?include_totals=true&per_page=5&page=0", ""),
			`{"enabled_connections":[`+dbJSON(true, false, true)+`,`+oidcJSON+`],"start":0,"limit":2,"total":2}`)
		equalJSON(t, s.must(200, "GET", path+"?include_totals=true&per_page=1&page=1", ""),
			`{"enabled_connections":[`+oidcJSON+`],"start":1,"limit":1,"total":2}`)
		equalJSON(t, s.must(200, "GET", path+"/"+oidc.ID, ""), oidcJSON)
		equalJSON(t, s.do("GET", path+"/con_nosuchconnection", ""), notEnabled)
		equalJSON(t, s.do("GET", "/api/v2/organizations/org_nosuchorg0000000/enabled_connections", ""), orgNotFound)
		equalJSON(t, s.do("GET", "/api/v2/organizations/org_nosuchorg0000000/enabled_connections/"+db.ID, ""), orgNotFound)
	})

	t.Run("patch: the three booleans only, and the entry that results keeps the rules", func(t *testing.T) {
		equalJSON(t, s.do("PATCH", path+"/"+db.ID, `{"connection_id":"x"}`),
			`{"statusCode":400,"error":"Bad Request","message":"Payload validation error: 'Additional properties not allowed: connection_id'.","errorCode":"invalid_body"}`)
		equalJSON(t, s.do("PATCH", path+"/"+db.ID, `{"assign_membership_on_login":false}`), signup)
		equalJSON(t, s.do("PATCH", path+"/"+oidc.ID, `{"assign_membership_on_login":true,"is_signup_enabled":true}`), signup)
		equalJSON(t, s.must(200, "PATCH", path+"/"+db.ID, `{"assign_membership_on_login":false,"is_signup_enabled":false,"show_as_button":true}`),
			dbJSON(false, true, false))
		equalJSON(t, s.must(200, "PATCH", path+"/"+db.ID, `{}`), dbJSON(false, true, false))
		equalJSON(t, s.do("PATCH", path+"/con_nosuchconnection", `{}`), notEnabled)
		equalJSON(t, s.do("PATCH", "/api/v2/organizations/org_nosuchorg0000000/enabled_connections/"+db.ID, `{}`), orgNotFound)
	})

	t.Run("fail/scopes", func(t *testing.T) {
		for _, tt := range []struct{ method, path, body, scope string }{
			{"POST", path, `{"connection_id":"x"}`, "create:organization_connections"},
			{"GET", path, "", "read:organization_connections"},
			{"GET", path + "/" + db.ID, "", "read:organization_connections"},
			{"PATCH", path + "/" + db.ID, `{}`, "update:organization_connections"},
			{"DELETE", path + "/" + db.ID, "", "delete:organization_connections"},
		} {
			equalJSON(t, s.doAs("members-reader", tt.method, tt.path, tt.body),
				`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: `+tt.scope+`.","errorCode":"insufficient_scope"}`)
		}
	})

	t.Run("delete answers 204; an entry that is not there is 404", func(t *testing.T) {
		r := s.must(204, "DELETE", path+"/"+oidc.ID, "")
		if r.raw != "" {
			t.Errorf("body %q", r.raw)
		}
		equalJSON(t, s.do("DELETE", path+"/"+oidc.ID, ""), notEnabled)
		equalJSON(t, s.do("DELETE", "/api/v2/organizations/org_nosuchorg0000000/enabled_connections/"+db.ID, ""), orgNotFound)
		equalJSON(t, s.must(200, "GET", path, ""), `[`+dbJSON(false, true, false)+`]`)
	})

	t.Run("fail/more than 10", func(t *testing.T) {
		crowded := s.organization("crowded")
		p := "/api/v2/organizations/" + crowded + "/enabled_connections"
		for range 10 {
			s.must(201, "POST", p, `{"connection_id":"`+s.connection("oidc").ID+`"}`)
		}
		equalJSON(t, s.do("POST", p, `{"connection_id":"`+db.ID+`"}`),
			`{"statusCode":409,"error":"Conflict","message":"An organization cannot have more than 10 connections.","errorCode":"too_many_connections"}`)
	})
}
