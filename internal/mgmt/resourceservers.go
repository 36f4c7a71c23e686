package mgmt

import (
	"net/http"

	"github.com/orgauth/orgauth/internal/tenant"
)

// resourceServerJSON is an API as Auth0 shows it.
type resourceServerJSON struct {
	ID                 string      `json:"id"`
	Name               string      `json:"name,omitempty"`
	Identifier         string      `json:"identifier"`
	IsSystem           bool        `json:"is_system"`
	Scopes             []scopeJSON `json:"scopes"`
	SigningAlg         string      `json:"signing_alg"`
	TokenLifetime      int         `json:"token_lifetime"`
	AllowOfflineAccess bool        `json:"allow_offline_access"`
	EnforcePolicies    bool        `json:"enforce_policies"`
	TokenDialect       string      `json:"token_dialect"`
}

type scopeJSON struct {
	Value       string `json:"value"`
	Description string `json:"description"`
}

func resourceServerOut(rs tenant.ResourceServer) resourceServerJSON {
	return resourceServerJSON{
		ID:         rs.ID,
		Name:       rs.Name,
		Identifier: rs.Identifier,
		IsSystem:   rs.IsSystem,
		Scopes: mapSlice(rs.Scopes, func(s tenant.Scope) scopeJSON {
			return scopeJSON{Value: s.Value, Description: s.Description}
		}),
		SigningAlg:         rs.SigningAlg,
		TokenLifetime:      rs.TokenLifetime,
		AllowOfflineAccess: rs.AllowOfflineAccess,
		EnforcePolicies:    rs.EnforcePolicies,
		TokenDialect:       tokenDialect(rs.TokenDialect),
	}
}

// tokenDialect shows an API stored before token dialects, which has none, with the default.
func tokenDialect(d string) string {
	if d == "" {
		return "access_token"
	}
	return d
}

// resourceServerFields are the properties that create and update share.
var resourceServerFields = []string{"name", "scopes", "signing_alg", "token_lifetime", "allow_offline_access",
	"enforce_policies", "token_dialect"}

func decodeResourceServerCreate(body []byte) (tenant.ResourceServerInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ResourceServerInput{}, err
	}
	if err := o.allow(append([]string{"identifier"}, resourceServerFields...)...); err != nil {
		return tenant.ResourceServerInput{}, err
	}
	identifier, err := o.requiredString("identifier")
	if err != nil {
		return tenant.ResourceServerInput{}, err
	}
	p, err := readResourceServerFields(o)
	if err != nil {
		return tenant.ResourceServerInput{}, err
	}
	return tenant.ResourceServerInput{
		Identifier:         identifier,
		Name:               p.Name,
		Scopes:             p.Scopes,
		SigningAlg:         p.SigningAlg,
		TokenLifetime:      p.TokenLifetime,
		AllowOfflineAccess: p.AllowOfflineAccess,
		EnforcePolicies:    p.EnforcePolicies,
		TokenDialect:       p.TokenDialect,
	}, nil
}

// decodeResourceServerPatch refuses identifier with the other unknown properties: it is immutable.
func decodeResourceServerPatch(body []byte) (tenant.ResourceServerPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ResourceServerPatch{}, err
	}
	if err := o.allow(resourceServerFields...); err != nil {
		return tenant.ResourceServerPatch{}, err
	}
	return readResourceServerFields(o)
}

func readResourceServerFields(o object) (tenant.ResourceServerPatch, error) {
	var p tenant.ResourceServerPatch
	var err error
	if p.Name, err = o.stringField("name"); err != nil {
		return p, err
	}
	if p.Scopes, err = readScopes(o); err != nil {
		return p, err
	}
	if p.SigningAlg, err = o.stringField("signing_alg"); err != nil {
		return p, err
	}
	if p.TokenLifetime, err = o.intField("token_lifetime"); err != nil {
		return p, err
	}
	if p.AllowOfflineAccess, err = o.boolField("allow_offline_access"); err != nil {
		return p, err
	}
	if p.EnforcePolicies, err = o.boolField("enforce_policies"); err != nil {
		return p, err
	}
	if p.TokenDialect, err = o.stringField("token_dialect"); err != nil {
		return p, err
	}
	return p, nil
}

func readScopes(o object) (*[]tenant.Scope, error) {
	items, err := o.objectsField("scopes")
	if items == nil || err != nil {
		return nil, err
	}
	scopes := make([]tenant.Scope, 0, len(*items))
	for _, item := range *items {
		if err := item.allow("value", "description"); err != nil {
			return nil, err
		}
		value, err := item.requiredString("value")
		if err != nil {
			return nil, err
		}
		desc, err := item.stringField("description")
		if err != nil {
			return nil, err
		}
		s := tenant.Scope{Value: value}
		if desc != nil {
			s.Description = *desc
		}
		scopes = append(scopes, s)
	}
	return &scopes, nil
}

func (h *Handler) createResourceServer(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeResourceServerCreate)
	if err != nil {
		return err
	}
	rs, err := h.tenant.CreateResourceServer(r.Context(), in)
	return reply(w, http.StatusCreated, rs, err, resourceServerOut)
}

func (h *Handler) listResourceServers(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.ResourceServers(r.Context(), p)
	return replyList(w, p, "resource_servers", l, err, resourceServerOut)
}

// The {id} of these routes is the API's id or its identifier (ServeMux has already decoded it).

func (h *Handler) getResourceServer(w http.ResponseWriter, r *http.Request) error {
	rs, err := h.tenant.ResourceServer(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, rs, err, resourceServerOut)
}

func (h *Handler) updateResourceServer(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeResourceServerPatch)
	if err != nil {
		return err
	}
	rs, err := h.tenant.UpdateResourceServer(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, rs, err, resourceServerOut)
}

func (h *Handler) deleteResourceServer(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteResourceServer(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
