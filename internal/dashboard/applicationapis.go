package dashboard

import (
	"net/http"
	"slices"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

// usageOptions name a grant's organization_usage values as the dashboard shows them.
var usageOptions = []option{
	{tenant.UsageDeny, "None"},
	{tenant.UsageAllow, "Optional"},
	{tenant.UsageRequire, "Required"},
}

// applicationAPI is one row of an application's APIs tab: an API and, when the application is
// authorized for it, the grant's settings (as stored, or as just submitted when the save was refused).
type applicationAPI struct {
	API          tenant.ResourceServer
	Authorized   bool
	GrantID      string
	Scope        []string
	Usage        string // deny, allow or require; unset shows as deny
	AllowAny     bool
	Associations count // organizations the grant is associated with, for the revoke confirmation
	Errors       formErrors
}

type applicationAPIs struct {
	Client  tenant.Client
	Rows    []applicationAPI
	Usages  []option
	OwnAPIs bool // an API other than the Management API exists
}

func (h *Handler) applicationAPIs(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	data, err := h.loadApplicationAPIs(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "application_apis", view{Title: data.Client.Name + " · APIs", Section: "applications", Data: data})
	return nil
}

// loadApplicationAPIs lists every API with the application's grant for it, if any.
func (h *Handler) loadApplicationAPIs(r *http.Request, clientID string) (applicationAPIs, error) {
	ctx := r.Context()
	c, err := h.tenant.Client(ctx, clientID)
	if err != nil {
		return applicationAPIs{}, err
	}
	apis, err := h.allAPIs(ctx)
	if err != nil {
		return applicationAPIs{}, err
	}
	grants, err := h.grantsMatching(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID})
	if err != nil {
		return applicationAPIs{}, err
	}
	byAudience := make(map[string]tenant.ClientGrant, len(grants))
	for _, g := range grants {
		byAudience[g.Audience] = g
	}
	// The Management API goes last: it is rarely what an application is being set up for.
	slices.SortStableFunc(apis, func(a, b tenant.ResourceServer) int { return cmpBool(a.IsSystem, b.IsSystem) })
	data := applicationAPIs{Client: c, Usages: usageOptions}
	for _, api := range apis {
		data.OwnAPIs = data.OwnAPIs || !api.IsSystem
		row := applicationAPI{API: api, Usage: tenant.UsageDeny}
		if g, ok := byAudience[api.Identifier]; ok {
			row.Authorized, row.GrantID, row.Scope, row.AllowAny = true, g.ID, g.Scope, g.AllowAnyOrganization
			if g.OrganizationUsage != "" {
				row.Usage = g.OrganizationUsage
			}
			if row.Associations, err = h.associationCount(ctx, []tenant.ClientGrant{g}); err != nil {
				return applicationAPIs{}, err
			}
		}
		data.Rows = append(data.Rows, row)
	}
	return data, nil
}

// updateApplicationAPI applies one row of the APIs tab: the toggle creates or deletes the client grant,
// the other fields set its scopes and organization settings.
func (h *Handler) updateApplicationAPI(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	ctx := r.Context()
	c, err := h.tenant.Client(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	api, err := h.tenant.ResourceServer(ctx, r.PathValue("api"))
	if err != nil {
		return err
	}
	existing, err := h.tenant.ClientGrants(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID, Audience: api.Identifier},
		tenant.Page{Checkpoint: true, Limit: 1})
	if err != nil {
		return err
	}
	submitted := applicationAPI{
		API:        api,
		Authorized: r.PostForm.Get("authorized") != "",
		Scope:      append([]string{}, r.PostForm["scope"]...),
		Usage:      r.PostForm.Get("organization_usage"),
		AllowAny:   r.PostForm.Get("allow_any_organization") != "",
	}
	switch {
	case submitted.Authorized && len(existing.Items) == 0:
		_, err = h.tenant.CreateClientGrant(ctx, tenant.ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier,
			Scope: submitted.Scope, OrganizationUsage: &submitted.Usage, AllowAnyOrganization: &submitted.AllowAny})
	case submitted.Authorized:
		g := existing.Items[0]
		patch := tenant.ClientGrantPatch{Scope: &submitted.Scope, AllowAnyOrganization: &submitted.AllowAny}
		// An unset usage shows as None; saving None leaves it unset rather than writing deny.
		if !(g.OrganizationUsage == "" && submitted.Usage == tenant.UsageDeny) {
			patch.OrganizationUsage = &submitted.Usage
		}
		_, err = h.tenant.UpdateClientGrant(ctx, g.ID, patch)
	case len(existing.Items) > 0:
		err = h.tenant.DeleteClientGrant(ctx, existing.Items[0].ID)
	}
	if err == nil {
		http.Redirect(w, r, "/dashboard/applications/"+c.ClientID+"/apis?notice=saved#api-"+api.ID, http.StatusSeeOther)
		return nil
	}
	errs, err := fieldErrors(err, "scope", "organization_usage", "allow_any_organization")
	if err != nil {
		return err
	}
	data, err := h.loadApplicationAPIs(r, c.ClientID)
	if err != nil {
		return err
	}
	for i, row := range data.Rows {
		if row.API.ID == api.ID {
			submitted.GrantID, submitted.Associations, submitted.Errors = row.GrantID, row.Associations, errs
			data.Rows[i] = submitted
		}
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "application_apis", view{Title: c.Name + " · APIs", Section: "applications", Data: data})
	return nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
