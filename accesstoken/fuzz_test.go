package accesstoken

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary strings to Verify. It must never panic, and whatever verifies must carry
// exactly the claims the issuer signed: no input forges other claims.
func FuzzVerify(f *testing.F) {
	clk := newClock()
	iss := newTestIssuer(f)
	v, err := New(iss.url, testAudience, WithClock(clk.Now), WithHTTPClient(iss.srv.Client()))
	if err != nil {
		f.Fatal(err)
	}
	signed := iss.claims(clk.Now(), nil)
	var want Claims
	for _, key := range []signingKey{rs256(), ps256(), es256()} {
		tok := sign(f, key, signed)
		if want, err = v.Verify(context.Background(), tok); err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		parts := strings.Split(tok, ".")
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(parts[0] + ".." + parts[2])
	}
	f.Add(unsigned(`{"alg":"none","kid":"rs-1"}`, signed, nil))
	f.Add(unsigned(`{"alg":"RS256","kid":"rs-1","crit":["exp"]}`, signed, []byte("sig")))
	f.Add("")
	f.Add("..")
	f.Add("a.b.c.d.e")

	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err == nil && !reflect.DeepEqual(c, want) {
			t.Fatalf("verified claims %+v, the issuer signed %+v", c, want)
		}
	})
}
