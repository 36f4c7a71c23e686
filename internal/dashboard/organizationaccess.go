package dashboard

import (
	"context"
	"net/http"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

// accessRow is one (application, API) pair that may get tokens for an organization.
type accessRow struct {
	Grant       tenant.ClientGrant
	Application tenant.Client
	API         tenant.ResourceServer
	Associated  bool // through an association with this organization (Remove undoes it)
	// Inactive: the grant's organization support is None, so the association does nothing until it is
	// switched back on.
	Inactive bool
}

type organizationAccess struct {
	Organization tenant.Organization
	Rows         []accessRow
}

// organizationAccess is the Machine to Machine Access tab: the grants associated with the organization,
// then those that reach every organization (allow_any_organization).
func (h *Handler) organizationAccess(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	ctx := r.Context()
	o, err := h.tenant.Organization(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	associated, err := h.tenant.OrganizationClientGrants(ctx, o.ID, tenant.ClientGrantFilter{},
		tenant.Page{Limit: tenant.MaxGrantsPerOrganization})
	if err != nil {
		return err
	}
	anyOrganization := true
	everywhere, err := h.grantsMatching(ctx, tenant.ClientGrantFilter{AllowAnyOrganization: &anyOrganization})
	if err != nil {
		return err
	}
	data := organizationAccess{Organization: o}
	names := newNameCache(h.tenant)
	isAssociated := map[string]bool{}
	for _, g := range associated.Items {
		isAssociated[g.ID] = true
	}
	for i, g := range append(associated.Items, everywhere...) {
		if i >= len(associated.Items) && isAssociated[g.ID] {
			continue // associated and reaching any organization: listed once, with Remove
		}
		row := accessRow{Grant: g, Associated: isAssociated[g.ID], Inactive: !supportsOrganizations(g)}
		if row.Application, row.API, err = names.lookup(ctx, g); err != nil {
			return err
		}
		data.Rows = append(data.Rows, row)
	}
	h.page(w, r, s, http.StatusOK, "organization_access", view{Title: organizationTitle(o) + " · Machine to Machine Access",
		Section: "organizations", Data: data})
	return nil
}

// addAccess is the Add Access form: first an application, then one of its APIs.
type addAccess struct {
	Organization tenant.Organization
	Applications []tenant.Client
	Application  tenant.Client // chosen in the first step
	Choices      []accessChoice
}

// accessChoice is one API of the chosen application, and whether it can be added.
type accessChoice struct {
	Grant  tenant.ClientGrant
	API    tenant.ResourceServer
	Reason string // why it cannot be added; empty when it can
}

func (h *Handler) addAccessPage(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	data, err := h.loadAddAccess(r.Context(), r.PathValue("id"), r.URL.Query().Get("client_id"))
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "organization_access_add", view{Title: "Add access · " + organizationTitle(data.Organization),
		Section: "organizations", Data: data})
	return nil
}

func (h *Handler) loadAddAccess(ctx context.Context, orgID, clientID string) (addAccess, error) {
	o, err := h.tenant.Organization(ctx, orgID)
	if err != nil {
		return addAccess{}, err
	}
	data := addAccess{Organization: o}
	if data.Applications, err = h.allApplications(ctx); err != nil {
		return data, err
	}
	if clientID == "" {
		return data, nil
	}
	if data.Application, err = h.tenant.Client(ctx, clientID); err != nil {
		return data, err
	}
	grants, err := h.grantsMatching(ctx, tenant.ClientGrantFilter{ClientID: clientID})
	if err != nil {
		return data, err
	}
	associated, err := h.tenant.OrganizationClientGrants(ctx, o.ID, tenant.ClientGrantFilter{ClientID: clientID},
		tenant.Page{Limit: tenant.MaxGrantsPerOrganization})
	if err != nil {
		return data, err
	}
	has := map[string]bool{}
	for _, g := range associated.Items {
		has[g.ID] = true
	}
	for _, g := range grants {
		api, err := h.tenant.ResourceServer(ctx, g.Audience)
		if err != nil {
			return data, err
		}
		c := accessChoice{Grant: g, API: api}
		switch {
		case has[g.ID]:
			c.Reason = "Already has access to this organization: remove it on the Machine to Machine Access tab to add it again."
		case api.IsSystem:
			c.Reason = "The Management API is never called on behalf of an organization: tokens for it carry none, so there is no access to add here."
		case !supportsOrganizations(g):
			c.Reason = "Organization support is None: set it to Optional or Required on the application's APIs tab first."
		}
		data.Choices = append(data.Choices, c)
	}
	return data, nil
}

// addAccess associates the chosen grant with the organization. Once the organization is known to
// exist, any refusal (no grant chosen, organization support None, the limit) concerns the choice.
func (h *Handler) addAccess(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	o, err := h.tenant.Organization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	_, err = h.tenant.AddOrganizationClientGrant(r.Context(), o.ID, r.PostForm.Get("grant_id"))
	if err == nil {
		return redirect(w, r, "/dashboard/organizations/"+o.ID+"/access", "access-added")
	}
	e, ok := tenant.AsError(err)
	if !ok {
		return err
	}
	data, err := h.loadAddAccess(r.Context(), o.ID, r.PostForm.Get("client_id"))
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "organization_access_add", view{Title: "Add access · " + organizationTitle(data.Organization),
		Section: "organizations", Errors: formErrors{"grant_id": displayMessage(e)}, Data: data})
	return nil
}

func (h *Handler) removeAccess(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	orgID := r.PathValue("id")
	if err := h.tenant.RemoveOrganizationClientGrant(r.Context(), orgID, r.PathValue("grant")); err != nil {
		return err
	}
	return redirect(w, r, "/dashboard/organizations/"+orgID+"/access", "access-remove")
}

// nameCache looks up each application and API once per page.
type nameCache struct {
	tenant  Tenant
	clients map[string]tenant.Client
	apis    map[string]tenant.ResourceServer
}

func newNameCache(t Tenant) *nameCache {
	return &nameCache{tenant: t, clients: map[string]tenant.Client{}, apis: map[string]tenant.ResourceServer{}}
}

func (n *nameCache) lookup(ctx context.Context, g tenant.ClientGrant) (tenant.Client, tenant.ResourceServer, error) {
	c, ok := n.clients[g.ClientID]
	if !ok {
		var err error
		if c, err = n.tenant.Client(ctx, g.ClientID); err != nil {
			return c, tenant.ResourceServer{}, err
		}
		n.clients[g.ClientID] = c
	}
	api, ok := n.apis[g.Audience]
	if !ok {
		var err error
		if api, err = n.tenant.ResourceServer(ctx, g.Audience); err != nil {
			return c, api, err
		}
		n.apis[g.Audience] = api
	}
	return c, api, nil
}
