package server

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// kids lists the key ids the instance's JWKS publishes.
func (in *instance) kids() []string {
	in.t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(in.do(mustRequest("GET", in.ts.URL+"/.well-known/jwks.json")).raw, &set); err != nil {
		in.t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if !k.IsPublic() {
			in.t.Fatalf("JWKS publishes a private key: %s", k.KeyID)
		}
		kids = append(kids, k.KeyID)
	}
	return kids
}

// header returns the alg and kid a token was signed with.
func header(t *testing.T, token string) (alg, kid string) {
	t.Helper()
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Headers[0].Algorithm, tok.Headers[0].KeyID
}

func TestSigningAlgorithmPerAPI(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	for _, alg := range []string{"RS256", "PS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			must(t, in.api("PATCH", "/api/v2/resource-servers/"+url.PathEscape(w.audience), w.admin, map[string]any{"signing_alg": alg}), 200)
			token := must(t, in.token(w.request("organization", w.orgA)), 200).str("access_token")
			if got, _ := header(t, token); got != alg {
				t.Fatalf("token signed with %s, want %s", got, alg)
			}
			if c := in.claims(token); c["org_id"] != w.orgA {
				t.Fatalf("claims %v", c)
			}
		})
	}
	if r := in.api("PATCH", "/api/v2/resource-servers/"+url.PathEscape(w.audience), w.admin, map[string]any{"signing_alg": "HS256"}); r.status != 400 {
		t.Fatalf("HS256 accepted: %d %s", r.status, r.raw)
	}
}

func TestKeyRotation(t *testing.T) {
	in := start(t, "", "")
	w := setupWorld(t, in)
	before := must(t, in.token(w.request("organization", w.orgA)), 200).str("access_token")
	_, oldKid := header(t, before)
	published := in.kids()

	must(t, in.api("POST", "/api/v2/keys/signing/rotate", w.admin, nil), 201)

	after := must(t, in.token(w.request("organization", w.orgA)), 200).str("access_token")
	_, newKid := header(t, after)
	if newKid == oldKid {
		t.Fatal("still signing with the old key after rotation")
	}
	if !slices.Contains(published, newKid) {
		t.Errorf("the new signing key %s was not published before the rotation (JWKS had %v)", newKid, published)
	}
	if !slices.Contains(in.kids(), oldKid) {
		t.Error("the old key left the JWKS while its tokens are alive")
	}
	in.claims(before) // still verifies
	in.claims(after)
}
