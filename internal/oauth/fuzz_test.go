package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// maxServeTime bounds the time one fuzzed request may take. Real requests take well under a millisecond;
// the bound is loose so that a loaded CI machine never trips it, and catches a hang or a blow-up.
const maxServeTime = 3 * time.Second

// tokenErrors are the OAuth errors a client can cause, by code: a fuzzed request may get only these.
var tokenErrors = map[string]*Error{}

func init() {
	for _, e := range []*Error{ErrInvalidRequest, ErrInvalidClient, ErrUnauthorizedClient, ErrAccessDenied,
		ErrUnsupportedGrantType, ErrInvalidScope} {
		tokenErrors[e.Code] = e
	}
}

// fuzzTokenHandler is the token endpoint over the fixture's directory with nothing that fails on purpose:
// the PS256 API, whose key the test signer lacks, is removed, so any 5xx is a bug. Organization names
// are allowed, so that they are looked up too. It logs at debug level to nowhere, so the log code runs on
// every input without the log growing.
func fuzzTokenHandler(tb testing.TB) http.Handler {
	dir := newFakeTenant()
	delete(dir.apis, audPS256)
	dir.settings.AllowOrganizationNameInAuthenticationAPI = true
	mux := http.NewServeMux()
	New(Config{
		Issuer: testIssuer,
		View:   dir.view,
		Signer: newTestSigner(tb),
		Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return testNow },
	}).Mount(mux)
	return mux
}

// serveBounded serves r and fails when the handler takes longer than maxServeTime, hung or not.
func serveBounded(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
		return rec
	case <-time.After(maxServeTime):
		t.Fatalf("no answer within %v", maxServeTime)
		return nil
	}
}

// FuzzTokenEndpoint sends fuzzed Content-Type, body and Authorization to POST /oauth/token over a tenant
// with real clients. Every answer must come in time, never be a 5xx, carry the token endpoint's headers,
// and be valid JSON: a token of the success shape, or exactly {error, error_description} with a code a
// client can cause, at that code's status, with the Basic challenge on a 401.
func FuzzTokenEndpoint(f *testing.F) {
	form := "application/x-www-form-urlencoded"
	ok := clientCredentialsForm("app", url.Values{"audience": {audUnset}}).Encode()
	seeds := []struct {
		contentType, body, authorization string
	}{
		{form, ok, ""},
		{form, "grant_type=client_credentials&audience=" + url.QueryEscape(audAny) + "&scope=read%3Adata", basicHeader("encoded", testSecrets["encoded"])},
		{form, "grant_type=client_credentials&audience=" + url.QueryEscape(audRequire) + "&organization=acme", basicHeader("a:b+c", testSecrets["a:b+c"])},
		{form, clientCredentialsForm("app", url.Values{"audience": {audAllow}, "organization": {acme.ID}}).Encode(), ""},
		{form, clientCredentialsForm("stranger", url.Values{"audience": {audRequire}}).Encode(), ""},
		{form, clientCredentialsForm("nocc", url.Values{"audience": {audUnset}}).Encode(), ""},
		{form, clientCredentialsForm("app", url.Values{"audience": {audDeny}, "organization": {"org_x"}}).Encode(), ""},
		{form, clientCredentialsForm("app", url.Values{"audience": {audUnset}, "scope": {"a\tb  c"}}).Encode(), ""},
		{form, ok + "&client_id=plain", ""},
		{form, ok, basicHeader("plain", "plain-secret")},
		{form, "grant_type=password", ""},
		{form, "a=%zz&b", ""},
		{form + "; charset=utf-8", ok, ""},
		{"application/json", `{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret","audience":"` + audUnset + `"}`, ""},
		{"application/json; charset=utf-8", `{"grant_type":"client_credentials","audience":"` + audUnset + `"}`, basicHeader("app", "app-secret")},
		{"application/json", `{"grant_type":"client_credentials","grant_type":"x"}`, ""},
		{"application/json", `{"grant_type":{"a":[1,{"b":null}]}}`, ""},
		{"application/json", `{"audience":"\ud800\u2028","grant_type":"\u0000"}`, ""},
		{"application/json", "{\"grant_type\":\"\xff\xfe\"}", ""},
		{"application/json", `{"a":"b"} {}`, ""},
		{"application/json", strings.Repeat("[", 10000), ""},
		{"application/json", `{"audience":"` + strings.Repeat("x", maxBodyBytes) + `"}`, ""},
		{"text/plain", ok, ""},
		{"application/json; charset", "{}", ""},
		{"", ok, ""},
		{form, ok, "Basic !!!"},
		{form, ok, "basic " + b64("app:%zz")},
		{form, ok, "Basic " + b64("app")},
		{form, ok, "Bearer abc"},
		{form, ok, "Basic"},
	}
	for _, s := range seeds {
		f.Add(s.contentType, []byte(s.body), s.authorization)
	}
	h := fuzzTokenHandler(f)
	f.Fuzz(func(t *testing.T, contentType string, body []byte, authorization string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		rec := serveBounded(t, h, r)
		checkTokenAnswer(t, rec)
	})
}

