package keys

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/accesstoken"
)

// A refusal names at most a short prefix of an unknown kid: the caller chose it, and refusals are logged.
func TestVerifyQuotesAPrefixOfAnUnknownKid(t *testing.T) {
	m := open(t, seededStore(t), newClock())
	b64 := base64.RawURLEncoding.EncodeToString
	kid := strings.Repeat("k", 20_000) // under accesstoken's 32 KiB token limit once encoded
	token := b64([]byte(`{"alg":"RS256","kid":"`+kid+`"}`)) + "." + b64([]byte(`{}`)) + "." + b64([]byte("sig"))
	_, err := verify(m, token, testIssuer, testAudience)
	if !errors.Is(err, accesstoken.ErrInvalidToken) {
		t.Fatalf("got %v, want ErrInvalidToken", err)
	}
	if want := `invalid access token: The token is signed by an unknown key: kid "` + strings.Repeat("k", 64) + `…[cut, 20000 bytes]"`; err.Error() != want {
		t.Errorf("error %.200q, want %q", err, want)
	}
}

// A refusal quotes at most a short prefix of whatever the token's header holds.
func TestVerifyRefusalsOfHostileHeadersAreShort(t *testing.T) {
	m := open(t, seededStore(t), newClock())
	b64 := base64.RawURLEncoding.EncodeToString
	long := strings.Repeat("k", 20_000) // under accesstoken's 32 KiB token limit once encoded
	headers := map[string]string{
		"an unknown alg":     `{"alg":"` + long + `","kid":"a"}`,
		"a malformed x5c":    `{"alg":"RS256","kid":"a","x5c":["` + long + `"]}`,
		"an unknown kid":     `{"alg":"RS256","kid":"` + long + `"}`,
		"a long unknown key": `{"alg":"RS256","kid":"a","` + long + `":1}`,
	}
	for name, header := range headers {
		t.Run(name, func(t *testing.T) {
			token := b64([]byte(header)) + "." + b64([]byte(`{}`)) + "." + b64([]byte("sig"))
			_, err := verify(m, token, testIssuer, testAudience)
			if !errors.Is(err, accesstoken.ErrInvalidToken) {
				t.Fatalf("got %v, want ErrInvalidToken", err)
			}
			if n := len(err.Error()); n > 400 {
				t.Errorf("the error is %d bytes: %.200s", n, err)
			}
		})
	}
}
