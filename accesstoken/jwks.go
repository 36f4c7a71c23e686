package accesstoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"

	"github.com/go-jose/go-jose/v4"
)

// minRSABits refuses RSA keys too short to be trusted.
const minRSABits = 2048

// publicKey is a published verification key, bound to the one algorithm it declares.
type publicKey struct {
	alg    jose.SignatureAlgorithm
	public crypto.PublicKey
}

// parseKeys keeps the usable keys of a JWKS by kid. A key is usable when it has a kid, is meant for
// signatures, declares RS256, PS256 or ES256, and is of the type that algorithm needs (RSA of at least 2048
// bits, or P-256). Anything else, including a key that does not parse, is skipped so that one odd entry
// does not hide the others; a kid published twice is skipped altogether, as it cannot name one key.
func parseKeys(raw []json.RawMessage) map[string]publicKey {
	jwks := make([]jose.JSONWebKey, 0, len(raw))
	for _, r := range raw {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(r); err == nil {
			jwks = append(jwks, jwk)
		}
	}
	return usableKeys(jwks)
}

// usableKeys keeps the usable keys of jwks by kid, by the rules of parseKeys.
func usableKeys(jwks []jose.JSONWebKey) map[string]publicKey {
	keys := make(map[string]publicKey, len(jwks))
	dup := map[string]bool{}
	for _, jwk := range jwks {
		if jwk.KeyID == "" || (jwk.Use != "" && jwk.Use != "sig") || jwk.Key == nil {
			continue
		}
		alg := jose.SignatureAlgorithm(jwk.Algorithm)
		pub := jwk.Public().Key // a published private key would still verify through its public half
		if !fits(alg, pub) {
			continue
		}
		if _, seen := keys[jwk.KeyID]; seen || dup[jwk.KeyID] {
			delete(keys, jwk.KeyID)
			dup[jwk.KeyID] = true
			continue
		}
		keys[jwk.KeyID] = publicKey{alg: alg, public: pub}
	}
	return keys
}

// fits reports whether pub is a key alg may be verified with.
func fits(alg jose.SignatureAlgorithm, pub crypto.PublicKey) bool {
	switch alg {
	case jose.RS256, jose.PS256:
		k, ok := pub.(*rsa.PublicKey)
		return ok && k.N.BitLen() >= minRSABits
	case jose.ES256:
		k, ok := pub.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P256()
	default:
		return false
	}
}
