package tenant

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/orgauth/orgauth/internal/store"
)

// Client credential rules (docs/compatibility.md#private-key-jwt-credentials): RSA public keys with which a client signs the assertions
// of private_key_jwt client authentication.
var (
	CredentialAlgs = []string{"RS256", "RS384", "PS256"}
	// MaxClientCredentials is the most credentials one client may have; rotate by adding the next key
	// before deleting the old one.
	MaxClientCredentials = 2
)

const (
	credentialTypePublicKey = "public_key"
	minRSABits, maxRSABits  = 2048, 4096
	maxCredentialName       = 128
)

var kidPattern = regexp.MustCompile(`^[0-9a-zA-Z-_]{10,64}$`)

var (
	errCredentialNotFound = notFound("The credential does not exist", "inexistent_credential")
	errTooManyCredentials = &Error{Kind: KindInvalid, Code: "invalid_body",
		Message: fmt.Sprintf("A client may have at most %d credentials.", MaxClientCredentials)}
	errPrivateKeyJWTSecret = &Error{Kind: KindInvalid, Code: "invalid_body",
		Message: "The client authenticates with private_key_jwt: it has no client secret to rotate."}
)

// ClientCredentialInput creates a credential. Exactly the fields of Auth0's credential create body.
type ClientCredentialInput struct {
	CredentialType      string
	Name                *string
	PEM                 string
	Alg                 *string
	KID                 *string
	ExpiresAt           *time.Time
	ParseExpiryFromCert bool
}

// ClientCredentialPatch changes a credential: only its expiry may change.
type ClientCredentialPatch struct {
	ExpiresAt      *time.Time
	ClearExpiresAt bool // JSON null: never expires
}

// newCredential validates in and builds the credential it describes, under property (the JSON path
// of the input, for error messages).
func (s *Service) newCredential(property string, in ClientCredentialInput) (store.ClientCredential, error) {
	prop := func(name string) string {
		if property == "" {
			return name
		}
		return property + "." + name
	}
	now := s.now()
	c := store.ClientCredential{
		ID: "cred_" + randomAlphanumeric(16), CredentialType: in.CredentialType, Alg: "RS256",
		CreatedAt: now, UpdatedAt: now,
	}
	if err := checkEnum(prop("credential_type"), in.CredentialType, credentialTypePublicKey); err != nil {
		return c, err
	}
	if in.Name != nil {
		if err := checkText(prop("name"), *in.Name, 0, maxCredentialName, false); err != nil {
			return c, err
		}
		c.Name = *in.Name
	}
	if in.Alg != nil {
		if err := checkEnum(prop("alg"), *in.Alg, CredentialAlgs...); err != nil {
			return c, err
		}
		c.Alg = *in.Alg
	}
	key, cert, err := parseCredentialPEM(prop("pem"), in.PEM)
	if err != nil {
		return c, err
	}
	c.PEM = in.PEM
	switch {
	case in.ParseExpiryFromCert && in.ExpiresAt != nil:
		return c, invalid(prop("parse_expiry_from_cert"), "Cannot be combined with expires_at")
	case in.ParseExpiryFromCert && cert == nil:
		return c, invalid(prop("parse_expiry_from_cert"), "The pem is not an X.509 certificate")
	case in.ParseExpiryFromCert:
		c.ExpiresAt = cert.NotAfter.UTC()
	case in.ExpiresAt != nil:
		c.ExpiresAt = in.ExpiresAt.UTC()
	}
	if !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(now) {
		return c, invalid(prop("expires_at"), "The expiry must be in the future")
	}
	if in.KID != nil {
		if !kidPattern.MatchString(*in.KID) {
			return c, invalid(prop("kid"), "String does not match pattern: %s", kidPattern)
		}
		c.KID = *in.KID
	} else {
		tp, err := (&jose.JSONWebKey{Key: key}).Thumbprint(crypto.SHA256)
		if err != nil {
			return c, fmt.Errorf("thumbprint of a credential: %w", err)
		}
		c.KID = base64.RawURLEncoding.EncodeToString(tp) // RFC 7638
	}
	return c, nil
}

// CredentialKey returns the RSA public key of a stored credential, for verifying the client's assertions.
func CredentialKey(c store.ClientCredential) (*rsa.PublicKey, error) {
	key, _, err := parseCredentialPEM("pem", c.PEM)
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", c.ID, err)
	}
	return key, nil
}

// parseCredentialPEM reads an RSA public key of 2048 to 4096 bits: SPKI ("PUBLIC KEY"), PKCS#1 ("RSA
// PUBLIC KEY") or the key of an X.509 certificate, returned too. A refusal is the validation error on
// property, its text written for the person who pasted the key.
func parseCredentialPEM(property, text string) (*rsa.PublicKey, *x509.Certificate, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		return nil, nil, invalid(property, "Not a PEM-encoded public key or certificate")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, nil, invalid(property, "Only one PEM block is allowed")
	}
	var (
		pub  any
		cert *x509.Certificate
		err  error
	)
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	default:
		return nil, nil, invalid(property, "Unsupported PEM type %q: use PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
	}
	if err != nil {
		return nil, nil, invalid(property, "Invalid %s", block.Type)
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, nil, invalid(property, "The key must be an RSA key")
	}
	if bits := key.N.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, nil, invalid(property, "The RSA key has %d bits; %d to %d are allowed", bits, minRSABits, maxRSABits)
	}
	return key, cert, nil
}

