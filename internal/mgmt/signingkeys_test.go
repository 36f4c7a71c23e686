package mgmt

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

func TestSigningKeys(t *testing.T) {
	s := newTestServer(t)
	retired := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.keys.keys = []tenant.SigningKey{
		{KID: "rs-cur", Alg: "RS256", State: "current"},
		{KID: "rs-next", Alg: "RS256", State: "next"},
		{KID: "rs-old", Alg: "RS256", State: "previous", RetiredAt: retired},
		{KID: "es-cur", Alg: "ES256", State: "current"},
	}

	got := s.must(200, "GET", "/api/v2/keys/signing", "").list()
	want := []any{
		map[string]any{"kid": "rs-cur", "alg": "RS256", "current": true, "next": false, "previous": false},
		map[string]any{"kid": "rs-next", "alg": "RS256", "current": false, "next": true, "previous": false},
		map[string]any{"kid": "rs-old", "alg": "RS256", "current": false, "next": false, "previous": true, "current_until": "2026-01-02T03:04:05Z"},
		map[string]any{"kid": "es-cur", "alg": "ES256", "current": true, "next": false, "previous": false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys = %v\nwant %v", got, want)
	}

	t.Run("rotate answers with the RS256 key now signing", func(t *testing.T) {
		got := s.must(201, "POST", "/api/v2/keys/signing/rotate", "").obj()
		if got["kid"] != "rs-next" || s.keys.rotated != 1 {
			t.Errorf("rotate = %v (rotated %d times)", got, s.keys.rotated)
		}
	})

	t.Run("rotate needs a signing_keys scope", func(t *testing.T) {
		wantAuth0Error(t, s.doAs("reader", "POST", "/api/v2/keys/signing/rotate", ""), 403,
			"Insufficient scope; expected any of: create:signing_keys,update:signing_keys.", "insufficient_scope")
	})

	t.Run("a failed rotation is a 500 without the cause", func(t *testing.T) {
		s.keys.fault = errors.New("store unavailable")
		wantAuth0Error(t, s.do("POST", "/api/v2/keys/signing/rotate", ""), 500, "Internal error", "")
	})
}