// checkTokenAnswer asserts what FuzzTokenEndpoint requires of every answer.
func checkTokenAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	checkTokenHeaders(t, rec)
	if !utf8.Valid(rec.Body.Bytes()) {
		t.Fatalf("body is not UTF-8: %q", rec.Body)
	}
	if rec.Code == http.StatusOK {
		checkToken(t, rec)
		return
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("status %d, body %q: %v", rec.Code, rec.Body, err)
	}
	code, _ := body["error"].(string)
	description, _ := body["error_description"].(string)
	if len(body) != 2 || description == "" {
		t.Fatalf("body %s is not {error, error_description}", rec.Body)
	}
	e, known := tokenErrors[code]
	if !known || rec.Code != e.Status {
		t.Fatalf("status %d with error %q: not an answer a client can cause", rec.Code, code)
	}
	wantChallenge := ""
	if rec.Code == http.StatusUnauthorized {
		wantChallenge = `Basic realm="` + testIssuer + `"`
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != wantChallenge {
		t.Fatalf("WWW-Authenticate = %q, want %q", got, wantChallenge)
	}
}

// maxAuth0ClientID is the length of Auth0's client ids. Longer client_id values may be refused by the
// endpoint's length rules, which FuzzParamConflict leaves to their own tests.
const maxAuth0ClientID = 32

// FuzzParamConflict sends one parameter twice, both times in the body (form or JSON), or once in the body
// and once in HTTP Basic for client_id and client_secret. Property: two different non-empty values are
// always invalid_request naming the parameter; otherwise the parameter reads as the one non-empty value
// sent, or as absent.
func FuzzParamConflict(f *testing.F) {
	for _, s := range []struct {
		how                 uint8
		name, first, second string
	}{
		{0, "audience", "a", "b"},
		{0, "audience", "a", "a"},
		{0, "scope", "", "read:data"},
		{0, "", "x", "y"},
		{0, "a&b=c", "%", "+"},
		{1, "grant_type", "client_credentials", "password"},
		{1, "organization", "\xff", "\xfe"}, // both become U+FFFD in JSON
		{1, "\u00e9", "\ud7ff", ""},
		{2, "client_id", "app", "plain"},
		{2, "client_id", "a:b+c", "a:b+c"},
		{3, "client_secret", "s3cr+t:%/ é&=", "other"},
		{3, "client_secret", "", "s"},
	} {
		f.Add(s.how, s.name, s.first, s.second)
	}
	f.Fuzz(func(t *testing.T, how uint8, name, first, second string) {
		viaJSON, viaBasic := how&1 == 1, how&2 == 2
		if viaBasic && name != "client_id" {
			name = "client_secret"
		}
		r, name, sent := conflictRequest(t, viaJSON, viaBasic, name, first, second)
		req, err := parseTokenRequest(r)
		var got string
		if err == nil {
			got, err = req.param(name)
		}

		distinct := map[string]bool{}
		for _, v := range sent {
			if v != "" {
				distinct[v] = true
			}
		}
		conflict := ErrInvalidRequest.WithDescription("Conflicting values for parameter: " + name)
		switch {
		case len(distinct) > 1:
			if e, ok := errors.AsType[*Error](err); !ok || *e != *conflict {
				t.Fatalf("%q sent as %q: got %q, %v; want %v", name, sent, got, err, conflict)
			}
		case err != nil && name == "client_id" && (len(first) > maxAuth0ClientID || len(second) > maxAuth0ClientID):
			if e, ok := errors.AsType[*Error](err); !ok || e.Status >= 500 {
				t.Fatalf("a long client_id gave %v, want a 4xx *Error", err)
			}
		case err != nil:
			t.Fatalf("%q sent as %q: %v", name, sent, err)
		case len(distinct) == 0 && got != "", len(distinct) == 1 && !distinct[got]:
			t.Fatalf("%q sent as %q: read as %q", name, sent, got)
		}
	})
}

