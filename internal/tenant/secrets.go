package tenant

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
	"unsafe"
)

// secretHasher stores client secrets as HMAC-SHA256 under a tenant key. Secrets are 384-bit random
// strings, so a fast keyed hash is as strong as a slow one and keeps the token endpoint fast; the key
// means a copy of the hashes alone does not even allow offline guessing.
type secretHasher struct {
	key []byte
	// macs holds keyed HMACs for reuse: hmac.New derives the padded key blocks and allocates two
	// digests, which the token endpoint would otherwise pay on every request; Reset keeps the key.
	macs *sync.Pool
}

func newSecretHasher(key []byte) secretHasher {
	return secretHasher{key: key, macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// hashVersion prefixes every stored hash so the scheme can change without ambiguity.
const hashVersion = 1

func (h secretHasher) hash(secret string) []byte {
	return h.appendHash(make([]byte, 0, 1+sha256.Size), secret)
}

// appendHash appends the stored form of secret's hash to dst.
func (h secretHasher) appendHash(dst []byte, secret string) []byte {
	mac := h.macs.Get().(hash.Hash)
	mac.Reset()
	// The bytes of the string itself: Write only reads them, and a conversion would copy the secret
	// to the heap on every token request.
	mac.Write(unsafe.Slice(unsafe.StringData(secret), len(secret)))
	dst = mac.Sum(append(dst, hashVersion))
	h.macs.Put(mac)
	return dst
}

// maxSecretLength bounds what verify hashes: the secrets orgauth generates have 64 characters.
const maxSecretLength = 256

// verify compares in constant time.
func (h secretHasher) verify(stored []byte, secret string) bool {
	if len(stored) != 1+sha256.Size || stored[0] != hashVersion || len(secret) > maxSecretLength {
		return false
	}
	var buf [1 + sha256.Size]byte
	return hmac.Equal(stored, h.appendHash(buf[:0], secret))
}
