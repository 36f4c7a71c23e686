package mgmt

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestMalformedInputGets4xx sends bodies, ids and query strings that are wrong in every way we could think
// of to every kind of endpoint: each must get a 4xx in Auth0's error shape, never a 5xx.
func TestMalformedInputGets4xx(t *testing.T) {
	s := newTestServer(t)
	audience, clientID := s.fixture()
	org := s.must(201, "POST", "/api/v2/organizations", `{"name":"acme"}`).obj()["id"].(string)
	conn := s.must(201, "POST", "/api/v2/connections", `{"name":"staff","strategy":"auth0"}`).obj()["id"].(string)
	user := s.user("staff", "ann@acme.example", "")["user_id"].(string)

	bodies := map[string]string{
		"invalid UTF-8":            "{\"name\":\"\xc3\x28\"}",
		"deep nesting":             `{"name":` + strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000) + `}`,
		"nesting past the limit":   strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000),
		"over 64 KiB":              `{"name":"` + strings.Repeat("x", 70<<10) + `"}`,
		"an array":                 `[]`,
		"a string":                 `"name"`,
		"trailing data":            `{"name":"a"} {"name":"b"}`,
		"object for a string":      `{"name":{"a":1}}`,
		"NUL in a value":           `{"name":"a\u0000b","identifier":"x\u0000","client_id":"\u0000","audience":"\u0000","scope":[],"grant_id":"\u0000"}`,
		"long strings":             fmt.Sprintf(`{"name":"%[1]s","identifier":"%[1]s","client_id":"%[1]s","audience":"%[1]s","scope":["%[1]s"],"grant_id":"%[1]s"}`, strings.Repeat("é", 2000)),
		"huge integer":             `{"name":"a","identifier":"https://x","token_lifetime":1e308}`,
		"negative integer":         `{"name":"a","identifier":"https://y","token_lifetime":-1}`,
		"wrong nested types":       `{"name":"a","branding":{"colors":[]},"default_organization":{"organization_id":1,"flows":"x"},"scopes":[1]}`,
		"too many metadata keys":   `{"name":"many","metadata":{` + manyKeys(26) + `}}`,
		"unknown property":         `{"name":"a","identifier":"https://z","client_id":"c","audience":"a","scope":[],"grant_id":"g","zzz":1}`,
		"empty":                    ``,
		"JSON null":                `null`,
		"duplicate keys with junk": `{"name":"a","name":5}`,
	}
	bodyTargets := []struct{ method, path string }{
		{"POST", "/api/v2/resource-servers"},
		{"PATCH", "/api/v2/resource-servers/" + urlEscape(audience)},
		{"POST", "/api/v2/clients"},
		{"PATCH", "/api/v2/clients/" + clientID},
		{"POST", "/api/v2/client-grants"},
		{"POST", "/api/v2/organizations"},
		{"PATCH", "/api/v2/organizations/" + org},
		{"POST", "/api/v2/organizations/" + org + "/client-grants"},
		{"PATCH", "/api/v2/tenants/settings"},
		{"POST", "/api/v2/connections"},
		{"PATCH", "/api/v2/connections/" + conn},
		{"PATCH", "/api/v2/connections/" + conn + "/clients"},
		{"POST", "/api/v2/users"},
		{"PATCH", userPath(user)},
	}
	for name, body := range bodies {
		for _, target := range bodyTargets {
			t.Run(name+"/"+target.method+" "+target.path, func(t *testing.T) {
				r := s.do(target.method, target.path, body)
				if body == "[]" && strings.HasSuffix(target.path, "/clients") && r.status == http.StatusNoContent {
					return // enables and disables nothing: the one valid body here
				}
				want4xx(t, r)
			})
		}
	}

	odd := []string{
		strings.Repeat("a", 8<<10), "%00", "%FF%FE", "%2E%2E", "org_%E2%80%AE", "%20", "a%2Fb%2Fc", "%25",
		"cgr_" + strings.Repeat("0", 200), "name",
	}
	idTargets := []string{
		"GET /api/v2/resource-servers/%s", "DELETE /api/v2/resource-servers/%s",
		"GET /api/v2/clients/%s", "DELETE /api/v2/clients/%s", "POST /api/v2/clients/%s/rotate-secret",
		"GET /api/v2/client-grants/%s", "GET /api/v2/client-grants/%s/organizations",
		"GET /api/v2/organizations/%s", "DELETE /api/v2/organizations/%s", "GET /api/v2/organizations/name/%s",
		"GET /api/v2/organizations/%s/client-grants", "DELETE /api/v2/organizations/%s/client-grants/%[1]s",
		"GET /api/v2/connections/%s", "DELETE /api/v2/connections/%s", "GET /api/v2/connections/%s/clients",
		"GET /api/v2/users/%s", "DELETE /api/v2/users/%s",
	}
	for _, id := range odd {
		for _, target := range idTargets {
			method, pattern, _ := strings.Cut(target, " ")
			path := fmt.Sprintf(pattern, id)
			t.Run(fmt.Sprintf("odd id %.20s/%s", id, target), func(t *testing.T) {
				r := s.do(method, path, "")
				// Deleting what does not exist may succeed quietly (client grants); nothing else may.
				if r.status == http.StatusNoContent && method == "DELETE" {
					return
				}
				want4xx(t, r)
			})
		}
	}

	queries := []string{
		"per_page=abc", "per_page=0", "page=-1", "page=1e3", "include_totals=maybe", "take=1000", "from=%zz",
		"take=5&page=1", "audience=" + strings.Repeat("a", 601), "allow_any_organization=yes", "from=not-a-cursor",
		strings.Repeat("grant_ids=x&", 11), "per_page=99999999999999999999999",
		"q=%28", "q=name%3A%22", "q=" + strings.Repeat("a", 3000), "q=name:%00", "q=created_at:%5B%00%20TO%20*%5D",
		"sort=email:0", "search_engine=v1", "fields=" + strings.Repeat("x,", 5000), "include_fields=1", "strategy=%00",
		"email=%FF", "page=11&per_page=100",
	}
	listTargets := []string{
		"/api/v2/resource-servers", "/api/v2/clients", "/api/v2/client-grants", "/api/v2/organizations",
		"/api/v2/organizations/" + org + "/client-grants", "/api/v2/connections", "/api/v2/connections/" + conn + "/clients",
		"/api/v2/users", "/api/v2/users-by-email",
	}
	for _, q := range queries {
		for _, target := range listTargets {
			t.Run(fmt.Sprintf("query %.30s/%s", q, target), func(t *testing.T) {
				r := s.do("GET", target+"?"+q, "")
				// Parameters a list does not know are ignored, so some of these are fine there.
				if r.status == http.StatusOK {
					return
				}
				want4xx(t, r)
			})
		}
	}
}

func want4xx(t *testing.T, r response) {
	t.Helper()
	if r.status < 400 || r.status > 499 {
		t.Fatalf("status %d, want 4xx: %.300s", r.status, r.raw)
	}
	if body := r.obj(); body["statusCode"] != float64(r.status) || body["error"] != http.StatusText(r.status) || body["message"] == "" {
		t.Errorf("not Auth0's error shape: %.300s", r.raw)
	}
}

func manyKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":"v"`, i)
	}
	return strings.Join(keys, ",")
}

func urlEscape(s string) string {
	return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(s)
}