// conflictRequest builds FuzzParamConflict's request and returns the name and the values as the server
// should read them (JSON can carry only UTF-8, so json.Marshal turns invalid bytes into U+FFFD).
func conflictRequest(t *testing.T, viaJSON, viaBasic bool, name, first, second string) (*http.Request, string, []string) {
	t.Helper()
	inBody := []string{first, second}
	if viaBasic {
		inBody = inBody[:1]
	}
	var r *http.Request
	if viaJSON {
		var b strings.Builder
		b.WriteByte('{')
		for i, v := range inBody {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(mustMarshal(t, name))
			b.WriteByte(':')
			b.Write(mustMarshal(t, v))
		}
		b.WriteByte('}')
		r = rawRequest("application/json", b.String())
		name = jsonRoundTrip(t, name)
		for i, v := range inBody {
			inBody[i] = jsonRoundTrip(t, v)
		}
	} else {
		form := url.Values{name: inBody}
		r = rawRequest("application/x-www-form-urlencoded", form.Encode())
	}
	sent := inBody
	if viaBasic {
		user, password := second, "p"
		if name == "client_secret" {
			user, password = "c", second
		}
		r.Header.Set("Authorization", basicHeader(user, password))
		sent = append(sent, second)
	}
	return r, name, sent
}

func mustMarshal(t *testing.T, s string) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonRoundTrip is s as a JSON reader sees it after json.Marshal.
func jsonRoundTrip(t *testing.T, s string) string {
	t.Helper()
	var out string
	if err := json.Unmarshal(mustMarshal(t, s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzBasicCredentials checks basicCredentials on any header (no panic; a non-Basic scheme is not
// credentials; a malformed Basic header is invalid_client) and that any user and password, form-encoded
// into Basic as RFC 6749 §2.3.1 says, come back unchanged whatever the scheme's case and the spaces
// around the credentials.
func FuzzBasicCredentials(f *testing.F) {
	for _, s := range [][3]string{
		{"app", "app-secret", ""},
		{"a:b+c", "s3cr+t:%/ é&=", "Basic " + b64("a:b")},
		{"", "", "Basic " + b64(":")},
		{"\xff", "\x00", "basic   " + b64("a%zz:b") + "  "},
		{"u", "p", "Basic !!!"},
		{"u", "p", "Basic " + b64("nocolon")},
		{"u", "p", "Bearer " + b64("a:b")},
		{"u", "p", "Basic"},
		{"u", "p", "BASIC " + b64("a:b:c")},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, user, password, header string) {
		for _, h := range []string{
			basicHeader(user, password),
			"basic" + strings.TrimPrefix(basicHeader(user, password), "Basic"),
			"BASIC  " + strings.TrimPrefix(basicHeader(user, password), "Basic ") + " \t",
		} {
			gotUser, gotPassword, ok, err := basicCredentials(h)
			if err != nil || !ok || gotUser != user || gotPassword != password {
				t.Fatalf("%q: got %q, %q, %v, %v; want %q, %q", h, gotUser, gotPassword, ok, err, user, password)
			}
		}

		gotUser, gotPassword, ok, err := basicCredentials(header)
		scheme, _, _ := strings.Cut(header, " ")
		switch {
		case !strings.EqualFold(scheme, "Basic"):
			if ok || err != nil {
				t.Fatalf("%q is not Basic, yet gave %v, %v", header, ok, err)
			}
		case err != nil:
			if ok || !errors.Is(err, ErrInvalidClient) {
				t.Fatalf("%q: %v, %v; want invalid_client", header, ok, err)
			}
		case !ok:
			t.Fatalf("%q: neither credentials nor an error", header)
		default:
			// What decoded must encode back to credentials that decode the same.
			u, p, ok, err := basicCredentials(basicHeader(gotUser, gotPassword))
			if err != nil || !ok || u != gotUser || p != gotPassword {
				t.Fatalf("%q decoded as %q, %q, which do not round-trip: %q, %q, %v", header, gotUser, gotPassword, u, p, err)
			}
		}
	})
}
