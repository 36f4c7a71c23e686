package login

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/policy"
)

const testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

var (
	webApp = app{id: "web", callbacks: []string{"https://app.example/callback"},
		policy: policy.Client{ID: "web", GrantTypes: []string{"authorization_code", "refresh_token"}}}
	spaApp = app{id: "spa", callbacks: []string{"http://localhost:3000/cb"}, public: true,
		policy: policy.Client{ID: "spa", GrantTypes: []string{"authorization_code"}}}
	m2mApp = app{id: "m2m", callbacks: []string{"https://m2m.example/cb"},
		policy: policy.Client{ID: "m2m", GrantTypes: []string{"client_credentials"}}}
)

func lookupApp(id string) (app, bool) {
	for _, a := range []app{webApp, spaApp, m2mApp} {
		if a.id == id {
			return a, true
		}
	}
	return app{}, false
}

func TestParseAuthorize(t *testing.T) {
	base := "client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback&response_type=code"
	tests := []struct {
		name  string
		query string
		page  bool   // refused on a page
		code  string // refused with this error ("" accepted)
		desc  string // a substring of the description
		check func(t *testing.T, r authorizeRequest)
	}{
		{name: "ok/the minimum", query: base, check: func(t *testing.T, r authorizeRequest) {
			if r.ResponseMode != "query" || r.MaxAge != -1 || r.Scopes != nil {
				t.Errorf("%+v", r)
			}
		}},
		{name: "ok/everything", query: base + "&scope=openid+profile+openid+read:x&state=s&nonce=n&audience=https://api&organization=acme&invitation=T1" +
			"&prompt=login&connection=db&login_hint=ann@acme.test&screen_hint=signup&max_age=0&response_mode=form_post&code_challenge=" + testChallenge + "&code_challenge_method=S256",
			check: func(t *testing.T, r authorizeRequest) {
				if !slices.Equal(r.Scopes, []string{"openid", "profile", "read:x"}) || r.State != "s" || r.Nonce != "n" || r.Audience != "https://api" ||
					r.Organization != "acme" || r.Invitation != "T1" || r.Prompt != "login" || r.Connection != "db" || r.LoginHint != "ann@acme.test" ||
					r.ScreenHint != "signup" || r.MaxAge != 0 || r.ResponseMode != "form_post" || r.CodeChallenge != testChallenge {
					t.Errorf("%+v", r)
				}
			}},
		{name: "ok/prompt consent is ignored", query: base + "&prompt=consent", check: func(t *testing.T, r authorizeRequest) {
			if r.Prompt != "" {
				t.Errorf("prompt %q", r.Prompt)
			}
		}},
		{name: "ok/a public client with PKCE", query: "client_id=spa&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&response_type=code&code_challenge=" + testChallenge + "&code_challenge_method=S256"},

		{name: "page/no client_id", query: "redirect_uri=https%3A%2F%2Fapp.example%2Fcallback", page: true, desc: "client_id"},
		{name: "page/unknown client", query: "client_id=nobody&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback", page: true, desc: "Unknown client"},
		{name: "page/client_id twice", query: base + "&client_id=web", page: true, desc: "once"},
		{name: "page/no redirect_uri", query: "client_id=web&response_type=code", page: true, desc: "redirect_uri"},
		{name: "page/a redirect_uri not in callbacks", query: "client_id=web&redirect_uri=https%3A%2F%2Fevil.example%2Fcallback", page: true, desc: "Allowed Callback URLs"},
		{name: "page/a callback with a trailing slash is another URI", query: "client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback%2F", page: true, desc: "Allowed Callback URLs"},
		{name: "page/another client's callback", query: "client_id=web&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb", page: true, desc: "Allowed Callback URLs"},

		{name: "redirect/state twice", query: base + "&state=a&state=b", code: "invalid_request", desc: "state must be sent once"},
		{name: "redirect/no response_type", query: "client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback", code: "invalid_request", desc: "response_type"},
		{name: "redirect/response_type token", query: "client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback&response_type=token", code: "unsupported_response_type"},
		{name: "redirect/a client without the grant type", query: "client_id=m2m&redirect_uri=https%3A%2F%2Fm2m.example%2Fcb&response_type=code", code: "unauthorized_client"},
		{name: "redirect/a public client without PKCE", query: "client_id=spa&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&response_type=code", code: "invalid_request", desc: "code_challenge is required"},
		{name: "redirect/plain PKCE", query: base + "&code_challenge=" + testChallenge + "&code_challenge_method=plain", code: "invalid_request", desc: "S256"},
		{name: "redirect/a challenge without its method", query: base + "&code_challenge=" + testChallenge, code: "invalid_request", desc: "S256"},
		{name: "redirect/a method without its challenge", query: base + "&code_challenge_method=S256", code: "invalid_request", desc: "43 base64url"},
		{name: "redirect/a short challenge", query: base + "&code_challenge=abc&code_challenge_method=S256", code: "invalid_request", desc: "43 base64url"},
		{name: "redirect/a state over 2048 characters", query: base + "&state=" + strings.Repeat("s", 2049), code: "invalid_request", desc: "longer than 2048"},
		{name: "redirect/a nonce over 2048 characters", query: base + "&nonce=" + strings.Repeat("n", 2049), code: "invalid_request", desc: "longer than 2048"},
		{name: "redirect/an invitation without organization", query: base + "&invitation=T1", code: "invalid_request", desc: "invitation is invalid or has expired"},
		{name: "redirect/prompt unknown", query: base + "&prompt=bogus", code: "invalid_request", desc: "prompt"},
		{name: "redirect/max_age negative", query: base + "&max_age=-1", code: "invalid_request", desc: "max_age"},
		{name: "redirect/response_mode fragment", query: base + "&response_mode=fragment", code: "invalid_request", desc: "response_mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			r, _, aerr := parseAuthorize(q, lookupApp)
			switch {
			case tt.page || tt.code != "":
				if aerr == nil {
					t.Fatalf("accepted: %+v", r)
				}
				if aerr.toPage != tt.page || (tt.code != "" && aerr.code != tt.code) || !strings.Contains(aerr.description, tt.desc) {
					t.Fatalf("refusal %+v; want page %v, code %q, description with %q", aerr, tt.page, tt.code, tt.desc)
				}
			case aerr != nil:
				t.Fatalf("refused: %v", aerr)
			case tt.check != nil:
				tt.check(t, r)
			}
		})
	}
}
