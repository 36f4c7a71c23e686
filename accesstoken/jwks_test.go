package accesstoken

import (
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestParseKeys(t *testing.T) {
	jwk := func(k jose.JSONWebKey) json.RawMessage {
		b, err := k.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pub := func(name, kid, alg, use string) json.RawMessage {
		return jwk(jose.JSONWebKey{Key: testKeys()[name].Public(), KeyID: kid, Algorithm: alg, Use: use})
	}
	tests := []struct {
		name string
		raw  json.RawMessage
		alg  jose.SignatureAlgorithm // "" when the key must be skipped
	}{
		{"ok/RS256 RSA key", pub("rsa-a", "k", "RS256", "sig"), jose.RS256},
		{"ok/PS256 RSA key", pub("rsa-a", "k", "PS256", "sig"), jose.PS256},
		{"ok/ES256 P-256 key", pub("p256-a", "k", "ES256", "sig"), jose.ES256},
		{"ok/no use", pub("rsa-a", "k", "RS256", ""), jose.RS256},
		{"ok/a published private key, used through its public half", jwk(jose.JSONWebKey{Key: testKeys()["p256-a"], KeyID: "k", Algorithm: "ES256"}), jose.ES256},
		{"skip/no kid", pub("rsa-a", "", "RS256", "sig"), ""},
		{"skip/no alg", pub("rsa-a", "k", "", "sig"), ""},
		{"skip/for encryption", pub("rsa-a", "k", "RS256", "enc"), ""},
		{"skip/RS512", pub("rsa-a", "k", "RS512", "sig"), ""},
		{"skip/RSA key of 1024 bits", pub("rsa-1024", "k", "RS256", "sig"), ""},
		{"skip/RSA key declared ES256", pub("rsa-a", "k", "ES256", "sig"), ""},
		{"skip/P-256 key declared RS256", pub("p256-a", "k", "RS256", "sig"), ""},
		{"skip/P-384 key declared ES256", pub("p384", "k", "ES256", "sig"), ""},
		{"skip/symmetric key", jwk(jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "k", Algorithm: "HS256"}), ""},
		{"skip/unknown key type", json.RawMessage(`{"kty":"OKP","crv":"Ed448","x":"AA","kid":"k","alg":"EdDSA"}`), ""},
		{"skip/not an object", json.RawMessage(`"k"`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The good key beside it must survive whatever the entry is.
			keys := parseKeys([]json.RawMessage{tt.raw, pub("p256-b", "other", "ES256", "sig")})
			if _, ok := keys["other"]; !ok {
				t.Fatal("the good key beside it was dropped")
			}
			k, ok := keys["k"]
			switch {
			case tt.alg == "" && ok:
				t.Errorf("kept as %s, want skipped", k.alg)
			case tt.alg != "" && (!ok || k.alg != tt.alg):
				t.Errorf("got %v (kept %v), want %s", k.alg, ok, tt.alg)
			}
		})
	}
}

func TestParseKeysDropsAKidPublishedTwice(t *testing.T) {
	a := jose.JSONWebKey{Key: testKeys()["rsa-a"].Public(), KeyID: "k", Algorithm: "RS256"}
	b := jose.JSONWebKey{Key: testKeys()["rsa-b"].Public(), KeyID: "k", Algorithm: "RS256"}
	var raw []json.RawMessage
	for _, k := range []jose.JSONWebKey{a, b, a} {
		j, _ := k.MarshalJSON()
		raw = append(raw, j)
	}
	if keys := parseKeys(raw); len(keys) != 0 {
		t.Errorf("kept %v", keys)
	}
}
