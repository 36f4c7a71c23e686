package oauth

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

// openIDConfiguration is the discovery document (OpenID Connect Discovery 1.0, RFC 8414).
type openIDConfiguration struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint,omitempty"`
	EndSessionEndpoint                string   `json:"end_session_endpoint,omitempty"`
	JWKSURI                           string   `json:"jwks_uri"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported,omitempty"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported,omitempty"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	ClaimsSupported                   []string `json:"claims_supported,omitempty"`
	IssParameterSupported             bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// discoveryDocument renders the document once: it changes only with the issuer and what is served.
// people: the login flow (/authorize) and /userinfo are served.
func discoveryDocument(issuer string, grants map[string]grantHandler, people bool) []byte {
	doc := openIDConfiguration{
		Issuer:                            issuer,
		TokenEndpoint:                     issuer + "oauth/token",
		JWKSURI:                           issuer + ".well-known/jwks.json",
		GrantTypesSupported:               slices.Sorted(maps.Keys(grants)),
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		TokenEndpointAuthSigningAlgs:      []string{"RS256", "RS384", "PS256"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		// API scopes are per audience and not advertised.
		ScopesSupported:        []string{},
		ResponseTypesSupported: []string{"token"},
		SubjectTypesSupported:  []string{"public"},
	}
	if people {
		doc.AuthorizationEndpoint, doc.UserinfoEndpoint = issuer+"authorize", issuer+"userinfo"
		doc.EndSessionEndpoint = issuer + "oidc/logout"
		doc.TokenEndpointAuthMethodsSupported = append(doc.TokenEndpointAuthMethodsSupported, methodNone)
		doc.ScopesSupported = []string{"openid", "profile", "email", "offline_access"}
		doc.ResponseTypesSupported = []string{"code"}
		doc.ResponseModesSupported = []string{"query", "form_post"}
		doc.CodeChallengeMethodsSupported = []string{"S256"}
		doc.ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "name", "given_name",
			"family_name", "nickname", "picture", "updated_at", "email", "email_verified", "org_id", "org_name"}
		doc.IssParameterSupported = true
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic("oauth: marshal discovery document: " + err.Error()) // strings and slices always marshal
	}
	return b
}

func (h *Handler) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	writeDocument(w, h.discovery, "public, max-age=3600")
}

// jwks serves the signer's key set, read per request so that rotation shows at once.
func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) {
	writeDocument(w, h.signer.JWKS(), "public, max-age=60")
}

// writeDocument serves a public JSON document; any origin may read it.
func writeDocument(w http.ResponseWriter, body []byte, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", cacheControl)
	h.Set("Access-Control-Allow-Origin", "*")
	w.Write(body)
}
