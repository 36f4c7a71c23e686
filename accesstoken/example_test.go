package accesstoken_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

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
// token from an issuer that cannot be reached.
func ExampleVerifier_Verify() {
	verifier, err := accesstoken.New("https://auth.travel0.example/", "https://api.travel0.example/adventures",
		accesstoken.WithLeeway(10*time.Second),
		accesstoken.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	token := "eyJ…" // from the message
	claims, err := verifier.Verify(context.Background(), token)
	switch {
	case errors.Is(err, accesstoken.ErrInvalidToken):
		log.Printf("refused: %v", err) // drop the message
	case err != nil:
		log.Printf("cannot verify now: %v", err) // retry later
	default:
		log.Printf("message from %s for organization %s", claims.ClientID, claims.OrganizationID)
	}
}
