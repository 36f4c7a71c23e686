package logattr

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

func TestPrefix(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{name: "short valid text as is", in: "app", max: 8, want: "app"},
		{name: "exactly the limit as is", in: "12345678", max: 8, want: "12345678"},
		{name: "empty as is", in: "", max: 8, want: ""},
		{name: "long text cut with its length", in: "123456789", max: 8, want: "12345678…[cut, 9 bytes]"},
		{name: "cut before a character the limit falls in", in: "1234567é", max: 8, want: "1234567…[cut, 9 bytes]"},
		{name: "a character ending at the limit kept", in: "123456é9", max: 8, want: "123456é…[cut, 9 bytes]"},
		{name: "invalid bytes replaced", in: "a\xffb", max: 8, want: "a\uFFFDb"},
		{name: "replacements count against the limit", in: "\xff\xff\xff\xff", max: 8, want: "\uFFFD\uFFFD…[cut, 4 bytes]"},
		{name: "a limit of zero keeps only the marker", in: "a", max: 0, want: "…[cut, 1 bytes]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Prefix(tt.in, tt.max); got != tt.want {
				t.Errorf("Prefix(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestPrefixOfALongValueIsShortValidAndOwnsItsMemory(t *testing.T) {
	long := strings.Repeat("é", 250_000) + "\xff"
	got := Prefix(long, MaxValue)
	head, _, ok := strings.Cut(got, cutMarker)
	if !ok || len(head) > MaxValue || !utf8.ValidString(got) || !strings.HasSuffix(got, "[cut, 500001 bytes]") {
		t.Fatalf("Prefix gave %q", got)
	}
	if unsafe.StringData(got) == unsafe.StringData(long) {
		t.Error("the prefix shares the long string's memory")
	}
}

func TestUntrustedInALogLine(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("refused", Untrusted("client_id", strings.Repeat("a", 500_000)))
	if n := buf.Len(); n > 200 {
		t.Fatalf("the line is %d bytes: %.300s", n, buf.String())
	}
	if want := "client_id=\"" + strings.Repeat("a", MaxValue) + "…[cut, 500000 bytes]\""; !strings.Contains(buf.String(), want) {
		t.Errorf("line %q does not contain %q", buf.String(), want)
	}
}

// The access log quotes a request id and a method on every request: the common case must cost nothing.
func TestPrefixOfAShortValueDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Prefix("TIGPF4SPMAD6SQIQ", MaxValue) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
