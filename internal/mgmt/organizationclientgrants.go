package mgmt

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/orgauth/orgauth/internal/tenant"
)

// maxGrantIDsFilter bounds the repeatable grant_ids filter, as Auth0 does.
const maxGrantIDsFilter = 10

// organizationClientGrantJSON is a client grant associated with an organization. It carries the grant's
// id as both id and grant_id: Auth0's published spec names one, its live service the other (docs/compatibility.md#organization-client-grants).
type organizationClientGrantJSON struct {
	ID                   string   `json:"id"`
	GrantID              string   `json:"grant_id"`
	ClientID             string   `json:"client_id"`
	Audience             string   `json:"audience"`
	Scope                []string `json:"scope"`
	OrganizationUsage    string   `json:"organization_usage,omitempty"`
	AllowAnyOrganization bool     `json:"allow_any_organization"`
}

func organizationClientGrantOut(g tenant.ClientGrant) organizationClientGrantJSON {
	return organizationClientGrantJSON{
		ID:                   g.ID,
		GrantID:              g.ID,
		ClientID:             g.ClientID,
		Audience:             g.Audience,
		Scope:                nonNil(g.Scope),
		OrganizationUsage:    g.OrganizationUsage,
		AllowAnyOrganization: g.AllowAnyOrganization,
	}
}

// decodeOrganizationClientGrantCreate decodes {"grant_id": "cgr_…"} and returns the grant id.
func decodeOrganizationClientGrantCreate(body []byte) (string, error) {
	o, err := parseBody(body)
	if err != nil {
		return "", err
	}
	if err := o.allow("grant_id"); err != nil {
		return "", err
	}
	return o.requiredString("grant_id")
}

// organizationClientGrantFilter reads the filters of GET /organizations/{id}/client-grants; grant_ids
// is repeatable (grant_ids=a&grant_ids=b, as the SDKs send it).
func organizationClientGrantFilter(q url.Values) (tenant.ClientGrantFilter, error) {
	audience, err := audienceFilter(q)
	if err != nil {
		return tenant.ClientGrantFilter{}, err
	}
	var ids []string
	for _, id := range q["grant_ids"] {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxGrantIDsFilter {
		return tenant.ClientGrantFilter{}, queryError("grant_ids",
			fmt.Sprintf("Array is too long (%d), maximum %d", len(ids), maxGrantIDsFilter))
	}
	return tenant.ClientGrantFilter{Audience: audience, ClientID: q.Get("client_id"), GrantIDs: ids}, nil
}

func (h *Handler) addOrganizationClientGrant(w http.ResponseWriter, r *http.Request) error {
	grantID, err := decodeRequest(w, r, decodeOrganizationClientGrantCreate)
	if err != nil {
		return err
	}
	g, err := h.tenant.AddOrganizationClientGrant(r.Context(), r.PathValue("id"), grantID)
	return reply(w, http.StatusCreated, g, err, organizationClientGrantOut)
}

// listOrganizationClientGrants serves GET /organizations/{id}/client-grants (routed by
// organizationSubresource). Auth0 offers offset paging only here.
func (h *Handler) listOrganizationClientGrants(w http.ResponseWriter, r *http.Request) error {
	q, p, err := parseListQuery(r, offsetPaging)
	if err != nil {
		return err
	}
	f, err := organizationClientGrantFilter(q)
	if err != nil {
		return err
	}
	l, err := h.tenant.OrganizationClientGrants(r.Context(), r.PathValue("id"), f, p)
	return replyList(w, p, "client_grants", l, err, organizationClientGrantOut)
}

func (h *Handler) removeOrganizationClientGrant(w http.ResponseWriter, r *http.Request) error {
	if err := h.tenant.RemoveOrganizationClientGrant(r.Context(), r.PathValue("id"), r.PathValue("grant_id")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
