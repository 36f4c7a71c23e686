package mgmt

import (
	"net/http"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

// signingKeyJSON describes a signing key with Auth0's field names; alg is orgauth's addition, since it
// keeps one key set per algorithm. current_until is when a previous key stopped signing.
type signingKeyJSON struct {
	KID          string     `json:"kid"`
	Alg          string     `json:"alg"`
	Current      bool       `json:"current"`
	Next         bool       `json:"next"`
	Previous     bool       `json:"previous"`
	CurrentUntil *time.Time `json:"current_until,omitempty"`
}

func signingKeyOut(k tenant.SigningKey) signingKeyJSON {
	out := signingKeyJSON{
		KID:      k.KID,
		Alg:      k.Alg,
		Current:  k.State == tenant.KeyCurrent,
		Next:     k.State == tenant.KeyNext,
		Previous: k.State == tenant.KeyPrevious,
	}
	if out.Previous && !k.RetiredAt.IsZero() {
		retired := k.RetiredAt.UTC()
		out.CurrentUntil = &retired
	}
	return out
}

func (h *Handler) listSigningKeys(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, mapSlice(h.tenant.SigningKeys(), signingKeyOut))
	return nil
}

// rotateSigningKeys rotates every algorithm's keys and answers, as Auth0 does, with the kid of the key
// that now signs: the RS256 one, RS256 being the default algorithm of an API.
func (h *Handler) rotateSigningKeys(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.RotateSigningKeys(r.Context()); err != nil {
		return err
	}
	var body struct {
		KID string `json:"kid,omitempty"`
	}
	for _, k := range h.tenant.SigningKeys() {
		if k.State == tenant.KeyCurrent && k.Alg == tenant.DefaultSigningAlg {
			body.KID = k.KID
		}
	}
	writeJSON(w, http.StatusCreated, body)
	return nil
}
