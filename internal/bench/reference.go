package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/orgauth/orgauth/internal/jsonappend"
)

// The minimal token endpoint is the bench's reference for the token endpoint: what any server issuing
// the same tokens to the same requests has to do, and nothing else. It parses the form body, checks
// HTTP Basic credentials against one fixed client in constant time, writes the claims as JSON (iss, sub,
// aud, iat, exp, scope, org_id, jti) with orgauth's own JSON appender, signs them once with crypto/ecdsa
// or crypto/rsa, and answers the token. No logging, no lookup beyond the audience's key, no request id,
// no body limit beyond net/http's, no server timeouts beyond the header's.
// Run as a separate process like orgauth and driven by the same generator with requests of the same
// shape, it shows what orgauth's work beyond the signature costs: orgauth's rate as a fraction of it.

// The reference's one client: an id and a secret of the lengths orgauth generates (32 and 64 characters),
// so that the requests are as long as the seeded applications'.
const (
	refClientID = "benchReferenceClient000000000000"
	refSecret   = "benchReferenceSecret00000000000000000000000000000000000000000000"
)

// refIssuer is the reference's issuer: the bench server's, so the claims are as long.
const refIssuer = benchIssuer

// refLifetime is the tokens' lifetime, orgauth's default.
const refLifetime = 86400

// refKey is one signing key of the reference: the JWS header's base64url and the signature.
type refKey struct {
	prefix  []byte // base64url of {"alg":…,"typ":"JWT","kid":…}, then "."
	sign    func(digest []byte) ([]byte, error)
	sigSize int // bytes
	public  crypto.PublicKey
}

func newRefKeys() (map[string]*refKey, error) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	prefix := func(alg string) []byte {
		// A kid of a thumbprint's length (43 characters), as orgauth's.
		header := `{"alg":"` + alg + `","typ":"JWT","kid":"benchReferenceKey` + alg + `000000000000000000000"}`
		return append(base64.RawURLEncoding.AppendEncode(nil, []byte(header)), '.')
	}
	return map[string]*refKey{
		audience("RS256"): {prefix: prefix("RS256"), sigSize: rsaKey.Size(), public: rsaKey.Public(), sign: func(digest []byte) ([]byte, error) {
			return rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA256, digest)
		}},
		audience("ES256"): {prefix: prefix("ES256"), sigSize: 64, public: ecKey.Public(), sign: func(digest []byte) ([]byte, error) {
			der, err := ecdsa.SignASN1(rand.Reader, ecKey, digest)
			if err != nil {
				return nil, err
			}
			return ecdsaJWS(der)
		}},
	}, nil
}

// ecdsaJWS turns an ASN.1 ECDSA signature into JWS's r||s of 32 bytes each (RFC 7518 §3.4).
func ecdsaJWS(der []byte) ([]byte, error) {
	var seq cryptobyte.String
	var r, s []byte
	in := cryptobyte.String(der)
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) ||
		!seq.Empty() || len(r) > 32 || len(s) > 32 {
		return nil, errors.New("malformed ECDSA signature")
	}
	sig := make([]byte, 64)
	copy(sig[32-len(r):32], r)
	copy(sig[64-len(s):], s)
	return sig, nil
}

// ReferenceHandler is the minimal token endpoint: POST /oauth/token, and GET /healthz for the bench.
func ReferenceHandler() (http.Handler, error) {
	keys, err := newRefKeys()
	if err != nil {
		return nil, err
	}
	return referenceHandler(keys), nil
}

// referenceHandler is ReferenceHandler signing with keys, by audience.
func referenceHandler(keys map[string]*refKey) http.Handler {
	refuse := func(w http.ResponseWriter, status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"error":"` + code + `"}`))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			refuse(w, http.StatusBadRequest, "invalid_request")
			return
		}
		id, secret, ok := r.BasicAuth()
		idOK := subtle.ConstantTimeCompare([]byte(id), []byte(refClientID))
		secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(refSecret))
		if !ok || idOK&secretOK != 1 {
			refuse(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		if r.PostForm.Get("grant_type") != "client_credentials" {
			refuse(w, http.StatusBadRequest, "unsupported_grant_type")
			return
		}
		aud, org := r.PostForm.Get("audience"), r.PostForm.Get("organization")
		key := keys[aud]
		if key == nil || org == "" {
			refuse(w, http.StatusForbidden, "access_denied")
			return
		}
		// The JSON is appended as orgauth appends it: the reference is no slower for the JSON library it uses.
		var jti [16]byte
		rand.Read(jti[:])
		now := time.Now().Unix()
		var buf [512]byte
		claims := append(buf[:0], '{')
		claims = jsonappend.StringField(claims, "iss", refIssuer)
		claims = jsonappend.StringField(claims, "sub", refClientID+"@clients")
		claims = jsonappend.StringField(claims, "aud", aud)
		claims = jsonappend.IntField(claims, "iat", now)
		claims = jsonappend.IntField(claims, "exp", now+refLifetime)
		claims = jsonappend.StringField(claims, "scope", benchScope)
		claims = jsonappend.StringField(claims, "org_id", org)
		claims = jsonappend.StringField(claims, "jti", base64.RawURLEncoding.EncodeToString(jti[:]))
		claims = append(claims, '}')
		enc := base64.RawURLEncoding
		jws := make([]byte, 0, len(key.prefix)+enc.EncodedLen(len(claims))+1+enc.EncodedLen(key.sigSize))
		jws = append(jws, key.prefix...)
		jws = enc.AppendEncode(jws, claims)
		digest := sha256.Sum256(jws)
		sig, err := key.sign(digest[:])
		if err != nil {
			refuse(w, http.StatusInternalServerError, "server_error")
			return
		}
		jws = append(jws, '.')
		jws = enc.AppendEncode(jws, sig)
		answer := make([]byte, 0, len(jws)+96)
		answer = append(answer, '{')
		answer = jsonappend.StringField(answer, "access_token", string(jws))
		answer = jsonappend.StringField(answer, "scope", benchScope)
		answer = jsonappend.IntField(answer, "expires_in", refLifetime)
		answer = jsonappend.StringField(answer, "token_type", "Bearer")
		answer = append(answer, '}')
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(answer)
	})
	return mux
}

// ServeReference serves ReferenceHandler on addr until ctx ends: `orgauth bench reference-server`, which
// the bench starts as a separate process like the real server.
func ServeReference(ctx context.Context, addr string) error {
	h, err := ReferenceHandler()
	if err != nil {
		return fmt.Errorf("reference server: %w", err)
	}
	return serveUntil(ctx, &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}, "reference server")
}

// serveUntil serves hs until ctx ends, then shuts it down.
func serveUntil(ctx context.Context, hs *http.Server, name string) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("%s: %w", name, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// refOrgs is how many organizations the reference's requests name, round robin: their ids differ as
// the seeded organizations' do, in orgauth's format.
const refOrgs = 1000

// referenceRequests are the requests the reference gets for alg: the shape of the server's (the same
// headers, a body with grant_type, audience and organization), by the reference's client.
func referenceRequests(host, alg string) *requestSet {
	reqs := make([][]byte, refOrgs)
	for i := range reqs {
		org := fmt.Sprintf("org_%016x", uint64(i)*0x9e3779b97f4a7c15)
		reqs[i] = tokenRequest{clientID: refClientID, secret: refSecret, audience: audience(alg), org: org}.wire(host)
	}
	return &requestSet{reqs: reqs}
}
