package oauth

import (
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestPKCE(t *testing.T) {
	// RFC 7636 appendix B.
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if !verifyPKCE(verifier, challenge) {
		t.Fatal("the RFC's example does not verify")
	}
	for _, v := range []string{verifier + "x", verifier[:42], strings.Repeat("a", 129), strings.Repeat("é", 43), ""} {
		if verifyPKCE(v, challenge) {
			t.Errorf("verifier %q verifies", v)
		}
	}
	// x/oauth2's own generator, as applications use it.
	v := oauth2.GenerateVerifier()
	if !verifyPKCE(v, oauth2.S256ChallengeFromVerifier(v)) {
		t.Error("x/oauth2's verifier and challenge do not verify")
	}
}
