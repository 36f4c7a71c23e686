package tenant

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"unicode/utf8"
)

// The longest ids, in characters, that the tenant accepts: a lookup for a longer one cannot find anything,
// so the token endpoint refuses it before any lookup, cache entry or log line.
const (
	// MaxClientIDLength bounds a client_id: generated ids have 32 letters and digits; the bootstrap
	// application's, when the operator names it, may have up to 64 characters.
	MaxClientIDLength = 64
)

// ClientIDTooLong reports whether id has more than MaxClientIDLength characters: no client has such an id.
func ClientIDTooLong(id string) bool { return longerThan(id, MaxClientIDLength) }

// longerThan reports whether s has more than n characters, without counting them when its length in
// bytes already tells.
func longerThan(s string, n int) bool {
	return len(s) > n && (len(s) > utf8.UTFMax*n || utf8.RuneCountInString(s) > n)
}

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlphanumeric returns n characters drawn uniformly from letters and digits.
func randomAlphanumeric(n int) string {
	out := make([]byte, n)
	buf := make([]byte, 2*n)
	for i := 0; i < n; {
		rand.Read(buf)
		for _, b := range buf {
			// 248 = 4*62: reject the top bytes so every character is equally likely.
			if b >= 248 {
				continue
			}
			out[i] = alphanumeric[int(b)%len(alphanumeric)]
			if i++; i == n {
				break
			}
		}
	}
	return string(out)
}

func newOrganizationID() string { return "org_" + randomAlphanumeric(16) }
func newClientGrantID() string  { return "cgr_" + randomAlphanumeric(16) }
func newClientID() string       { return randomAlphanumeric(32) }

func newResourceServerID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newClientSecret returns 64 characters of [A-Za-z0-9_-]: 384 bits of entropy.
func newClientSecret() string {
	b := make([]byte, 48)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
