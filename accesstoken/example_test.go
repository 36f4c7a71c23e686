package accesstoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/accesstoken"
)

// Protect an API whose routes name the organization they are about: each route needs a token for that
// organization with the right scope.
func ExampleVerifier_Require() {
	verifier, err := accesstoken.New("https://auth.travel0.example/", "https://api.travel0.example/adventures")
	if err != nil {
		log.Fatal(err)
	}
	org := accesstoken.Organization(func(r *http.Request) string { return r.PathValue("org_id") })
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org_id}/adventures",
		verifier.Require(org, accesstoken.Scopes("read:adventures"))(http.HandlerFunc(listAdventures)))
	mux.Handle("POST /orgs/{org_id}/adventures",
		verifier.Require(org, accesstoken.Scopes("create:adventures"))(http.HandlerFunc(createAdventure)))

	// A request without a token is refused before any key is fetched.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/orgs/org_acme/adventures", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 401 Bearer realm="https://api.travel0.example/adventures"
}

func listAdventures(w http.ResponseWriter, r *http.Request)  {}
func createAdventure(w http.ResponseWriter, r *http.Request) {}

// A handler behind Require reads the verified claims from the request context.
func ExampleFromContext() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		claims, _ := accesstoken.FromContext(r.Context())
		fmt.Fprintf(w, "%s acts for %s with %v", claims.ClientID, claims.OrganizationID, claims.Scopes)
	}

	// In a handler's unit test, NewContext stands in for Require.
	claims := accesstoken.Claims{ClientID: "bot123", OrganizationID: "org_acme", Scopes: []string{"read:adventures"}}
	req := httptest.NewRequest("GET", "/orgs/org_acme/adventures", nil)
	rec := httptest.NewRecorder()
	handler(rec, req.WithContext(accesstoken.NewContext(req.Context(), claims)))
	fmt.Println(rec.Body.String())
	// Output:
	// bot123 acts for org_acme with [read:adventures]
}

// Verify a token that does not come with an HTTP request, e.g. from a message queue, and tell a refused
// token from an issuer that cannot be reached. The issuer here is an in-process stand-in for orgauth.
func ExampleVerifier_Verify() {
	issuer := startIssuer()
	defer issuer.Close()
	verifier, err := accesstoken.New(issuer.URL, "https://api.travel0.example/adventures",
		accesstoken.WithLeeway(10*time.Second),
		accesstoken.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	for _, token := range []string{
		issuer.token("https://api.travel0.example/adventures", time.Hour),
		issuer.token("https://api.travel0.example/billing", time.Hour),
		issuer.token("https://api.travel0.example/adventures", -time.Hour),
	} {
		claims, err := verifier.Verify(context.Background(), token)
		switch {
		case errors.Is(err, accesstoken.ErrExpired):
			fmt.Println("refused, expired: ask for a new token")
		case errors.Is(err, accesstoken.ErrInvalidToken):
			fmt.Println("refused:", errors.Is(err, accesstoken.ErrAudience)) // drop the message
		case err != nil:
			fmt.Println("cannot verify now:", err) // retry later
		default:
			fmt.Println("from", claims.ClientID, "for", claims.OrganizationID)
		}
	}
	// Output:
	// from bot123 for org_acme
	// refused: true
	// refused, expired: ask for a new token
}

// A program that holds the issuer's keys itself, such as the issuer's own server or a test, gives them with
// WithKeys instead of having them fetched.
func ExampleWithKeys() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	published := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "es-1", Algorithm: "ES256", Use: "sig"}}}
	verifier, err := accesstoken.New("https://auth.travel0.example/", "https://api.travel0.example/adventures",
		accesstoken.WithKeys(func(context.Context) (jose.JSONWebKeySet, error) { return published, nil }))
	if err != nil {
		log.Fatal(err)
	}

	token := signToken(key, "es-1", map[string]any{
		"iss": "https://auth.travel0.example/", "aud": "https://api.travel0.example/adventures",
		"azp": "bot123", "exp": time.Now().Add(time.Hour).Unix(),
	})
	claims, err := verifier.Verify(context.Background(), token)
	fmt.Println(claims.ClientID, err)

	forged := signToken(key, "es-2", map[string]any{})
	_, err = verifier.Verify(context.Background(), forged)
	fmt.Println(errors.Is(err, accesstoken.ErrInvalidToken), errors.Is(err, accesstoken.ErrUnknownKey))
	// Output:
	// bot123 <nil>
	// true true
}

// exampleIssuer is an in-process issuer: it publishes its discovery document and its key, and signs tokens.
type exampleIssuer struct {
	*httptest.Server
	URL string // the issuer, with a trailing slash
	key *ecdsa.PrivateKey
}

func startIssuer() *exampleIssuer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	iss := &exampleIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss.URL, "jwks_uri": iss.URL + ".well-known/jwks.json"})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "es-1", Algorithm: "ES256", Use: "sig"}}})
	})
	iss.Server = httptest.NewServer(mux)
	iss.URL = iss.Server.URL + "/"
	return iss
}

// token returns a token for audience that expires in ttl (negative: expired).
func (iss *exampleIssuer) token(audience string, ttl time.Duration) string {
	now := time.Now()
	return signToken(iss.key, "es-1", map[string]any{
		"iss": iss.URL, "aud": audience, "sub": "bot123@clients", "azp": "bot123", "org_id": "org_acme",
		"scope": "read:adventures", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(ttl).Unix(),
	})
}

func signToken(key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		log.Fatal(err)
	}
	return token
}
