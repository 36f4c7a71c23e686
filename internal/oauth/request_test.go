package oauth

import (
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

func TestParamRules(t *testing.T) {
	req := &tokenRequest{params: map[string][]string{
		"one":       {"a"},
		"same":      {"a", "a"},
		"empty":     {""},
		"with-gaps": {"", "a", ""},
		"conflict":  {"a", "b"},
	}}
	tests := []struct {
		name, param, want string
		wantErr           bool
	}{
		{name: "a single value", param: "one", want: "a"},
		{name: "a value repeated identically", param: "same", want: "a"},
		{name: "an empty value counts as absent", param: "empty", want: ""},
		{name: "empty copies do not conflict", param: "with-gaps", want: "a"},
		{name: "different values conflict", param: "conflict", wantErr: true},
		{name: "an absent parameter", param: "absent", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := req.param(tt.param)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("param(%q) = %q, %v; want %q, error %v", tt.param, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("error %v is not invalid_request", err)
			}
		})
	}
}

// FuzzParseTokenRequest parses form bodies with Basic credentials. Property: no panic; a well-formed
// form with well-formed Basic parses; and each parameter, read with param, is the one distinct non-empty
// value sent for it across the body and Basic, or an invalid_request when there are several.
// A non-empty authorization is sent as is (only "no panic" and the body's parameters are checked then);
// otherwise user and password, when set, are sent form-encoded in Basic.
func FuzzParseTokenRequest(f *testing.F) {
	f.Add("grant_type=client_credentials&audience=x", "", "app", "secret")
	f.Add("client_id=a&client_id=b", "", "", "")
	f.Add("client_id=app&client_secret=", "", "app", "s+%:")
	f.Add("client_id=other", "", "app", "s")
	f.Add("a=%zz&b", "", "", "")
	f.Add("x=1;y=2", "", "", "")
	f.Add("scope=a+b&scope=a%20b", "", "", "")
	f.Add("", "Basic !!!", "", "")
	f.Add("", "Basic "+b64("a%zz:b"), "", "")
	f.Add("", "Basic "+b64("a:b:c"), "", "")
	f.Add("grant_type=client_credentials", "", strings.Repeat("a", 65), "s")
	f.Add("client_id="+strings.Repeat("a", 65), "", "", "")
	f.Add("grant_type=client_credentials", "", "app", strings.Repeat("s%", 150)) // Basic longer than its stack buffer
	f.Fuzz(func(t *testing.T, body, authorization, user, password string) {
		r := rawRequest("application/x-www-form-urlencoded", body)
		basic := authorization == "" && (user != "" || password != "")
		if basic {
			authorization = basicHeader(user, password)
		}
		r.Header.Set("Authorization", authorization)
		req, err := parseTokenRequest(r)

		sent, formErr := url.ParseQuery(body)
		ids := sent["client_id"]
		if basic {
			ids = append(ids, user)
		}
		tooLong := slices.ContainsFunc(ids, tenant.ClientIDTooLong)
		switch {
		case formErr != nil:
			if err == nil {
				t.Fatalf("accepted the malformed form %q", body)
			}
			return
		case tooLong && err == nil:
			t.Fatalf("accepted a client_id longer than %d characters", tenant.MaxClientIDLength)
		case tooLong && basic:
			if !errors.Is(err, ErrInvalidClient) {
				t.Fatalf("a client_id longer than %d characters gave %v, want invalid_client", tenant.MaxClientIDLength, err)
			}
			return
		case err != nil && basic:
			t.Fatalf("rejected a well-formed request: %v", err)
		case err != nil:
			if !errors.Is(err, ErrInvalidClient) {
				t.Fatalf("a malformed Authorization %q gave %v, want invalid_client", authorization, err)
			}
			return
		}
		credentialsKnown := basic || authorization == ""
		if basic {
			sent["client_id"] = append(sent["client_id"], user)
			sent["client_secret"] = append(sent["client_secret"], password)
		}
		for name, values := range sent {
			if !credentialsKnown && (name == "client_id" || name == "client_secret") {
				continue
			}
			checkParam(t, req, name, values)
		}
		if credentialsKnown {
			checkParam(t, req, "client_id", sent["client_id"])
		}
	})
}

