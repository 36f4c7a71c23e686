package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/orgauth/orgauth/internal/store"
)

const rsaBits = 2048

// signingKey is one parsed key. It is immutable and shared by every snapshot that publishes it, so a
// reload never parses a key twice.
type signingKey struct {
	kid    string
	alg    string
	public crypto.PublicKey
	// prefix is the signing input's first part: base64url of the JWS header, then ".".
	prefix []byte
	// sigLen is the length of the base64url-encoded signature, to size the token buffer exactly.
	sigLen int
	// sign signs a SHA-256 digest; the closure is the only holder of the private key.
	sign func(digest []byte) ([]byte, error)
}

// LogValue keeps the private key out of logs.
func (k *signingKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.kid), slog.String("alg", k.alg))
}

// newPrivateKey generates a private key for alg.
func newPrivateKey(alg string) (crypto.Signer, error) {
	switch alg {
	case RS256, PS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, alg)
	}
}

// generateKey makes a fresh key for alg, ready to insert in the given state.
func (m *Manager) generateKey(alg, state string, now time.Time) (store.SigningKey, error) {
	priv, err := m.newKey(alg)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("encode %s key: %w", alg, err)
	}
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return store.SigningKey{}, err
	}
	sk := store.SigningKey{KID: kid, Alg: alg, State: state, CreatedAt: now}
	sk.PrivateKey = m.kek.Seal(der, sealedData(sk))
	return sk, nil
}

// parseKey turns a stored key, whose private key decrypted is der (PKCS#8), into a signingKey, checking
// that the key suits its algorithm and that the kid is the key's thumbprint.
func parseKey(sk store.SigningKey, der []byte) (*signingKey, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse key %s: %w", sk.KID, err)
	}
	k := &signingKey{kid: sk.KID, alg: sk.Alg}
	switch sk.Alg {
	case RS256, PS256:
		priv, ok := parsed.(*rsa.PrivateKey)
		if !ok || priv.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("key %s: %s needs an RSA key of at least %d bits", sk.KID, sk.Alg, rsaBits)
		}
		k.public = priv.Public()
		k.sigLen = base64.RawURLEncoding.EncodedLen(priv.Size())
		if sk.Alg == RS256 {
			k.sign = func(digest []byte) ([]byte, error) {
				return rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest)
			}
		} else {
			opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
			k.sign = func(digest []byte) ([]byte, error) {
				return rsa.SignPSS(rand.Reader, priv, crypto.SHA256, digest, opts)
			}
		}
	case ES256:
		priv, ok := parsed.(*ecdsa.PrivateKey)
		if !ok || priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("key %s: %s needs a P-256 key", sk.KID, sk.Alg)
		}
		k.public = priv.Public()
		k.sigLen = base64.RawURLEncoding.EncodedLen(64)
		k.sign = func(digest []byte) ([]byte, error) {
			der, err := ecdsa.SignASN1(rand.Reader, priv, digest)
			if err != nil {
				return nil, err
			}
			// JWS wants r||s, each left-padded to the curve size, not ASN.1.
			return jwsECDSA(der, 32)
		}
	default:
		return nil, fmt.Errorf("key %s: %w: %q", sk.KID, ErrUnknownAlgorithm, sk.Alg)
	}
	kid, err := thumbprint(k.public)
	if err != nil {
		return nil, err
	}
	if kid != sk.KID {
		return nil, fmt.Errorf("key %s: kid is not the key's thumbprint %s", sk.KID, kid)
	}
	// The kid is base64url, so it needs no JSON escaping.
	header := `{"alg":"` + sk.Alg + `","typ":"JWT","kid":"` + kid + `"}`
	k.prefix = base64.RawURLEncoding.AppendEncode(nil, []byte(header))
	k.prefix = append(k.prefix, '.')
	return k, nil
}

// thumbprint is the RFC 7638 JWK thumbprint of pub: base64url of its SHA-256.
func thumbprint(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}
