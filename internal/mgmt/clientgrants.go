package mgmt

import (
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/orgauth/orgauth/internal/tenant"
)

// maxAudienceFilter bounds the audience query filter: no API identifier is longer (docs/compatibility.md#identifiers-and-formats).
const maxAudienceFilter = 600

// clientGrantJSON is a client grant as Auth0 shows it; an unset organization_usage (which behaves as
// deny) is left out, as Auth0 does.
type clientGrantJSON struct {
	ID                   string   `json:"id"`
	ClientID             string   `json:"client_id"`
	Audience             string   `json:"audience"`
	Scope                []string `json:"scope"`
	OrganizationUsage    string   `json:"organization_usage,omitempty"`
	AllowAnyOrganization bool     `json:"allow_any_organization"`
	SubjectType          string   `json:"subject_type,omitempty"`
}

func clientGrantOut(g tenant.ClientGrant) clientGrantJSON {
	return clientGrantJSON{
		ID:                   g.ID,
		ClientID:             g.ClientID,
		Audience:             g.Audience,
		Scope:                nonNil(g.Scope),
		OrganizationUsage:    g.OrganizationUsage,
		AllowAnyOrganization: g.AllowAnyOrganization,
		SubjectType:          g.SubjectType,
	}
}

// A null scope, organization_usage or allow_any_organization means that field's default: no scopes,
// unset usage (which behaves as deny), false.

func decodeClientGrantCreate(body []byte) (tenant.ClientGrantInput, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ClientGrantInput{}, err
	}
	if err := o.allow("client_id", "audience", "scope", "organization_usage", "allow_any_organization", "subject_type"); err != nil {
		return tenant.ClientGrantInput{}, err
	}
	var in tenant.ClientGrantInput
	if in.ClientID, err = o.requiredString("client_id"); err != nil {
		return in, err
	}
	if in.Audience, err = o.requiredString("audience"); err != nil {
		return in, err
	}
	scope, err := nullableScope(o)
	if err != nil {
		return in, err
	}
	if scope == nil {
		return in, o.missing("scope")
	}
	in.Scope = *scope
	if !o.null("organization_usage") {
		if in.OrganizationUsage, err = o.stringField("organization_usage"); err != nil {
			return in, err
		}
	}
	if !o.null("allow_any_organization") {
		if in.AllowAnyOrganization, err = o.boolField("allow_any_organization"); err != nil {
			return in, err
		}
	}
	if in.SubjectType, err = o.stringField("subject_type"); err != nil {
		return in, err
	}
	return in, nil
}

// decodeClientGrantPatch accepts only the three properties that may change; client_id and audience are
// refused as additional properties.
func decodeClientGrantPatch(body []byte) (tenant.ClientGrantPatch, error) {
	o, err := parseBody(body)
	if err != nil {
		return tenant.ClientGrantPatch{}, err
	}
	if err := o.allow("scope", "organization_usage", "allow_any_organization"); err != nil {
		return tenant.ClientGrantPatch{}, err
	}
	var p tenant.ClientGrantPatch
	if p.Scope, err = nullableScope(o); err != nil {
		return p, err
	}
	if o.null("organization_usage") {
		unset := ""
		p.OrganizationUsage = &unset
	} else if p.OrganizationUsage, err = o.stringField("organization_usage"); err != nil {
		return p, err
	}
	if o.null("allow_any_organization") {
		off := false
		p.AllowAnyOrganization = &off
	} else if p.AllowAnyOrganization, err = o.boolField("allow_any_organization"); err != nil {
		return p, err
	}
	return p, nil
}

func nullableScope(o object) (*[]string, error) {
	if o.null("scope") {
		return &[]string{}, nil
	}
	return o.stringsField("scope")
}

// clientGrantFilter reads the list filters of GET /client-grants.
func clientGrantFilter(q url.Values) (tenant.ClientGrantFilter, error) {
	audience, err := audienceFilter(q)
	if err != nil {
		return tenant.ClientGrantFilter{}, err
	}
	anyOrg, err := boolParam(q, "allow_any_organization")
	if err != nil {
		return tenant.ClientGrantFilter{}, err
	}
	return tenant.ClientGrantFilter{Audience: audience, ClientID: q.Get("client_id"), AllowAnyOrganization: anyOrg}, nil
}

func audienceFilter(q url.Values) (string, error) {
	audience := q.Get("audience")
	if n := utf8.RuneCountInString(audience); n > maxAudienceFilter {
		return "", queryError("audience", fmt.Sprintf("String is too long (%d chars), maximum %d", n, maxAudienceFilter))
	}
	return audience, nil
}

func (h *Handler) createClientGrant(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeClientGrantCreate)
	if err != nil {
		return err
	}
	g, err := h.tenant.CreateClientGrant(r.Context(), in)
	return reply(w, http.StatusCreated, g, err, clientGrantOut)
}

func (h *Handler) listClientGrants(w http.ResponseWriter, r *http.Request) error {
	q, p, err := parseListQuery(r, checkpointPaging)
	if err != nil {
		return err
	}
	f, err := clientGrantFilter(q)
	if err != nil {
		return err
	}
	l, err := h.tenant.ClientGrants(r.Context(), f, p)
	return replyList(w, p, "client_grants", l, err, clientGrantOut)
}

func (h *Handler) getClientGrant(w http.ResponseWriter, r *http.Request) error {
	g, err := h.tenant.ClientGrant(r.Context(), r.PathValue("id"))
	return reply(w, http.StatusOK, g, err, clientGrantOut)
}

func (h *Handler) updateClientGrant(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeRequest(w, r, decodeClientGrantPatch)
	if err != nil {
		return err
	}
	g, err := h.tenant.UpdateClientGrant(r.Context(), r.PathValue("id"), in)
	return reply(w, http.StatusOK, g, err, clientGrantOut)
}

func (h *Handler) deleteClientGrant(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.DeleteClientGrant(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func (h *Handler) listClientGrantOrganizations(w http.ResponseWriter, r *http.Request) error {
	_, p, err := parseListQuery(r, checkpointPaging)
	if err != nil {
		return err
	}
	l, err := h.tenant.ClientGrantOrganizations(r.Context(), r.PathValue("id"), p)
	return replyList(w, p, "organizations", l, err, organizationOut)
}
