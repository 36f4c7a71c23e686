package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestPrivateKeyJWTEndToEnd: a bot registers its public key through the Management API, switches its
// application to private_key_jwt and gets organization tokens with assertions that go-jose signs, sent
// by golang.org/x/oauth2's clientcredentials; its secret stops working and a replay is refused.
func TestPrivateKeyJWTEndToEnd(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	cred := must(t, in.api("POST", "/api/v2/clients/"+w.clientID+"/credentials", w.admin, map[string]any{
		"credential_type": "public_key", "name": "bot key", "alg": "PS256",
		"pem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}), 201)
	if cred.str("kid") == "" || cred.str("alg") != "PS256" || cred.body["pem"] != nil {
		t.Fatalf("credential %s", cred.raw)
	}
	// Not referenced yet: it does not take effect, and the secret still works.
	must(t, in.token(w.request("organization", w.orgA)), 200)
	app := must(t, in.api("PATCH", "/api/v2/clients/"+w.clientID, w.admin, map[string]any{
		"token_endpoint_auth_method": nil,
		"client_authentication_methods": map[string]any{"private_key_jwt": map[string]any{
			"credentials": []map[string]any{{"id": cred.str("id")}}}},
	}), 200)
	if _, ok := app.body["client_authentication_methods"]; !ok || app.str("token_endpoint_auth_method") != "" {
		t.Fatalf("client %s", app.raw)
	}
	refused(t, in.token(w.request("organization", w.orgA)), 401, "invalid_client", "Client authentication failed")
	r := in.api("POST", "/api/v2/clients/"+w.clientID+"/rotate-secret", w.admin, nil)
	if r.status != 400 {
		t.Fatalf("rotate-secret: %d %s", r.status, r.raw)
	}

	assertion := func() string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: key},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", cred.str("kid")))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		s, err := jwt.Signed(signer).Claims(jwt.Claims{
			Issuer: w.clientID, Subject: w.clientID, Audience: jwt.Audience{in.issuer + "oauth/token"},
			ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute)),
		}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := assertion()
	cfg := clientcredentials.Config{
		ClientID: w.clientID, TokenURL: in.issuer + "oauth/token", AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: url.Values{"audience": {w.audience}, "organization": {w.orgA},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}},
	}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, in.ts.Client())
	tok, err := cfg.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := in.claims(tok.AccessToken); c["azp"] != w.clientID || c["org_id"] != w.orgA {
		t.Fatalf("claims %v", c)
	}
	// The same decision as any client: an organization not associated is refused.
	cfg.EndpointParams.Set("organization", w.orgB)
	cfg.EndpointParams.Set("client_assertion", assertion())
	if _, err := cfg.Token(ctx); err == nil {
		t.Fatal("token for an organization not associated")
	}
	// Replay.
	cfg.EndpointParams.Set("organization", w.orgA)
	cfg.EndpointParams.Set("client_assertion", a)
	if _, err := cfg.Token(ctx); err == nil {
		t.Fatal("replayed assertion accepted")
	}
	// Deleting the credential removes the reference: the client can no longer authenticate.
	must(t, in.api("DELETE", "/api/v2/clients/"+w.clientID+"/credentials/"+cred.str("id"), w.admin, nil), 204)
	must(t, in.api("DELETE", "/api/v2/clients/"+w.clientID+"/credentials/"+cred.str("id"), w.admin, nil), 204)
	cfg.EndpointParams.Set("client_assertion", assertion())
	if _, err := cfg.Token(ctx); err == nil {
		t.Fatal("token after the credential was deleted")
	}
}
