package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

type organizationList struct {
	Organizations []tenant.Organization
	Query         string
	NoMatch       bool
	First         string // link to the first page, when not on it
	Next          string
}

// listOrganizations pages through the organizations by checkpoint (from/take), which costs the same on
// the thousandth page as on the first: nothing counts or skips the table. The search box finds the
// organizations whose name starts with what was typed, or the one with that org_ id.
func (h *Handler) listOrganizations(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	ctx := r.Context()
	query := strings.TrimSpace(r.URL.Query().Get("q"))
	from := r.URL.Query().Get("from")
	data := organizationList{Query: query}
	if strings.HasPrefix(query, "org_") && from == "" {
		o, err := h.tenant.Organization(ctx, query)
		if e, ok := tenant.AsError(err); err != nil && (!ok || e.Kind != tenant.KindNotFound) {
			return err
		} else if err == nil {
			data.Organizations = []tenant.Organization{o}
		}
	}
	if data.Organizations == nil {
		l, err := h.tenant.SearchOrganizations(ctx, query, tenant.Page{Checkpoint: true, From: from, Limit: listPageSize})
		if err != nil {
			return err
		}
		data.Organizations, data.NoMatch = l.Items, query != "" && len(l.Items) == 0
		params := url.Values{}
		if query != "" {
			params.Set("q", query)
		}
		if from != "" {
			data.First = r.URL.Path + "?" + params.Encode()
		}
		if l.Next != "" {
			params.Set("from", l.Next)
			data.Next = r.URL.Path + "?" + params.Encode()
		}
	}
	h.page(w, r, s, http.StatusOK, "organizations", view{Title: "Organizations", Section: "organizations", Data: data})
	return nil
}

// organizationChoice is one suggestion of the organization pickers.
type organizationChoice struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
}

// searchOrganizations suggests up to 20 organizations whose name starts with q, for the pickers that
// must stay usable with 100,000 organizations.
func (h *Handler) searchOrganizations(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	l, err := h.tenant.SearchOrganizations(r.Context(), strings.TrimSpace(r.URL.Query().Get("q")), tenant.Page{Checkpoint: true, Limit: 20})
	if err != nil {
		return err
	}
	out := make([]organizationChoice, len(l.Items))
	for i, o := range l.Items {
		out[i] = organizationChoice{ID: o.ID, Name: o.Name, DisplayName: o.DisplayName}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}

// organizationForm is the create/edit form of an organization, as shown or as submitted.
type organizationForm struct {
	ID             string // empty when creating
	Name           string
	DisplayName    string
	LogoURL        string
	Primary        string
	PageBackground string
	Metadata       []metadataRow
}

type metadataRow struct{ Key, Value string }

// blankMetadataRows are the empty rows under the metadata, for adding keys without script.
const blankMetadataRows = 2

func (f organizationForm) withBlankRows() organizationForm {
	f.Metadata = append(f.Metadata[:len(f.Metadata):len(f.Metadata)], make([]metadataRow, blankMetadataRows)...)
	return f
}

// organizationFormFields are the fields of the organization form, by the tenant property each shows.
var organizationFormFields = []string{"name", "display_name", "branding.logo_url", "branding.colors.primary",
	"branding.colors.page_background", "branding", "metadata"}

func organizationFormOf(o tenant.Organization) organizationForm {
	f := organizationForm{ID: o.ID, Name: o.Name, DisplayName: o.DisplayName}
	if b := o.Branding; b != nil {
		f.LogoURL = b.LogoURL
		if c := b.Colors; c != nil {
			f.Primary, f.PageBackground = c.Primary, c.PageBackground
		}
	}
	for k, v := range o.Metadata {
		f.Metadata = append(f.Metadata, metadataRow{k, v})
	}
	slices.SortFunc(f.Metadata, func(a, b metadataRow) int { return strings.Compare(a.Key, b.Key) })
	return f
}

// readOrganizationForm reads a submitted organization form; metadata comes as parallel meta_key and
// meta_value lists whose blank rows are the spare ones.
func readOrganizationForm(r *http.Request) (organizationForm, formErrors) {
	f := organizationForm{
		Name:           strings.TrimSpace(r.PostForm.Get("name")),
		DisplayName:    strings.TrimSpace(r.PostForm.Get("display_name")),
		LogoURL:        strings.TrimSpace(r.PostForm.Get("logo_url")),
		Primary:        strings.TrimSpace(r.PostForm.Get("primary")),
		PageBackground: strings.TrimSpace(r.PostForm.Get("page_background")),
	}
	keys, values := r.PostForm["meta_key"], r.PostForm["meta_value"]
	seen := map[string]bool{}
	var errs formErrors
	for i, k := range keys {
		var v string
		if i < len(values) {
			v = values[i]
		}
		if k = strings.TrimSpace(k); k == "" && v == "" {
			continue
		}
		if seen[k] && errs == nil {
			errs = formErrors{"metadata": fmt.Sprintf("The key %q appears twice: empty one of its rows.", k)}
		}
		seen[k] = true
		f.Metadata = append(f.Metadata, metadataRow{k, v})
	}
	return f, errs
}

// branding is the form's branding; nil when every branding field is empty. Colors go together: one
// without the other is sent as is, for tenant to refuse.
func (f organizationForm) branding() *tenant.Branding {
	if f.LogoURL == "" && f.Primary == "" && f.PageBackground == "" {
		return nil
	}
	b := &tenant.Branding{LogoURL: f.LogoURL}
	if f.Primary != "" || f.PageBackground != "" {
		b.Colors = &tenant.BrandingColors{Primary: f.Primary, PageBackground: f.PageBackground}
	}
	return b
}

func (f organizationForm) metadata() map[string]string {
	m := make(map[string]string, len(f.Metadata))
	for _, row := range f.Metadata {
		m[row.Key] = row.Value
	}
	return m
}

func (h *Handler) newOrganization(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	h.page(w, r, s, http.StatusOK, "organization_new", view{Title: "New organization", Section: "organizations", Data: organizationForm{}})
	return nil
}

func (h *Handler) createOrganization(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	f, _ := readOrganizationForm(r)
	in := tenant.OrganizationInput{Name: f.Name}
	if f.DisplayName != "" {
		in.DisplayName = &f.DisplayName
	}
	o, err := h.tenant.CreateOrganization(r.Context(), in)
	if err == nil {
		return redirect(w, r, "/dashboard/organizations/"+o.ID, "organization-created")
	}
	errs, err := fieldErrors(err, organizationFormFields...)
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "organization_new", view{Title: "New organization", Section: "organizations", Errors: errs, Data: f})
	return nil
}

