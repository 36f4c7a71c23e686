package dashboard

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// A new client secret goes from the POST that made it to the one page that shows it (post/redirect/get,
// so that a reload makes nothing twice) in a short-lived cookie, sealed with a key derived from the
// session token: it is never in a URL, a log or a cached answer; only the session that made it can open
// it; and any orgauth instance behind the same store can, since nothing is kept in memory. The page that
// opens it deletes it, so it is shown once.

// secretKind says whether the secret is an application's first or a rotated one.
type secretKind string

const (
	secretCreated secretKind = "created"
	secretRotated secretKind = "rotated"
)

// secretCookieLifetime is how long a secret waits for its page: the redirect follows at once.
const secretCookieLifetime = 5 * 60 // seconds

// secretSealKey is the sealing cipher of a session (AES-GCM with a random nonce in front): the session token is the browser's secret, which the
// store keeps only as a hash.
func secretSealKey(sessionToken string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(sessionToken), nil, "orgauth dashboard: one-time client secret", 32)
	if err != nil {
		return nil, fmt.Errorf("derive the one-time secret key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("one-time secret cipher: %w", err)
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// secretAAD binds a sealed secret to its application and kind: it opens on no other application's page.
func secretAAD(kind secretKind, clientID string) []byte {
	return []byte(string(kind) + "\x00" + clientID)
}

// giveSecret seals secret in the session's cookie and sends the browser to the page that shows it.
func (h *Handler) giveSecret(w http.ResponseWriter, r *http.Request, kind secretKind, clientID, secret string) error {
	aead, err := secretSealKey(h.sessionToken(r))
	if err != nil {
		return err
	}
	sealed := aead.Seal(nil, nil, []byte(secret), secretAAD(kind, clientID))
	h.setCookie(w, secretCookie, string(kind)+"."+base64.RawURLEncoding.EncodeToString(sealed), secretCookieLifetime)
	http.Redirect(w, r, "/dashboard/applications/"+clientID+"/secret", http.StatusSeeOther)
	return nil
}

// takeSecret opens the session's sealed secret for clientID and deletes its cookie; ok is false when
// there is none (it was shown already, it expired, or it belongs to another application or session).
func (h *Handler) takeSecret(w http.ResponseWriter, r *http.Request, clientID string) (kind secretKind, secret string, ok bool) {
	c, err := r.Cookie(h.cookieName(secretCookie))
	if err != nil {
		return "", "", false
	}
	k, encoded, _ := strings.Cut(c.Value, ".")
	kind = secretKind(k)
	sealed, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || kind != secretCreated && kind != secretRotated {
		return "", "", false
	}
	aead, err := secretSealKey(h.sessionToken(r))
	if err != nil {
		return "", "", false
	}
	plain, err := aead.Open(nil, nil, sealed, secretAAD(kind, clientID))
	if err != nil {
		return "", "", false
	}
	h.setCookie(w, secretCookie, "", -1)
	return kind, string(plain), true
}

// sessionToken is the session cookie's value; signedIn has checked it.
func (h *Handler) sessionToken(r *http.Request) string {
	if c, err := r.Cookie(h.cookieName(sessionCookie)); err == nil {
		return c.Value
	}
	return ""
}
