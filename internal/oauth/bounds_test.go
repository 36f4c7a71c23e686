package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

// jsonRequest is app's JSON token request for audUnset with the members extra added.
func jsonRequest(extra string) *http.Request {
	return rawRequest("application/json", `{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret",`+
		`"audience":"`+audUnset+`"`+extra+`}`)
}

// The token endpoint ignores parameters it does not know whatever their JSON type (RFC 6749 §3.2); a
// parameter it reads must be a string, and what it skips is bounded in depth.
func TestJSONParameterTypes(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	accepted := map[string]string{
		"an unknown number":                    `,"n":42`,
		"an unknown number beyond float64":     `,"n":1e999`,
		"an unknown boolean":                   `,"b":true`,
		"an unknown null":                      `,"z":null`,
		"an unknown array":                     `,"a":["x",1,{"y":[null]}]`,
		"an unknown object":                    `,"o":{"k":{"k":"v"},"l":[]}`,
		"an unknown string":                    `,"s":"v"`,
		"unknown values nested to the limit":   `,"d":` + deep(maxJSONDepth),
		"an unknown key repeated across types": `,"r":1,"r":"v","r":{}`,
	}
	for name, extra := range accepted {
		t.Run("ok/"+name+" is ignored", func(t *testing.T) {
			checkToken(t, newFixture(t).serve(jsonRequest(extra)))
		})
	}
	refused := []struct {
		name, body, description string
	}{
		{"fail/a known parameter as a number", `{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret","audience":1}`,
			"Parameter audience must be a string"},
		{"fail/a known parameter as an array", `{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret","audience":"` + audUnset + `","scope":["read"]}`,
			"Parameter scope must be a string"},
		{"fail/a known parameter as an object", `{"grant_type":"client_credentials","client_id":{"id":"app"},"client_secret":"app-secret"}`,
			"Parameter client_id must be a string"},
		{"fail/a known parameter as a boolean", `{"grant_type":true}`, "Parameter grant_type must be a string"},
		{"fail/a client assertion as an object", `{"grant_type":"client_credentials","client_id":"app","client_assertion":{"alg":"none"}}`,
			"Parameter client_assertion must be a string"},
		{"fail/a known parameter also sent as a string", `{"grant_type":"client_credentials","grant_type":1}`,
			"Parameter grant_type must be a string"},
		{"fail/nesting past the limit", `{"d":` + deep(maxJSONDepth+1) + `}`, "The JSON body nests values more than 16 deep"},
		{"fail/a body of nothing but nesting", `{"d":` + strings.Repeat("[", 60_000), "The JSON body nests values more than 16 deep"},
		{"fail/malformed nesting", `{"d":[1,}`, "The body must be a JSON object"},
		{"fail/unclosed nesting", `{"d":[{"a":1}`, "The body must be a JSON object"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			rec := newFixture(t).serve(rawRequest("application/json", tt.body))
			checkError(t, rec, http.StatusBadRequest, "invalid_request", tt.description)
		})
	}
}

// A client_id longer than any client's is refused as invalid_client before any lookup (the directory
// would answer 500 here) and is not logged.
func TestOverlongClientIDIsRefusedBeforeLookup(t *testing.T) {
	long := strings.Repeat("a", tenant.MaxClientIDLength+1)
	requests := map[string]func() *http.Request{
		"in Basic": func() *http.Request {
			r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
			r.Header.Set("Authorization", basicHeader(long, "secret"))
			return r
		},
		"of 500 KB in Basic": func() *http.Request {
			r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
			r.Header.Set("Authorization", basicHeader(strings.Repeat("a", 500_000), "secret"))
			return r
		},
		"in the form": func() *http.Request {
			return formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {long}, "client_secret": {"s"}, "audience": {audUnset}})
		},
		"in JSON": func() *http.Request {
			return rawRequest("application/json", `{"grant_type":"client_credentials","client_id":"`+long+`","client_secret":"s"}`)
		},
		"of 65 two-byte characters": func() *http.Request {
			return formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {strings.Repeat("é", tenant.MaxClientIDLength+1)}, "client_secret": {"s"}})
		},
	}
	for name, request := range requests {
		t.Run("fail/"+name, func(t *testing.T) {
			f := newFixture(t)
			f.dir.viewErr = errBackend
			checkError(t, f.serve(request()), http.StatusUnauthorized, "invalid_client", "Client authentication failed")
			if logs := f.logs.String(); strings.Contains(logs, long) || len(logs) > 1024 {
				t.Errorf("the log quotes the id: %.300s", logs)
			}
		})
	}
	t.Run("ok/an id of 64 characters is looked up", func(t *testing.T) {
		f := newFixture(t)
		f.dir.viewErr = errBackend
		r := formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {strings.Repeat("é", tenant.MaxClientIDLength)}, "client_secret": {"s"}})
		checkError(t, f.serve(r), http.StatusInternalServerError, "server_error", "Internal error")
	})
}

// A refusal's log line quotes a short prefix of each value the client chose; the answer keeps them whole.
func TestRefusalLogsQuotePrefixes(t *testing.T) {
	long := strings.Repeat("x", 60_000)
	tests := []struct {
		name        string
		form        url.Values
		status      int
		code, descr string
	}{
		{"an unknown audience", clientCredentialsForm("app", url.Values{"audience": {"https://" + long}}),
			http.StatusForbidden, "access_denied", "Service not enabled within domain: https://" + long},
		{"an unsupported grant type", url.Values{"grant_type": {long}},
			http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: " + long},
		{"an unknown organization", clientCredentialsForm("app", url.Values{"audience": {audUnset}, "organization": {"org_" + long}}),
			http.StatusBadRequest, "invalid_request", "parameter organization is not allowed for this client grant"},
		{"an unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"s"}, "audience": {long}},
			http.StatusUnauthorized, "invalid_client", "Client authentication failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			checkError(t, f.serve(formRequest(tt.form)), tt.status, tt.code, tt.descr)
			logs := f.logs.String()
			if len(logs) > 1024 || strings.Contains(logs, strings.Repeat("x", 300)) {
				t.Errorf("the log line is %d bytes: %.600s", len(logs), logs)
			}
			if !strings.Contains(logs, "…[cut, ") {
				t.Errorf("the log line does not say what it cut: %s", logs)
			}
		})
	}
}
