package keys

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"runtime"
)

// Sign returns the compact JWS of claims (a JSON object) signed with alg's current key. The header is
// {"alg":…,"typ":"JWT","kid":…}.
func (m *Manager) Sign(alg string, claims []byte) (string, error) {
	k := m.snap.Load().current[alg]
	if k == nil {
		return "", fmt.Errorf("sign token: %w: %q", ErrUnknownAlgorithm, alg)
	}
	// Signing is pure CPU: more signatures at once than cores only share them out. Past GOMAXPROCS,
	// callers queue in arrival order, so that under a burst requests finish in the order they came
	// instead of all slowing down together. Having got its turn, a signer yields once: a finished
	// signer hands its slot to the next one, which the scheduler then runs next on that core, ahead of
	// every other goroutine waiting for one (a Management call, a health check, an answer from the
	// database). docs/performance.md has the figures.
	m.signing <- struct{}{}
	defer func() { <-m.signing }()
	runtime.Gosched()
	return k.signJWS(claims)
}

// signJWS builds the compact JWS in one buffer sized up front: header, claims and signature, base64url.
func (k *signingKey) signJWS(claims []byte) (string, error) {
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(k.prefix)+enc.EncodedLen(len(claims))+1+k.sigLen)
	buf = append(buf, k.prefix...)
	buf = enc.AppendEncode(buf, claims)
	digest := sha256.Sum256(buf)
	sig, err := k.sign(digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token with key %s: %w", k.kid, err)
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}