func (h *Handler) editOrganization(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	o, err := h.tenant.Organization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "organization", view{Title: organizationTitle(o), Section: "organizations",
		Data: organizationFormOf(o).withBlankRows()})
	return nil
}

func (h *Handler) updateOrganization(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	o, err := h.tenant.Organization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f, errs := readOrganizationForm(r)
	f.ID = o.ID
	if errs == nil {
		patch := tenant.OrganizationPatch{Name: &f.Name, Branding: f.branding(), Metadata: f.metadata()}
		patch.ClearBranding = patch.Branding == nil
		// An empty display name is sent only to clear one, for tenant to judge; none stays none.
		if f.DisplayName != "" || o.DisplayName != "" {
			patch.DisplayName = &f.DisplayName
		}
		_, err := h.tenant.UpdateOrganization(r.Context(), o.ID, patch)
		if err == nil {
			return redirect(w, r, "/dashboard/organizations/"+o.ID, "saved")
		}
		if errs, err = fieldErrors(err, organizationFormFields...); err != nil {
			return err
		}
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "organization", view{Title: organizationTitle(o), Section: "organizations",
		Errors: errs, Data: f.withBlankRows()})
	return nil
}

func (h *Handler) confirmDeleteOrganization(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	o, err := h.tenant.Organization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	grants, err := h.tenant.OrganizationClientGrants(r.Context(), o.ID, tenant.ClientGrantFilter{},
		tenant.Page{Limit: tenant.MaxGrantsPerOrganization})
	if err != nil {
		return err
	}
	d := deletion{Kind: "organization", Name: organizationTitle(o), Action: "/dashboard/organizations/" + o.ID + "/delete",
		Cancel: "/dashboard/organizations/" + o.ID, Association: count{N: len(grants.Items)}}
	h.page(w, r, s, http.StatusOK, "delete", view{Title: "Delete " + organizationTitle(o), Section: "organizations", Data: d})
	return nil
}

func (h *Handler) deleteOrganization(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	if err := h.tenant.DeleteOrganization(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/dashboard/organizations", "deleted")
}

// organizationTitle is the name people know an organization by.
func organizationTitle(o tenant.Organization) string {
	if o.DisplayName != "" {
		return o.DisplayName
	}
	return o.Name
}
