package oauth

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"
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
	f.Fuzz(func(t *testing.T, body, authorization, user, password string) {
		r := rawRequest("application/x-www-form-urlencoded", body)
		basic := authorization == "" && (user != "" || password != "")
		if basic {
			authorization = basicHeader(user, password)
		}
		r.Header.Set("Authorization", authorization)
		req, err := parseTokenRequest(r)

		sent, formErr := url.ParseQuery(body)
		switch {
		case formErr != nil:
			if err == nil {
				t.Fatalf("accepted the malformed form %q", body)
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

// FuzzParseJSON checks that an accepted JSON body is an object of strings that encoding/json reads the
// same way (a repeated key: the last value).
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b","a":"c"}`, `{"a":1}`, `{"a":{"b":"c"}}`, `[]`, `null`, `{"a":"b"} x`, `{"\u00e9":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		params, err := parseJSON([]byte(body))
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("error %v is not invalid_request", err)
			}
			return
		}
		var want map[string]string
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("accepted %q, which encoding/json rejects: %v", body, err)
		}
		if len(params) != len(want) {
			t.Fatalf("parsed %q as %v, encoding/json as %v", body, params, want)
		}
		for k, v := range want {
			if got := params[k]; len(got) == 0 || got[len(got)-1] != v {
				t.Errorf("key %q: parsed %q, encoding/json %q", k, got, v)
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
