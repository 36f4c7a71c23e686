// Package logattr makes log attributes of strings a client chose, so that no request can make a log line
// long: a client can send up to the server's header and body limits (about 1 MiB) in one value.
package logattr

import (
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what a log line quotes of one client-chosen string, in bytes before the cut marker.
const (
	// MaxValue is for a value on its own: an id, a parameter, a method. orgauth's own ids and names fit.
	MaxValue = 64
	// MaxText is for a message of ours that embeds client-chosen values, such as an error description.
	MaxText = 256
)

// Untrusted is slog.String of at most MaxValue bytes of value (see Prefix).
func Untrusted(key, value string) slog.Attr { return slog.String(key, Prefix(value, MaxValue)) }

// Prefix returns s when it is valid UTF-8 of at most max bytes. Otherwise it returns a copy of as many
// of its first characters as fit in max bytes, invalid bytes replaced by U+FFFD, followed, when s did not
// fit, by a marker giving its full length: `abc…[cut, 500000 bytes]`. The result never shares memory
// with a long s, so keeping it does not keep s.
func Prefix(s string, max int) string {
	if len(s) <= max && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(max + len(cutMarker) + 20)
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:]) // an invalid byte is RuneError, size 1
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
		i += size
	}
	if i < len(s) {
		b.WriteString(cutMarker)
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteString(" bytes]")
	}
	return b.String()
}

const cutMarker = "…[cut, "
