package dashboard

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

// The Credentials tab: the public keys an application signs its private_key_jwt assertions with
// (SPEC-users §16), and the switch between them and a client secret. As everywhere in the dashboard,
// tenant decides; this file only turns forms into its inputs.

// privateKeyJWT is the dashboard's name for the method the Management API spells as
// client_authentication_methods.private_key_jwt (with token_endpoint_auth_method null).
const privateKeyJWT = "private_key_jwt"

// secretMethodOptions are the methods an application can switch back to from private_key_jwt.
var secretMethodOptions = slices.DeleteFunc(slices.Clone(authMethodOptions), func(o option) bool { return o.Value == "none" })

// authMethodOf is how c authenticates at the token endpoint: private_key_jwt, a
// token_endpoint_auth_method, or "" when private_key_jwt lost its last credential.
func authMethodOf(c tenant.Client) string {
	if len(c.PrivateKeyJWTCredentials) > 0 {
		return privateKeyJWT
	}
	return c.TokenEndpointAuthMethod
}

// authMethodLabel names a method as the dashboard shows it.
func authMethodLabel(method string) string {
	if method == privateKeyJWT {
		return "Private key JWT"
	}
	for _, o := range authMethodOptions {
		if o.Value == method {
			return o.Label
		}
	}
	return "No method: the application cannot authenticate"
}

// credentialRow is one credential as the tab lists it.
type credentialRow struct {
	tenant.ClientCredential
	Referenced bool // private_key_jwt uses it
	// Last: it is the only key private_key_jwt uses, so deleting it leaves the application without a way
	// to authenticate.
	Last bool
}

// credentialForm is the add-a-credential form, as submitted when it was refused.
type credentialForm struct {
	Name, Alg, PEM, ExpiresAt string
}

type applicationCredentials struct {
	Client        tenant.Client
	Method        string // authMethodOf(Client)
	Rows          []credentialRow
	Unreferenced  int  // credentials private_key_jwt does not use (yet)
	NoSecret      bool // a secret method without a secret: it was removed by the switch to private_key_jwt
	Full          bool // the most credentials a client may have
	Max           int
	Algs          []string
	SecretMethods []option
	Form          credentialForm
}

func (h *Handler) applicationCredentials(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	return h.renderCredentials(w, r, s, http.StatusOK, r.PathValue("id"), credentialForm{Alg: tenant.CredentialAlgs[0]}, nil)
}

// renderCredentials shows the tab, with the add form as given and the refusal, if any.
func (h *Handler) renderCredentials(w http.ResponseWriter, r *http.Request, s admins.Session, status int, clientID string, f credentialForm, errs formErrors) error {
	ctx := r.Context()
	c, err := h.tenant.Client(ctx, clientID)
	if err != nil {
		return err
	}
	creds, err := h.tenant.ClientCredentials(ctx, c.ClientID)
	if err != nil {
		return err
	}
	data := applicationCredentials{Client: c, Method: authMethodOf(c), Max: tenant.MaxClientCredentials,
		Algs: tenant.CredentialAlgs, SecretMethods: secretMethodOptions, Form: f,
		Full: len(creds) >= tenant.MaxClientCredentials}
	data.NoSecret = data.Method != privateKeyJWT && data.Method != "none" && data.Method != "" && c.SecretHash == nil
	for _, cred := range creds {
		row := credentialRow{ClientCredential: cred, Referenced: slices.Contains(c.PrivateKeyJWTCredentials, cred.ID)}
		row.Last = row.Referenced && len(c.PrivateKeyJWTCredentials) == 1
		if !row.Referenced {
			data.Unreferenced++
		}
		data.Rows = append(data.Rows, row)
	}
	h.page(w, r, s, status, "application_credentials", view{Title: c.Name + " · Credentials", Section: "applications", Errors: errs, Data: data})
	return nil
}

// credentialFields are the add form's fields, by the tenant property each shows.
var credentialFields = []string{"name", "alg", "pem", "expires_at"}

// expiryLayout is the value of an <input type="date">; the credential expires at 00:00 UTC that day.
const expiryLayout = "2006-01-02"

func (h *Handler) addCredential(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	clientID := r.PathValue("id")
	f := credentialForm{
		Name:      strings.TrimSpace(r.PostForm.Get("name")),
		Alg:       r.PostForm.Get("alg"),
		PEM:       strings.TrimSpace(r.PostForm.Get("pem")),
		ExpiresAt: strings.TrimSpace(r.PostForm.Get("expires_at")),
	}
	in := tenant.ClientCredentialInput{CredentialType: "public_key", PEM: f.PEM, Alg: &f.Alg}
	if f.Name != "" {
		in.Name = &f.Name
	}
	if f.ExpiresAt != "" {
		t, err := time.Parse(expiryLayout, f.ExpiresAt)
		if err != nil {
			return h.renderCredentials(w, r, s, http.StatusUnprocessableEntity, clientID, f,
				formErrors{"expires_at": "Enter a date such as 2027-12-31, or leave the field empty for a key that does not expire."})
		}
		in.ExpiresAt = &t
	}
	_, err := h.tenant.CreateClientCredential(r.Context(), clientID, in)
	if err == nil {
		return redirect(w, r, "/dashboard/applications/"+clientID+"/credentials", "credential-added")
	}
	errs, err := fieldErrors(err, credentialFields...)
	if err != nil {
		return err
	}
	if strings.Contains(f.PEM, "PRIVATE KEY-----") {
		f.PEM = "" // a private key pasted by mistake is not sent back into the page
	}
	return h.renderCredentials(w, r, s, http.StatusUnprocessableEntity, clientID, f, errs)
}

func (h *Handler) deleteCredential(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	clientID := r.PathValue("id")
	if err := h.tenant.DeleteClientCredential(r.Context(), clientID, r.PathValue("credential")); err != nil {
		return err
	}
	return redirect(w, r, "/dashboard/applications/"+clientID+"/credentials", "credential-deleted")
}

// setAuthentication switches the application to private_key_jwt with all its credentials (which removes
// its secret), or back to a secret method (which then has no secret until it is rotated).
func (h *Handler) setAuthentication(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	ctx := r.Context()
	clientID := r.PathValue("id")
	method := r.PostForm.Get("method")
	var patch tenant.ClientPatch
	notice := "secret-method"
	if method == privateKeyJWT {
		creds, err := h.tenant.ClientCredentials(ctx, clientID)
		if err != nil {
			return err
		}
		ids := make([]string, len(creds))
		for i, c := range creds {
			ids[i] = c.ID
		}
		patch = tenant.ClientPatch{TokenEndpointAuthMethod: new(string), PrivateKeyJWTCredentialIDs: &ids}
		notice = "private-key-jwt"
	} else {
		patch = tenant.ClientPatch{TokenEndpointAuthMethod: &method, ClearAuthenticationMethods: true}
	}
	_, err := h.tenant.UpdateClient(ctx, clientID, patch)
	if err == nil {
		return redirect(w, r, "/dashboard/applications/"+clientID+"/credentials", notice)
	}
	errs, err := fieldErrors(err)
	if err != nil {
		return err
	}
	return h.renderCredentials(w, r, s, http.StatusUnprocessableEntity, clientID, credentialForm{Alg: tenant.CredentialAlgs[0]},
		formErrors{"authentication": errs.Form()})
}
