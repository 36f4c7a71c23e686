package keys

import (
	"bytes"
	"errors"
)

var errECDSASignature = errors.New("malformed ECDSA signature")

// jwsECDSA turns an ASN.1 DER ECDSA-Sig-Value (SEQUENCE of INTEGER r, INTEGER s), as crypto/ecdsa's
// SignASN1 returns it, into JWS's r||s with each half left-padded to size bytes (RFC 7518 §3.4).
// Parsing the few bytes here spares ecdsa.Sign's detour through math/big on every token.
func jwsECDSA(der []byte, size int) ([]byte, error) {
	seq, rest, ok := derElement(der, 0x30)
	if !ok || len(rest) != 0 {
		return nil, errECDSASignature
	}
	r, seq, ok := derElement(seq, 0x02)
	if !ok {
		return nil, errECDSASignature
	}
	s, seq, ok := derElement(seq, 0x02)
	if !ok || len(seq) != 0 {
		return nil, errECDSASignature
	}
	sig := make([]byte, 2*size)
	if !putUnsigned(sig[:size], r) || !putUnsigned(sig[size:], s) {
		return nil, errECDSASignature
	}
	return sig, nil
}

// derElement splits off one DER element with the given tag and a short-form length (under 128 bytes,
// which every P-256 signature and its parts are).
func derElement(b []byte, tag byte) (content, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag || b[1] >= 0x80 || len(b) < 2+int(b[1]) {
		return nil, nil, false
	}
	n := 2 + int(b[1])
	return b[2:n], b[n:], true
}

// putUnsigned writes a positive DER INTEGER right-aligned into dst; DER's leading zero (added when the
// top bit is set) is dropped. It reports false when the value does not fit or is negative.
func putUnsigned(dst, v []byte) bool {
	if len(v) == 0 || v[0]&0x80 != 0 {
		return false
	}
	v = bytes.TrimLeft(v, "\x00")
	if len(v) > len(dst) {
		return false
	}
	copy(dst[len(dst)-len(v):], v)
	return true
}
