package tenant

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func pemOf(t *testing.T, typ string, der []byte) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func spki(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, "PUBLIC KEY", der)
}

// rsaOfBits is a public key with a modulus of exactly bits bits (not a real key pair: only its size matters).
func rsaOfBits(bits int) *rsa.PublicKey {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	return &rsa.PublicKey{N: n.Add(n, big.NewInt(1)), E: 65537}
}

func TestClientCredentialRules(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bot"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour).Truncate(time.Second)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	good := spki(t, &key.PublicKey)
	c, _, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("refusals", func(t *testing.T) {
		past := time.Now().Add(-time.Minute)
		tests := []struct {
			name    string
			in      ClientCredentialInput
			message string
		}{
			{"fail/not PEM", ClientCredentialInput{CredentialType: "public_key", PEM: "hello"},
				"Payload validation error: 'Not a PEM-encoded public key or certificate' on property pem."},
			{"fail/unknown credential type", ClientCredentialInput{CredentialType: "x509_cert", PEM: good},
				`Payload validation error: 'No enum match for: "x509_cert" (allowed: public_key)' on property credential_type.`},
			{"fail/an EC key", ClientCredentialInput{CredentialType: "public_key", PEM: spki(t, &ec.PublicKey)},
				"Payload validation error: 'The key must be an RSA key' on property pem."},
			{"fail/1024 bits", ClientCredentialInput{CredentialType: "public_key", PEM: spki(t, rsaOfBits(1024))},
				"Payload validation error: 'The RSA key has 1024 bits; 2048 to 4096 are allowed' on property pem."},
			{"fail/4097 bits", ClientCredentialInput{CredentialType: "public_key", PEM: spki(t, rsaOfBits(4097))},
				"Payload validation error: 'The RSA key has 4097 bits; 2048 to 4096 are allowed' on property pem."},
			{"fail/a private key", ClientCredentialInput{CredentialType: "public_key", PEM: pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key))},
				`Payload validation error: 'Unsupported PEM type "RSA PRIVATE KEY": use PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE' on property pem.`},
			{"fail/two PEM blocks", ClientCredentialInput{CredentialType: "public_key", PEM: good + good},
				"Payload validation error: 'Only one PEM block is allowed' on property pem."},
			{"fail/alg HS256", ClientCredentialInput{CredentialType: "public_key", PEM: good, Alg: ptr("HS256")},
				`Payload validation error: 'No enum match for: "HS256" (allowed: RS256, RS384, PS256)' on property alg.`},
			{"fail/kid too short", ClientCredentialInput{CredentialType: "public_key", PEM: good, KID: ptr("short")},
				"Payload validation error: 'String does not match pattern: ^[0-9a-zA-Z-_]{10,64}$' on property kid."},
			{"fail/kid with a dot", ClientCredentialInput{CredentialType: "public_key", PEM: good, KID: ptr("my.key.identifier")},
				"Payload validation error: 'String does not match pattern: ^[0-9a-zA-Z-_]{10,64}$' on property kid."},
			{"fail/name over 128", ClientCredentialInput{CredentialType: "public_key", PEM: good, Name: ptr(strings.Repeat("n", 129))},
				"Payload validation error: 'String is too long (129 chars), maximum 128' on property name."},
			{"fail/parse expiry of a bare key", ClientCredentialInput{CredentialType: "public_key", PEM: good, ParseExpiryFromCert: true},
				"Payload validation error: 'The pem is not an X.509 certificate' on property parse_expiry_from_cert."},
			{"fail/parse expiry and expires_at", ClientCredentialInput{CredentialType: "public_key", PEM: pemOf(t, "CERTIFICATE", certDER), ParseExpiryFromCert: true, ExpiresAt: &tmpl.NotAfter},
				"Payload validation error: 'Cannot be combined with expires_at' on property parse_expiry_from_cert."},
			{"fail/expiry in the past", ClientCredentialInput{CredentialType: "public_key", PEM: good, ExpiresAt: &past},
				"Payload validation error: 'The expiry must be in the future' on property expires_at."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.CreateClientCredential(ctx, c.ClientID, tt.in)
				wantExactError(t, err, KindInvalid, tt.message)
			})
		}
	})

	var first string
	t.Run("ok/kid defaults to the RFC 7638 thumbprint; PKCS#1 and certificates are accepted", func(t *testing.T) {
		cred, err := s.CreateClientCredential(ctx, c.ClientID, ClientCredentialInput{CredentialType: "public_key", PEM: good})
		if err != nil {
			t.Fatal(err)
		}
		tp, _ := (&jose.JSONWebKey{Key: &key.PublicKey}).Thumbprint(crypto.SHA256)
		if cred.KID != base64.RawURLEncoding.EncodeToString(tp) || cred.Alg != "RS256" {
			t.Fatalf("kid %q alg %q", cred.KID, cred.Alg)
		}
		first = cred.ID
		cert, err := s.CreateClientCredential(ctx, c.ClientID, ClientCredentialInput{CredentialType: "public_key",
			PEM: pemOf(t, "CERTIFICATE", certDER), ParseExpiryFromCert: true, Alg: ptr("PS256"), KID: ptr("cert-key-2025")})
		if err != nil {
			t.Fatal(err)
		}
		if !cert.ExpiresAt.Equal(tmpl.NotAfter) || cert.KID != "cert-key-2025" {
			t.Fatalf("certificate credential %+v", cert)
		}
	})
	t.Run("fail/a third credential", func(t *testing.T) {
		_, err := s.CreateClientCredential(ctx, c.ClientID, ClientCredentialInput{CredentialType: "public_key",
			PEM: pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey))})
		wantExactError(t, err, KindInvalid, "A client may have at most 2 credentials.")
	})
	t.Run("fail/referencing while token_endpoint_auth_method is set", func(t *testing.T) {
		_, err := s.UpdateClient(ctx, c.ClientID, ClientPatch{PrivateKeyJWTCredentialIDs: &[]string{first}})
		wantExactError(t, err, KindInvalid, "Payload validation error: 'Must be null when client_authentication_methods.private_key_jwt is configured' on property token_endpoint_auth_method.")
	})
	t.Run("fail/referencing another client's or no credential", func(t *testing.T) {
		other, _, _ := s.CreateClient(ctx, ClientInput{Name: "other", AppType: ptr("non_interactive")})
		_, err := s.UpdateClient(ctx, other.ClientID, ClientPatch{TokenEndpointAuthMethod: ptr(""), PrivateKeyJWTCredentialIDs: &[]string{first}})
		wantExactError(t, err, KindInvalid, "The credential "+first+" does not exist for this client.")
		_, err = s.UpdateClient(ctx, other.ClientID, ClientPatch{TokenEndpointAuthMethod: ptr(""), PrivateKeyJWTCredentialIDs: &[]string{}})
		wantExactError(t, err, KindInvalid, "Payload validation error: 'Array is too short (0), minimum 1' on property client_authentication_methods.private_key_jwt.credentials.")
	})
	t.Run("ok/reference, then the secret is gone and rotate-secret is refused", func(t *testing.T) {
		got, err := s.UpdateClient(ctx, c.ClientID, ClientPatch{TokenEndpointAuthMethod: ptr(""), PrivateKeyJWTCredentialIDs: &[]string{first}})
		if err != nil {
			t.Fatal(err)
		}
		if got.SecretHash != nil || len(got.PrivateKeyJWTCredentials) != 1 {
			t.Fatalf("client %+v", got)
		}
		_, _, err = s.RotateClientSecret(ctx, c.ClientID)
		wantExactError(t, err, KindInvalid, "The client authenticates with private_key_jwt: it has no client secret to rotate.")
	})
	t.Run("ok/deleting a referenced credential removes the reference; again is no error", func(t *testing.T) {
		if err := s.DeleteClientCredential(ctx, c.ClientID, first); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClientCredential(ctx, c.ClientID, first); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Client(ctx, c.ClientID)
		if got.PrivateKeyJWTCredentials != nil {
			t.Fatalf("references %v", got.PrivateKeyJWTCredentials)
		}
	})
	t.Run("fail/a patch of a client left with no method says so", func(t *testing.T) {
		_, err := s.UpdateClient(ctx, c.ClientID, ClientPatch{Description: ptr("still here")})
		wantExactError(t, err, KindInvalid, "Payload validation error: 'The application has no authentication method: "+
			"reference private_key_jwt credentials, or set token_endpoint_auth_method and rotate its secret' on property token_endpoint_auth_method.")
	})
	t.Run("fail/a past expiry is refused before the credential is looked up", func(t *testing.T) {
		past := time.Now().Add(-time.Hour)
		_, err := s.UpdateClientCredential(ctx, c.ClientID, "cred_doesnotexist0000", ClientCredentialPatch{ExpiresAt: &past})
		wantExactError(t, err, KindInvalid, "Payload validation error: 'The expiry must be in the future' on property expires_at.")
	})
	t.Run("ok/rotate-secret gives a client left with no method a secret to use", func(t *testing.T) {
		other, _, err := s.CreateClient(ctx, ClientInput{Name: "keyless", AppType: ptr("non_interactive"),
			PrivateKeyJWTCredentials: &[]ClientCredentialInput{{CredentialType: "public_key", PEM: good}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteClientCredential(ctx, other.ClientID, other.PrivateKeyJWTCredentials[0]); err != nil {
			t.Fatal(err)
		}
		got, secret, err := s.RotateClientSecret(ctx, other.ClientID)
		if err != nil || secret == "" || got.TokenEndpointAuthMethod != "client_secret_post" {
			t.Fatalf("rotate: %+v %q %v", got, secret, err)
		}
		if _, ok := snapshot(t, s).AuthenticateClient(other.ClientID, secret); !ok {
			t.Fatal("the new secret does not authenticate")
		}
	})
	t.Run("ok/revert to a secret", func(t *testing.T) {
		got, err := s.UpdateClient(ctx, c.ClientID, ClientPatch{ClearAuthenticationMethods: true, TokenEndpointAuthMethod: ptr("client_secret_basic")})
		if err != nil || got.TokenEndpointAuthMethod != "client_secret_basic" {
			t.Fatalf("%+v %v", got, err)
		}
		if _, _, err := s.RotateClientSecret(ctx, c.ClientID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("create with credentials has no secret", func(t *testing.T) {
		in := []ClientCredentialInput{{CredentialType: "public_key", PEM: good, Name: ptr("k1")}}
		got, secret, err := s.CreateClient(ctx, ClientInput{Name: "keyed", AppType: ptr("non_interactive"), PrivateKeyJWTCredentials: &in})
		if err != nil {
			t.Fatal(err)
		}
		if secret != "" || got.SecretHash != nil || got.TokenEndpointAuthMethod != "" || len(got.PrivateKeyJWTCredentials) != 1 {
			t.Fatalf("client %+v secret %q", got, secret)
		}
		three := append(in, in[0], in[0])
		_, _, err = s.CreateClient(ctx, ClientInput{Name: "keyed", PrivateKeyJWTCredentials: &three})
		wantExactError(t, err, KindInvalid, "Payload validation error: 'Array is too long (3), maximum 2' on property client_authentication_methods.private_key_jwt.credentials.")
		_, _, err = s.CreateClient(ctx, ClientInput{Name: "keyed", TokenEndpointAuthMethod: ptr("client_secret_post"), PrivateKeyJWTCredentials: &in})
		wantExactError(t, err, KindInvalid, "Payload validation error: 'Must be null when client_authentication_methods.private_key_jwt is configured' on property token_endpoint_auth_method.")
	})
}
