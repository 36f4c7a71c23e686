package mgmt

import (
	"net/http"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

// clientCredentialJSON is a credential as Auth0 shows it; the pem is never echoed.
type clientCredentialJSON struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	CredentialType string  `json:"credential_type"`
	KID            string  `json:"kid"`
	Alg            string  `json:"alg"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	ExpiresAt      *string `json:"expires_at,omitempty"`
}

func clientCredentialOut(c tenant.ClientCredential) clientCredentialJSON {
	out := clientCredentialJSON{
		ID: c.ID, Name: c.Name, CredentialType: c.CredentialType, KID: c.KID, Alg: c.Alg,
		CreatedAt: isoTime(c.CreatedAt), UpdatedAt: isoTime(c.UpdatedAt),
	}
	if !c.ExpiresAt.IsZero() {
		e := isoTime(c.ExpiresAt)
		out.ExpiresAt = &e
	}
	return out
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// clientAuthMethodsJSON is client_authentication_methods: the credentials private_key_jwt references.
type clientAuthMethodsJSON struct {
	PrivateKeyJWT *struct {
		Credentials []credentialRefJSON `json:"credentials"`
	} `json:"private_key_jwt,omitempty"`
}

type credentialRefJSON struct {
	ID string `json:"id"`
}

func clientAuthMethodsOut(c tenant.Client) *clientAuthMethodsJSON {
	if len(c.PrivateKeyJWTCredentials) == 0 {
		return nil
	}
	out := &clientAuthMethodsJSON{PrivateKeyJWT: &struct {
		Credentials []credentialRefJSON `json:"credentials"`
	}{}}
	for _, id := range c.PrivateKeyJWTCredentials {
		out.PrivateKeyJWT.Credentials = append(out.PrivateKeyJWT.Credentials, credentialRefJSON{ID: id})
	}
	return out
}

// readPrivateKeyJWT reads client_authentication_methods.private_key_jwt.credentials: the array of
// objects, or nil when the property is absent.
func readPrivateKeyJWT(o object) (*[]object, error) {
	m, err := o.objectField("client_authentication_methods")
	if m == nil || err != nil {
		return nil, err
	}
	if err := m.allow("private_key_jwt"); err != nil {
		return nil, err
	}
	p, err := m.objectField("private_key_jwt")
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, m.missing("private_key_jwt")
	}
	if err := p.allow("credentials"); err != nil {
		return nil, err
	}
	creds, err := p.objectsField("credentials")
	if err != nil {
		return nil, err
	}
	if creds == nil {
		return nil, p.missing("credentials")
	}
	return creds, nil
}

// readCredentialsCreate reads the new credentials of a client's creation.
func readCredentialsCreate(o object) (*[]tenant.ClientCredentialInput, error) {
	objs, err := readPrivateKeyJWT(o)
	if objs == nil || err != nil {
		return nil, err
	}
	out := make([]tenant.ClientCredentialInput, 0, len(*objs))
	for _, c := range *objs {
		in, err := readCredentialInput(c)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return &out, nil
}

// readCredentialRefs reads the references of a client's update: objects holding only an id.
func readCredentialRefs(o object) (*[]string, error) {
	objs, err := readPrivateKeyJWT(o)
	if objs == nil || err != nil {
		return nil, err
	}
	out := make([]string, 0, len(*objs))
	for _, c := range *objs {
		if err := c.allow("id"); err != nil {
			return nil, err
		}
		id, err := c.requiredString("id")
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return &out, nil
}

func readCredentialInput(o object) (tenant.ClientCredentialInput, error) {
	var in tenant.ClientCredentialInput
	if err := o.allow("credential_type", "name", "pem", "alg", "kid", "expires_at", "parse_expiry_from_cert"); err != nil {
		return in, err
	}
	var err error
	if in.CredentialType, err = o.requiredString("credential_type"); err != nil {
		return in, err
	}
	if in.PEM, err = o.requiredString("pem"); err != nil {
		return in, err
	}
	if in.Name, err = o.stringField("name"); err != nil {
		return in, err
	}
	if in.Alg, err = o.stringField("alg"); err != nil {
		return in, err
	}
	if in.KID, err = o.stringField("kid"); err != nil {
		return in, err
	}
	if in.ExpiresAt, err = readDate(o, "expires_at"); err != nil {
		return in, err
	}
	parse, err := o.boolField("parse_expiry_from_cert")
	if err != nil {
		return in, err
	}
	in.ParseExpiryFromCert = parse != nil && *parse
	return in, nil
}

// readDate reads an RFC 3339 date; nil when absent or null.
func readDate(o object, key string) (*time.Time, error) {
	if o.null(key) {
		return nil, nil
	}
	s, err := o.stringField(key)
	if s == nil || err != nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil, payloadError(o.prop(key), "Object didn't pass validation for format date-time: "+*s)
	}
	return &t, nil
}

func decodeCredentialCreate(body []byte) (tenant.ClientCredentialInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ClientCredentialInput{}, err
	}
	return readCredentialInput(o)
}

func decodeCredentialPatch(body []byte) (tenant.ClientCredentialPatch, error) {
	var p tenant.ClientCredentialPatch
	o, err := parseBody(body)
	if err != nil {
		return p, err
	}
	if err := o.allow("expires_at"); err != nil {
		return p, err
	}
	p.ClearExpiresAt = o.null("expires_at")
	p.ExpiresAt, err = readDate(o, "expires_at")
	return p, err
}

func (h *Handler) createClientCredential(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeCredentialCreate)
	if err != nil {
		return err
	}
	c, err := h.tenant.CreateClientCredential(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusCreated, c, err, clientCredentialOut)
}

func (h *Handler) listClientCredentials(w http.ResponseWriter, r *http.Request) error {
	l, err := h.tenant.ClientCredentials(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, l, err, func(l []tenant.ClientCredential) []clientCredentialJSON {
		out := make([]clientCredentialJSON, len(l))
		for i, c := range l {
			out[i] = clientCredentialOut(c)
		}
		return out
	})
}

func (h *Handler) getClientCredential(w http.ResponseWriter, r *http.Request) error {
	c, err := h.tenant.ClientCredential(r.Context(), r.PathValue("id"), r.PathValue("credential_id"))
	return reply(w, http.StatusOK, c, err, clientCredentialOut)
}

func (h *Handler) updateClientCredential(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeCredentialPatch)
	if err != nil {
		return err
	}
	c, err := h.tenant.UpdateClientCredential(r.Context(), r.PathValue("id"), r.PathValue("credential_id"), in)
	return reply(w, http.StatusOK, c, err, clientCredentialOut)
}

func (h *Handler) deleteClientCredential(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteClientCredential(r.Context(), r.PathValue("id"), r.PathValue("credential_id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
