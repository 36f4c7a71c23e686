package bench

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReferenceIssuesVerifiableTokens sends the reference the bench's own requests: each answer is a
// token signed with the audience's key, carrying the organization, and a wrong secret is refused.
func TestReferenceIssuesVerifiableTokens(t *testing.T) {
	keys, err := newRefKeys()
	if err != nil {
		t.Fatal(err)
	}
	h := referenceHandler(keys)
	for _, alg := range benchAlgs {
		t.Run(alg, func(t *testing.T) {
			reqs := referenceRequests("127.0.0.1:1", alg)
			wire, _ := reqs.pick()
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(wire)))
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("status %d, headers %v: %s", rec.Code, rec.Header(), rec.Body)
			}
			org := r.PostForm.Get("organization") // parsed by the handler
			var answer refAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(answer.AccessToken, ".")
			if len(parts) != 3 || answer.TokenType != "Bearer" || answer.ExpiresIn != refLifetime {
				t.Fatalf("answer %+v", answer)
			}
			var header struct{ Alg string }
			var claims refClaims
			for part, v := range map[string]any{parts[0]: &header, parts[1]: &claims} {
				raw, err := base64.RawURLEncoding.DecodeString(part)
				if err != nil || json.Unmarshal(raw, v) != nil {
					t.Fatalf("segment %q: %v", part, err)
				}
			}
			if org == "" || header.Alg != alg || claims.Aud != audience(alg) || claims.OrgID != org || claims.Sub != refClientID+"@clients" ||
				claims.Exp-claims.Iat != refLifetime || len(claims.JTI) != 22 {
				t.Errorf("header %+v, claims %+v", header, claims)
			}
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			switch pub := keys[audience(alg)].public.(type) {
			case *rsa.PublicKey:
				err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
			case *ecdsa.PublicKey:
				if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
					t.Errorf("ES256 signature does not verify")
				}
			}
			if err != nil {
				t.Errorf("signature: %v", err)
			}

			wrong := bytes.Replace(wire, []byte(basicAuth(refClientID, refSecret)), []byte(basicAuth(refClientID, refSecret[1:]+"x")), 1)
			r, err = http.ReadRequest(bufio.NewReader(bytes.NewReader(wrong)))
			if err != nil {
				t.Fatal(err)
			}
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("wrong secret: status %d, want 401", rec.Code)
			}
		})
	}
}

// refClaims are the claims of the reference's tokens, as its test reads them.
type refClaims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Scope string `json:"scope"`
	OrgID string `json:"org_id"`
	JTI   string `json:"jti"`
}

// refAnswer is the reference's token answer (RFC 6749 §5.1), as its test reads it.
type refAnswer struct {
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}
