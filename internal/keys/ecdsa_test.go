package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"testing"
)

func TestJWSECDSA(t *testing.T) {
	der := func(r, s *big.Int) []byte {
		b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	raw := func(r, s *big.Int) []byte {
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
	top := new(big.Int).Lsh(big.NewInt(1), 255)                                  // top bit set: DER adds a zero byte
	short := big.NewInt(0x1234)                                                  // two bytes: left-padded
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)) // 32 bytes of 0xff
	tooBig := new(big.Int).Lsh(big.NewInt(1), 256)
	ok := []struct {
		name string
		r, s *big.Int
	}{
		{"ok/top bit set in both", top, max},
		{"ok/short r", short, top},
		{"ok/short s", max, short},
		{"ok/one-byte values", big.NewInt(1), big.NewInt(2)},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jwsECDSA(der(tt.r, tt.s), 32)
			if err != nil || !bytes.Equal(got, raw(tt.r, tt.s)) {
				t.Errorf("jwsECDSA = %x, %v; want %x", got, err, raw(tt.r, tt.s))
			}
		})
	}
	valid := der(short, top)
	bad := map[string][]byte{
		"fail/empty":               nil,
		"fail/not a sequence":      append([]byte{0x31}, valid[1:]...),
		"fail/truncated":           valid[:len(valid)-1],
		"fail/trailing data":       append(bytes.Clone(valid), 0),
		"fail/value over 32 bytes": der(tooBig, short),
		"fail/negative value":      der(big.NewInt(-5), short),
		"fail/one integer":         {0x30, 0x03, 0x02, 0x01, 0x01},
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			if got, err := jwsECDSA(b, 32); err == nil {
				t.Errorf("jwsECDSA(%x) = %x, want an error", b, got)
			}
		})
	}
}

// TestES256SignaturesVerify signs enough digests that some r or s is shorter than 32 bytes, and
// checks each r||s against the public key.
func TestES256SignaturesVerify(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		digest := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		d, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig, err := jwsECDSA(d, 32)
		if err != nil {
			t.Fatalf("%x: %v", d, err)
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(&priv.PublicKey, digest[:], r, s) {
			t.Fatalf("signature %x of DER %x does not verify", sig, d)
		}
	}
}
