package mgmt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The Management API verifies with accesstoken against the keys it is given: a token must be signed by
// one of them, from the issuer, for the Management API, unexpired, and the audience must be the system
// resource server's.
func TestNewVerifierChecksManagementTokens(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	published := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "es-1", Algorithm: "ES256", Use: "sig"}}}
	v, err := NewVerifier(testIssuer, func(context.Context) (jose.JSONWebKeySet, error) { return published, nil })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	token := func(signer *ecdsa.PrivateKey, kid string, edit map[string]any) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: signer, KeyID: kid}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		claims := map[string]any{
			"iss": testIssuer, "sub": "admin@clients", "aud": testIssuer + "api/v2/", "azp": "admin", "gty": "client-credentials",
			"scope": "read:clients", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		for k, v := range edit {
			if v == nil {
				delete(claims, k)
			} else {
				claims[k] = v
			}
		}
		tok, err := jwt.Signed(s).Claims(claims).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	const invalid = `{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`
	tests := []struct {
		name   string
		token  string
		tenant systemAPI
		status int
		body   string
	}{
		{"a Management token", token(key, "es-1", nil), systemAPI{system: true}, http.StatusNoContent, ""},
		{"audience in an array", token(key, "es-1", map[string]any{"aud": []string{"https://api.example.com/", testIssuer + "api/v2/"}}),
			systemAPI{system: true}, http.StatusNoContent, ""},
		{"the audience is not the system resource server's", token(key, "es-1", nil), systemAPI{system: false}, http.StatusUnauthorized, invalid},
		{"a token for another API", token(key, "es-1", map[string]any{"aud": testIssuer + "api/other/"}), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"a token from another issuer", token(key, "es-1", map[string]any{"iss": "https://evil.example.com/"}), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"an expired token", token(key, "es-1", map[string]any{"exp": now.Add(-time.Hour).Unix()}), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"a token without exp", token(key, "es-1", map[string]any{"exp": nil}), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"signed by another key under a published kid", token(other, "es-1", nil), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"signed by an unknown key", token(other, "es-2", nil), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"not a JWT", "abc.def.ghi", systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"a person's token", token(key, "es-1", map[string]any{"sub": "auth0|0123456789abcdef01234567", "gty": nil}), systemAPI{system: true}, http.StatusUnauthorized, invalid},
		{"client credentials for a subject that is no application", token(key, "es-1", map[string]any{"sub": "auth0|ann"}), systemAPI{system: true}, http.StatusUnauthorized, invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Config{Issuer: testIssuer, Verifier: v, Tenant: tt.tenant})
			handler := h.authorize([]string{"read:clients"}, func(w http.ResponseWriter, r *http.Request) error {
				w.WriteHeader(http.StatusNoContent)
				return nil
			})
			r := httptest.NewRequest(http.MethodGet, "/api/v2/clients", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if tt.body != "" && w.Body.String() != tt.body+"\n" {
				t.Errorf("body = %s, want %s", w.Body, tt.body)
			}
		})
	}
}

func TestNewVerifierRefusesABadIssuer(t *testing.T) {
	if v, err := NewVerifier("not a URL", func(context.Context) (jose.JSONWebKeySet, error) { return jose.JSONWebKeySet{}, nil }); err == nil {
		t.Errorf("NewVerifier succeeded: %+v", v)
	}
}