// FuzzParseJSON checks that an accepted JSON body is an object that encoding/json reads the same way:
// its string values are the parameters (a repeated key: the last value), and every key whose last value
// is of another type is noted as not a string.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b","a":"c"}`, `{"a":1}`, `{"a":{"b":"c"}}`, `[]`, `null`, `{"a":"b"} x`,
		`{"\u00e9":"\ud800"}`, `{"a":1e999}`, `{"a":[true,false,null,{"b":[]}]}`, `{"a":"b","a":2}`, `{"a":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		params, notStrings, err := parseJSON([]byte(body))
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("error %v is not invalid_request", err)
			}
			return
		}
		var want map[string]any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil || want == nil || dec.More() {
			t.Fatalf("accepted %q, which encoding/json does not read as one object: %v", body, err)
		}
		for k := range params {
			if _, ok := want[k]; !ok {
				t.Errorf("parsed key %q, which encoding/json did not", k)
			}
		}
		for k := range notStrings {
			if _, ok := want[k]; !ok {
				t.Errorf("noted key %q, which encoding/json did not", k)
			}
		}
		for k, v := range want {
			s, isString := v.(string)
			switch got := params[k]; {
			case !isString && !notStrings[k]:
				t.Errorf("key %q: encoding/json read %v, not noted as not a string", k, v)
			case isString && !notStrings[k] && (len(got) == 0 || got[len(got)-1] != s):
				t.Errorf("key %q: parsed %q, encoding/json %q", k, got, s)
			}
		}
	})
}

// checkParam asserts what param returns for a parameter sent with values.
func checkParam(t *testing.T, req *tokenRequest, name string, values []string) {
	t.Helper()
	distinct := map[string]bool{}
	for _, v := range values {
		if v != "" {
			distinct[v] = true
		}
	}
	got, err := req.param(name)
	switch {
	case len(distinct) > 1:
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("param %q sent as %q: got %q, %v; want invalid_request", name, values, got, err)
		}
	case err != nil:
		t.Errorf("param %q sent as %q: unexpected %v", name, values, err)
	case len(distinct) == 0 && got != "", len(distinct) == 1 && !distinct[got]:
		t.Errorf("param %q sent as %q: got %q", name, values, got)
	}
}

// readBody reads a body of a known length into a buffer of that length, and still reads all of a body
// whose length is unknown or (in a request net/http would not hand over) longer than announced.
func TestReadBody(t *testing.T) {
	const body = "grant_type=client_credentials&audience=x"
	tests := []struct {
		name    string
		length  int64
		wantErr bool
	}{
		{name: "as long as announced", length: int64(len(body))},
		{name: "unknown length", length: -1},
		{name: "longer than announced", length: 5},
		{name: "shorter than announced", length: int64(len(body)) + 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawRequest(formMediaType, body)
			r.ContentLength = tt.length
			got, err := readBody(r)
			if tt.wantErr {
				if err == nil {
					t.Errorf("read %q, want an error", got)
				}
				return
			}
			if err != nil || string(got) != body {
				t.Errorf("read %q, %v; want %q", got, err, body)
			}
		})
	}
}

// The media type is read as mime.ParseMediaType reads it, for the common form value as for the rest.
func TestRequestMediaType(t *testing.T) {
	for _, ct := range []string{formMediaType, "application/x-www-form-urlencoded; charset=utf-8",
		"Application/X-WWW-Form-Urlencoded", "application/x-www-form-urlencoded;", " application/x-www-form-urlencoded",
		"application/json", "", "application/json; charset", "text/plain"} {
		want, _, wantErr := mime.ParseMediaType(ct)
		got, err := requestMediaType(ct)
		if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
			t.Errorf("requestMediaType(%q) = %q, %v; mime.ParseMediaType: %q, %v", ct, got, err, want, wantErr)
		}
	}
}
