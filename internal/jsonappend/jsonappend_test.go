package jsonappend

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain ASCII is kept", in: "read:data", want: `"read:data"`},
		{name: "empty string", in: "", want: `""`},
		{name: "quote and backslash are escaped", in: `a"b\c`, want: `"a\"b\\c"`},
		{name: "short escapes for common controls", in: "\b\f\n\r\t", want: `"\b\f\n\r\t"`},
		{name: "other controls as \\u00XX", in: "\x00\x01\x1f", want: `"\u0000\u0001\u001f"`},
		{name: "DEL is kept", in: "\x7f", want: "\"\x7f\""},
		{name: "HTML characters are kept", in: "<a&b>", want: `"<a&b>"`},
		{name: "valid UTF-8 is kept", in: "café ✓ 𝄞", want: `"café ✓ 𝄞"`},
		{name: "invalid UTF-8 becomes U+FFFD", in: "a\xffb\xc3", want: `"a\ufffdb\ufffd"`},
		{name: "surrogate halves are invalid", in: "\xed\xa0\x80", want: `"\ufffd\ufffd\ufffd"`},
		{name: "line and paragraph separators are escaped", in: "a\u2028b\u2029", want: `"a\u2028b\u2029"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(String([]byte("x"), tt.in)); got != "x"+tt.want {
				t.Errorf("String(%q) = %s, want %s", tt.in, got[1:], tt.want)
			}
		})
	}
}

// FuzzAppendJSONString checks the escaper against encoding/json with HTML escaping off, byte for byte.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "abc", `"\`, "\x00\x1f\x7f", "\xff\xfe", "\u2028\u2029", "é\xc3(", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := String(nil, s); !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("String(%q) = %s, encoding/json says %s", s, got, want.Bytes())
		}
	})
}

func TestAppendFields(t *testing.T) {
	b := append([]byte(nil), '{')
	b = StringField(b, "a", "x")
	b = IntField(b, "n", -42)
	b = StringField(b, "b", "")
	b = append(b, '}')
	if want := `{"a":"x","n":-42,"b":""}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// plainWords agrees with the byte-by-byte rule on every single byte at every position of a word, and
// stops at the first word that is not plain.
func TestPlainWords(t *testing.T) {
	plainByte := func(b byte) bool { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\' }
	base := []byte("abcdefgh")
	for pos := range 8 {
		for b := range 256 {
			w := bytes.Clone(base)
			w[pos] = byte(b)
			want := 0
			if plainByte(byte(b)) {
				want = 8
			}
			if got := plainWords(string(w)); got != want {
				t.Errorf("plainWords(%q) = %d, want %d", w, got, want)
			}
		}
	}
	for in, want := range map[string]int{"": 0, "abcdefg": 0, "abcdefgh": 8, "abcdefghi": 8, "        ~~~~~~~~": 16,
		"eyJhbGci.A-_0z9Z\"abcdefgh": 16, "!#$%&'()*+,-./:;<=>?@[]^`{|}": 24} {
		if got := plainWords(in); got != want {
			t.Errorf("plainWords(%q) = %d, want %d", in, got, want)
		}
	}
}

func BenchmarkString(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.", 18) // a token's length of base64url
	b.SetBytes(int64(len(token)))
	var dst []byte
	for b.Loop() {
		dst = String(dst[:0], token)
	}
}
