package oauth

import (
	"net/http/httptest"
	"slices"
	"testing"
)

// Token answers share their header values: what one answer's handler adds to a header stays its own.
func TestTokenHeadersAreNotShared(t *testing.T) {
	first := httptest.NewRecorder()
	writeToken(first, &tokenResponse{accessToken: "a.b.c", scope: "read", expiresIn: 60})
	first.Header().Add("Cache-Control", "private")
	first.Header().Add("Pragma", "x")
	second := httptest.NewRecorder()
	writeError(second, ErrInvalidClient, `Basic realm="x"`)
	want := map[string][]string{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	for name, values := range want {
		if got := second.Header()[name]; !slices.Equal(got, values) {
			t.Errorf("%s = %q, want %q", name, got, values)
		}
	}
	if got := first.Header()["Cache-Control"]; !slices.Equal(got, []string{"no-store", "private"}) {
		t.Errorf("first answer's Cache-Control = %q", got)
	}
}