// CreateClientCredential adds a credential to a client. It takes effect once the client references it
// (PATCH client_authentication_methods).
func (s *Service) CreateClientCredential(ctx context.Context, clientID string, in ClientCredentialInput) (store.ClientCredential, error) {
	c, err := s.newCredential("", in)
	if err != nil {
		return c, err
	}
	c.ClientID = clientID
	err = s.store.CreateClientCredential(ctx, c, func(count int) error {
		if count >= MaxClientCredentials {
			return errTooManyCredentials
		}
		return nil
	})
	if err != nil {
		return c, storeError(err, errClientNotFound, nil, "create client credential")
	}
	return c, nil
}

func (s *Service) ClientCredential(ctx context.Context, clientID, id string) (store.ClientCredential, error) {
	c, err := s.store.GetClientCredential(ctx, clientID, id)
	return c, storeError(err, errCredentialNotFound, nil, "get client credential")
}

func (s *Service) ClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error) {
	l, err := s.store.ListClientCredentials(ctx, clientID)
	return l, storeError(err, errClientNotFound, nil, "list client credentials")
}

// UpdateClientCredential changes a credential's expiry; every other attribute is immutable.
func (s *Service) UpdateClientCredential(ctx context.Context, clientID, id string, in ClientCredentialPatch) (store.ClientCredential, error) {
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) { // the body first, as Auth0: 400 before 404
		return store.ClientCredential{}, invalid("expires_at", "The expiry must be in the future")
	}
	c, err := s.store.UpdateClientCredential(ctx, clientID, id, func(c *store.ClientCredential) error {
		switch {
		case in.ClearExpiresAt:
			c.ExpiresAt = time.Time{}
		case in.ExpiresAt != nil:
			c.ExpiresAt = in.ExpiresAt.UTC()
		}
		c.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return c, storeError(err, errCredentialNotFound, nil, "update client credential")
	}
	return c, nil
}

// DeleteClientCredential deletes a credential and the client's reference to it (a decision: see
// docs/compatibility.md#private-key-jwt-credentials). Deleting one that does not exist is no error; an
// unknown client is.
func (s *Service) DeleteClientCredential(ctx context.Context, clientID, id string) error {
	if _, err := s.store.GetClient(ctx, clientID); err != nil {
		return storeError(err, errClientNotFound, nil, "delete client credential")
	}
	err := s.store.DeleteClientCredential(ctx, clientID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return storeError(err, nil, nil, "delete client credential")
}

// checkCredentialReferences checks the ids a client's private_key_jwt references: one or two distinct
// credentials of this client.
func (s *Service) checkCredentialReferences(ctx context.Context, clientID string, ids []string) error {
	const property = "client_authentication_methods.private_key_jwt.credentials"
	if len(ids) == 0 {
		return invalid(property, "Array is too short (0), minimum 1")
	}
	if len(ids) > MaxClientCredentials {
		return invalid(property, "Array is too long (%d), maximum %d", len(ids), MaxClientCredentials)
	}
	if err := checkUnique(property, ids); err != nil {
		return err
	}
	have, err := s.store.ListClientCredentials(ctx, clientID)
	if err != nil {
		return storeError(err, errClientNotFound, nil, "check credential references")
	}
	for _, id := range ids {
		if !slices.ContainsFunc(have, func(c store.ClientCredential) bool { return c.ID == id }) {
			return invalidMessage(property, fmt.Sprintf("The credential %s does not exist for this client.", id))
		}
	}
	return nil
}

// newCredentials builds the credentials given at a client's creation (one or two).
func (s *Service) newCredentials(in []ClientCredentialInput) ([]store.ClientCredential, error) {
	const property = "client_authentication_methods.private_key_jwt.credentials"
	if len(in) == 0 {
		return nil, invalid(property, "Array is too short (0), minimum 1")
	}
	if len(in) > MaxClientCredentials {
		return nil, invalid(property, "Array is too long (%d), maximum %d", len(in), MaxClientCredentials)
	}
	out := make([]store.ClientCredential, len(in))
	for i, ci := range in {
		c, err := s.newCredential(fmt.Sprintf("%s[%d]", property, i), ci)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// validateAuthenticationMethod: a client authenticates either by private_key_jwt, and then its
// token_endpoint_auth_method is null (Auth0's rule), or by its token_endpoint_auth_method.
func validateAuthenticationMethod(c store.Client) error {
	if len(c.PrivateKeyJWTCredentials) == 0 {
		if c.TokenEndpointAuthMethod == "" {
			// Deleting its last referenced credential left the application with no way to authenticate.
			return invalid("token_endpoint_auth_method", "The application has no authentication method: "+
				"reference private_key_jwt credentials, or set token_endpoint_auth_method and rotate its secret")
		}
		return checkEnum("token_endpoint_auth_method", c.TokenEndpointAuthMethod, TokenEndpointAuthMethod...)
	}
	if c.TokenEndpointAuthMethod != "" {
		return invalid("token_endpoint_auth_method",
			"Must be null when client_authentication_methods.private_key_jwt is configured")
	}
	return nil
}
