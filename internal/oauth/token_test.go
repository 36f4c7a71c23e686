package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestTokenRequestParsing(t *testing.T) {
	ok := func(client string) url.Values {
		return clientCredentialsForm(client, url.Values{"audience": {audUnset}})
	}
	tests := []struct {
		name        string
		request     func() *http.Request
		status      int    // 200 for success
		code        string // error, when status != 200
		description string
	}{
		{
			name:    "ok/client_secret_post",
			request: func() *http.Request { return formRequest(ok("app")) },
			status:  http.StatusOK,
		},
		{
			name: "ok/client_secret_basic",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("basic", "basic-secret"))
				return r
			},
			status: http.StatusOK,
		},
		{
			name: "ok/basic credentials are form-encoded",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("encoded", testSecrets["encoded"]))
				return r
			},
			status: http.StatusOK,
		},
		{
			name: "ok/basic client_id with a colon and a plus",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("a:b+c", testSecrets["a:b+c"]))
				return r
			},
			status: http.StatusOK,
		},
		{
			name: "ok/basic scheme name is case-insensitive",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", "basic"+strings.TrimPrefix(basicHeader("basic", "basic-secret"), "Basic"))
				return r
			},
			status: http.StatusOK,
		},
		{
			name: "ok/same client_id in basic and body",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {"basic"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("basic", "basic-secret"))
				return r
			},
			status: http.StatusOK,
		},
		{
			name: "ok/parameter repeated with the same value",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset, audUnset}}))
			},
			status: http.StatusOK,
		},
		{
			name: "ok/unknown parameters are ignored, even repeated",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset}, "resource": {"a", "b"}}))
			},
			status: http.StatusOK,
		},
		{
			name: "ok/form content type with charset",
			request: func() *http.Request {
				return rawRequest("application/x-www-form-urlencoded; charset=UTF-8", ok("app").Encode())
			},
			status: http.StatusOK,
		},
		{
			name: "ok/json body",
			request: func() *http.Request {
				return rawRequest("application/json", `{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret","audience":"`+audUnset+`"}`)
			},
			status: http.StatusOK,
		},
		{
			name: "ok/json body with basic",
			request: func() *http.Request {
				r := rawRequest("application/json; charset=utf-8", `{"grant_type":"client_credentials","audience":"`+audUnset+`"}`)
				r.Header.Set("Authorization", basicHeader("basic", "basic-secret"))
				return r
			},
			status: http.StatusOK,
		},
		{
			name: "fail/client_id in basic and body differ",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {"plain"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("basic", "basic-secret"))
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Conflicting values for parameter: client_id",
		},
		{
			name: "fail/client_secret in basic and body differ",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "client_secret": {"other"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("basic", "basic-secret"))
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Conflicting values for parameter: client_secret",
		},
		{
			name: "fail/parameter repeated with different values",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset, audDeny}}))
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Conflicting values for parameter: audience",
		},
		{
			name: "fail/json key repeated with different values",
			request: func() *http.Request {
				return rawRequest("application/json", `{"grant_type":"client_credentials","client_id":"app","client_id":"plain","client_secret":"app-secret","audience":"x"}`)
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Conflicting values for parameter: client_id",
		},
		{
			name: "fail/missing grant_type",
			request: func() *http.Request {
				return formRequest(url.Values{"client_id": {"app"}, "client_secret": {"app-secret"}})
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Missing required parameter: grant_type",
		},
		{
			name: "fail/empty grant_type counts as missing",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"grant_type": {""}, "audience": {audUnset}}))
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Missing required parameter: grant_type",
		},
		{
			name: "fail/unsupported grant type",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"grant_type": {"password"}}))
			},
			status: http.StatusBadRequest, code: "unsupported_grant_type", description: "Unsupported grant type: password",
		},
		{
			name: "fail/no client credentials",
			request: func() *http.Request {
				return formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/client_id without secret",
			request: func() *http.Request {
				return formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "audience": {audUnset}})
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/wrong secret by post",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"client_secret": {"nope"}, "audience": {audUnset}}))
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/wrong secret by basic",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", basicHeader("basic", "nope"))
				return r
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/unknown client",
			request: func() *http.Request {
				return formRequest(url.Values{"grant_type": {"client_credentials"}, "client_id": {"ghost"}, "client_secret": {"x"}, "audience": {audUnset}})
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/basic credentials sent without form-encoding",
			request: func() *http.Request {
				// A raw "+" decodes to a space, so the secret no longer matches.
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", "Basic "+b64("a:b+c:colon-plus-secret"))
				return r
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/basic not base64",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", "Basic !!!")
				return r
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/basic without colon",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", "Basic "+b64("app"))
				return r
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/basic with a bad escape",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", "Basic "+b64("app:%zz"))
				return r
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/another authorization scheme is no authentication",
			request: func() *http.Request {
				r := formRequest(url.Values{"grant_type": {"client_credentials"}, "audience": {audUnset}})
				r.Header.Set("Authorization", "Bearer abc")
				return r
			},
			status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication failed",
		},
		{
			name: "fail/parameters in the query string are not read",
			request: func() *http.Request {
				r := formRequest(clientCredentialsForm("app", nil))
				r.URL.RawQuery = url.Values{"audience": {audUnset}}.Encode()
				return r
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Missing required parameter: audience",
		},
		{
			name:    "fail/no content type",
			request: func() *http.Request { return rawRequest("", ok("app").Encode()) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "Content-Type must be application/x-www-form-urlencoded or application/json",
		},
		{
			name:    "fail/wrong content type",
			request: func() *http.Request { return rawRequest("text/plain", ok("app").Encode()) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "Content-Type must be application/x-www-form-urlencoded or application/json",
		},
		{
			name:    "fail/malformed content type",
			request: func() *http.Request { return rawRequest("application/json; charset", "{}") },
			status:  http.StatusBadRequest, code: "invalid_request", description: "Content-Type must be application/x-www-form-urlencoded or application/json",
		},
		{
			name:    "fail/malformed form",
			request: func() *http.Request { return rawRequest("application/x-www-form-urlencoded", "grant_type=%zz") },
			status:  http.StatusBadRequest, code: "invalid_request", description: "Malformed application/x-www-form-urlencoded body",
		},
		{
			name: "fail/body over 64 KiB",
			request: func() *http.Request {
				return formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset}, "pad": {strings.Repeat("x", 64<<10)}}))
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Request body too large",
		},
		{
			name: "fail/json number value",
			request: func() *http.Request {
				return rawRequest("application/json", `{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret","audience":1}`)
			},
			status: http.StatusBadRequest, code: "invalid_request", description: "Parameter audience must be a string",
		},
		{
			name:    "fail/json null value",
			request: func() *http.Request { return rawRequest("application/json", `{"grant_type":null}`) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "Parameter grant_type must be a string",
		},
		{
			name:    "fail/json nested object",
			request: func() *http.Request { return rawRequest("application/json", `{"grant_type":{"a":{"b":"c"}}}`) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "Parameter grant_type must be a string",
		},
		{
			name:    "fail/json array",
			request: func() *http.Request { return rawRequest("application/json", `["client_credentials"]`) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "The body must be a JSON object",
		},
		{
			name:    "fail/json trailing data",
			request: func() *http.Request { return rawRequest("application/json", `{"grant_type":"client_credentials"}{}`) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "The body must be a JSON object",
		},
		{
			name:    "fail/json truncated",
			request: func() *http.Request { return rawRequest("application/json", `{"grant_type":"client_credentials"`) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "The body must be a JSON object",
		},
		{
			name:    "fail/empty json body",
			request: func() *http.Request { return rawRequest("application/json", ``) },
			status:  http.StatusBadRequest, code: "invalid_request", description: "The body must be a JSON object",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.serve(tt.request())
			if tt.status == http.StatusOK {
				checkToken(t, rec)
				return
			}
			checkError(t, rec, tt.status, tt.code, tt.description)
		})
	}
}

func TestTokenEndpointAcceptsOnlyPost(t *testing.T) {
	f := newFixture(t)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			rec := f.serve(httpRequest(method, "/oauth/token"))
			checkError(t, rec, http.StatusMethodNotAllowed, "invalid_request", "The token endpoint accepts only POST")
			if got := rec.Header().Get("Allow"); got != http.MethodPost {
				t.Errorf("Allow = %q, want POST", got)
			}
		})
	}
}

