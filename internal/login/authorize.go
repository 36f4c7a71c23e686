package login

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/policy"
)

// app is what the login flow needs to know of the client that sent a person to /authorize.
type app struct {
	id, name        string
	callbacks       []string
	logoutURLs      []string
	public          bool
	policy          policy.Client
	requireBehavior string
}

// authorizeRequest is a validated /authorize request: what the login transaction carries until the
// code is issued.
type authorizeRequest struct {
	ClientID      string   `json:"client_id"`
	RedirectURI   string   `json:"redirect_uri"`
	ResponseMode  string   `json:"response_mode"` // query or form_post
	State         string   `json:"state,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	Audience      string   `json:"audience,omitempty"`
	CodeChallenge string   `json:"code_challenge,omitempty"`
	Organization  string   `json:"organization,omitempty"` // as sent
	Invitation    string   `json:"invitation,omitempty"`
	Prompt        string   `json:"prompt,omitempty"` // "", login or none
	Connection    string   `json:"connection,omitempty"`
	LoginHint     string   `json:"login_hint,omitempty"`
	ScreenHint    string   `json:"screen_hint,omitempty"`
	MaxAge        int      `json:"max_age"` // seconds; -1 when not sent
}

// authorizeError is a refusal of /authorize. Before the client and its redirect_uri are known to go
// together, it is shown on a page (toPage); after, it goes to the redirect_uri.
type authorizeError struct {
	toPage      bool
	code        string // OAuth error code
	description string
}

func (e *authorizeError) Error() string { return e.code + ": " + e.description }

func pageError(description string) *authorizeError {
	return &authorizeError{toPage: true, code: "invalid_request", description: description}
}

func redirectError(code, description string) *authorizeError {
	return &authorizeError{code: code, description: description}
}

// The limits of /authorize's free-form parameters; longer values are refused, not cut.
const (
	maxStateLength = 2048
	maxNonceLength = 2048
	maxParamLength = 2048 // any other parameter
	maxScopeLength = 4096
)

// authorizeParams are the parameters /authorize reads; others are ignored.
var authorizeParams = []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state",
	"nonce", "audience", "code_challenge", "code_challenge_method", "organization", "invitation", "prompt",
	"connection", "login_hint", "screen_hint", "max_age"}

// parseAuthorize validates an /authorize request. lookup finds the client by id. The checks come in
// an order that never redirects before the redirect_uri is known to be the client's: client_id, then
// redirect_uri, each refused on a page; then everything else, refused at the redirect_uri.
func parseAuthorize(q url.Values, lookup func(clientID string) (app, bool)) (authorizeRequest, app, *authorizeError) {
	var r authorizeRequest
	one := map[string]string{}
	var twice string
	for _, name := range authorizeParams {
		switch vs := q[name]; {
		case len(vs) > 1:
			if twice == "" {
				twice = name
			}
		case len(vs) == 1:
			one[name] = vs[0]
		}
	}
	if slices.Contains(q["client_id"], "") || len(q["client_id"]) > 1 || len(q["redirect_uri"]) > 1 {
		return r, app{}, pageError("client_id and redirect_uri must each be sent once")
	}
	r.ClientID, r.RedirectURI = one["client_id"], one["redirect_uri"]
	if r.ClientID == "" {
		return r, app{}, pageError("Missing required parameter: client_id")
	}
	c, ok := lookup(r.ClientID)
	if !ok {
		return r, app{}, pageError("Unknown client: the client_id names no application.")
	}
	if r.RedirectURI == "" {
		return r, c, pageError("Missing required parameter: redirect_uri")
	}
	if !slices.Contains(c.callbacks, r.RedirectURI) {
		return r, c, pageError("The redirect_uri is not one of the application's Allowed Callback URLs.")
	}

	// From here on, errors go to the redirect_uri, in the response mode asked when it is a valid one.
	r.ResponseMode = "query"
	if m := one["response_mode"]; m == "form_post" {
		r.ResponseMode = m
	}
	if twice != "" {
		return r, c, redirectError("invalid_request", "Parameter "+twice+" must be sent once")
	}
	for name, v := range one {
		limit := maxParamLength
		switch name {
		case "scope":
			limit = maxScopeLength
		case "state":
			limit = maxStateLength
		case "nonce":
			limit = maxNonceLength
		}
		if len(v) > limit {
			return r, c, redirectError("invalid_request", "Parameter "+name+" is longer than "+strconv.Itoa(limit)+" characters")
		}
	}
	r.State, r.Nonce = one["state"], one["nonce"]
	if m := one["response_mode"]; m != "" && m != "query" && m != "form_post" {
		return r, c, redirectError("invalid_request", "Unsupported response_mode: "+m)
	}
	switch rt := one["response_type"]; rt {
	case "code":
	case "":
		return r, c, redirectError("invalid_request", "Missing required parameter: response_type")
	default:
		return r, c, redirectError("unsupported_response_type", "Unsupported response_type: "+rt)
	}
	if !slices.Contains(c.policy.GrantTypes, policy.GrantAuthorizationCode) {
		return r, c, redirectError("unauthorized_client", "Grant type 'authorization_code' not allowed for the client.")
	}

	r.CodeChallenge = one["code_challenge"]
	switch method := one["code_challenge_method"]; {
	case r.CodeChallenge == "" && method == "":
		if c.public {
			return r, c, redirectError("invalid_request", "Parameter code_challenge is required for public clients (PKCE with S256)")
		}
	case method != "S256":
		return r, c, redirectError("invalid_request", "code_challenge_method must be S256")
	case !validChallenge(r.CodeChallenge):
		return r, c, redirectError("invalid_request", "code_challenge must be 43 base64url characters (S256)")
	}

	// Scopes separated by spaces only, each once; which are granted is decided when the code is redeemed.
	for _, s := range strings.Split(one["scope"], " ") {
		if s != "" && !slices.Contains(r.Scopes, s) {
			r.Scopes = append(r.Scopes, s)
		}
	}
	r.Audience = one["audience"]
	r.Organization, r.Invitation = one["organization"], one["invitation"]
	if r.Invitation != "" && r.Organization == "" {
		return r, c, redirectError("invalid_request", "invitation is invalid or has expired")
	}
	switch p := one["prompt"]; p {
	case "", "login", "none":
		r.Prompt = p
	case "consent", "select_account":
	default:
		return r, c, redirectError("invalid_request", "Unsupported prompt: "+p)
	}
	r.Connection, r.LoginHint = one["connection"], one["login_hint"]
	if one["screen_hint"] == "signup" {
		r.ScreenHint = "signup"
	}
	r.MaxAge = -1
	if v, ok := one["max_age"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return r, c, redirectError("invalid_request", "max_age must be a non-negative number of seconds")
		}
		r.MaxAge = n
	}
	return r, c, nil
}

// validChallenge reports whether s can be an S256 code_challenge: 43 base64url characters (a SHA-256).
func validChallenge(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
