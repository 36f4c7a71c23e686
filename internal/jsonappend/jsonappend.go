// Package jsonappend writes JSON by appending to a byte slice. The token endpoint's answers and the
// access tokens' claims are small objects of fixed shape: building them this way keeps encoding/json
// and its allocations off the hot path.
package jsonappend

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// String appends s as a JSON string. It escapes what encoding/json escapes with HTML escaping
// off: quote, backslash, control characters, U+2028 and U+2029; invalid UTF-8 becomes \ufffd.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight plain bytes at a time (printable ASCII but quote and backslash): most of what is
		// written, a token's base64url above all, is only that.
		i += plainWords(s[i:])
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but they end lines in JavaScript.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainWords returns the length of the longest prefix of s made of whole 8-byte words whose bytes are
// all below utf8.RuneSelf, at or above 0x20, and neither a quote nor a backslash: bytes String copies as
// they are.
func plainWords(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n := 0
	for ; n+8 <= len(s); n += 8 {
		w := s[n : n+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		// The classic tests for a byte below n and for a zero byte (here, after XOR with a quote or a
		// backslash in every byte) in a word: exact for "is there one", which is all that is asked.
		q, b := x^('"'*ones), x^('\\'*ones)
		if (x|(x-0x20*ones)&^x|(q-ones)&^q|(b-ones)&^b)&highs != 0 {
			break
		}
	}
	return n
}

// StringField appends `,"name":"value"` (without the comma for the first field of an object).
func StringField(dst []byte, name, value string) []byte {
	dst = FieldName(dst, name)
	return String(dst, value)
}

// IntField appends `,"name":value`.
func IntField(dst []byte, name string, value int64) []byte {
	dst = FieldName(dst, name)
	return strconv.AppendInt(dst, value, 10)
}

// FieldName appends the separator and the quoted name; name must need no escaping.
func FieldName(dst []byte, name string) []byte {
	if len(dst) > 0 && dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}