func TestTenantFailureIsAnInternalErrorWithoutItsCause(t *testing.T) {
	f := newFixture(t)
	f.dir.viewErr = errBackend
	rec := f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audAllow}, "organization": {acme.ID}})))
	checkError(t, rec, http.StatusInternalServerError, "server_error", "Internal error")
	if strings.Contains(rec.Body.String(), errBackend.Error()) {
		t.Errorf("body %s reveals the cause", rec.Body)
	}
	line := logLine(t, f.logs.String(), "token request failed")
	if line["level"] != "ERROR" || !strings.Contains(line["err"].(string), errBackend.Error()) {
		t.Errorf("log line = %v, want ERROR with the cause", line)
	}
}

func TestRefusalsAreLoggedWithoutSecrets(t *testing.T) {
	f := newFixture(t)
	rec := f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audAllow}, "organization": {globex.ID}})))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status = %d, want 403", rec.Code)
	}
	line := logLine(t, f.logs.String(), "token request refused")
	want := map[string]any{
		"level":        "INFO",
		"client_id":    "app",
		"grant_type":   "client_credentials",
		"audience":     audAllow,
		"organization": globex.ID,
		"error":        "access_denied",
		"reason":       `Client is not authorized to access "` + audAllow + `" on behalf of organization "` + globex.ID + `"`,
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	if strings.Contains(f.logs.String(), testSecrets["app"]) {
		t.Errorf("log %s contains the client secret", f.logs)
	}
}

func TestSuccessLogsNoToken(t *testing.T) {
	f := newFixture(t)
	tb := checkToken(t, f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audUnset}}))))
	logs := f.logs.String()
	if strings.Contains(logs, tb.AccessToken) || strings.Contains(logs, testSecrets["app"]) {
		t.Errorf("log %s contains the token or the secret", logs)
	}
}

// logLine returns the JSON log line with message msg.
func logLine(t *testing.T, logs, msg string) map[string]any {
	t.Helper()
	for l := range strings.Lines(logs) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == msg {
			return m
		}
	}
	t.Fatalf("no log line %q in %s", msg, logs)
	return nil
}

func TestUnreachableStoreIsTemporarilyUnavailable(t *testing.T) {
	f := newFixture(t)
	f.dir.viewErr = fmt.Errorf("dial tcp: connection refused: %w", store.ErrUnavailable)
	rec := f.serve(formRequest(clientCredentialsForm("app", url.Values{"audience": {audAllow}, "organization": {acme.ID}})))
	checkError(t, rec, http.StatusServiceUnavailable, "temporarily_unavailable", ErrTemporarilyUnavailable.Description)
	if strings.Contains(rec.Body.String(), "connection refused") {
		t.Errorf("body %s reveals the cause", rec.Body)
	}
}
