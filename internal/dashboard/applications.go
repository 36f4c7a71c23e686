package dashboard

import (
	"context"
	"net/http"
	"strings"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

// option is one choice of a select or a group of radio buttons.
type option struct {
	Value, Label string
}

var appTypeOptions = []option{
	{"non_interactive", "Machine to Machine"},
	{"regular_web", "Regular Web Application"},
	{"spa", "Single Page Application"},
	{"native", "Native"},
}

var authMethodOptions = []option{
	{"client_secret_post", "Client secret in the request body (Post)"},
	{"client_secret_basic", "Client secret in HTTP Basic (Basic)"},
	{"none", "None (public client)"},
}

// appTypeLabel is the dashboard's name for an app_type.
func appTypeLabel(t string) string {
	for _, o := range appTypeOptions {
		if o.Value == t {
			return o.Label
		}
	}
	return "Generic"
}

type applicationList struct {
	Applications []tenant.Client
	Pager        pager
}

func (h *Handler) listApplications(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	clients, p, err := offsetList(r, func(p tenant.Page) (tenant.List[tenant.Client], error) {
		return h.tenant.Clients(r.Context(), p)
	})
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "applications", view{Title: "Applications", Section: "applications",
		Data: applicationList{Applications: clients, Pager: p}})
	return nil
}

// applicationForm is the create/edit form of an application, as shown or as submitted.
type applicationForm struct {
	ClientID    string // empty when creating
	Name        string
	Description string
	AppType     string
	AuthMethod  string
	// Method is how the application authenticates (authMethodOf); the form changes it only between
	// token_endpoint_auth_methods, private_key_jwt is set on the Credentials tab.
	Method              string
	HasSecret           bool
	GrantTypes          []string
	DefaultOrganization string // a name or an id, as typed
	Organizations       []tenant.Organization
	AppTypes            []option
	AuthMethods         []option
	AllGrantTypes       []string
}

// applicationFormFields are the fields of the application form, by the tenant property each shows.
var applicationFormFields = []string{"name", "description", "app_type", "token_endpoint_auth_method", "grant_types", "default_organization"}

// withChoices adds what the form's pickers offer; the organization picker offers the first 100 by
// creation and accepts any other name or id typed in.
func (h *Handler) withChoices(ctx context.Context, f applicationForm) (applicationForm, error) {
	f.AppTypes, f.AuthMethods, f.AllGrantTypes = appTypeOptions, authMethodOptions, tenant.GrantTypes
	if f.ClientID == "" {
		return f, nil
	}
	orgs, err := h.tenant.Organizations(ctx, tenant.Page{Checkpoint: true, Limit: 100})
	f.Organizations = orgs.Items
	return f, err
}

func (h *Handler) applicationFormOf(ctx context.Context, c tenant.Client) (applicationForm, error) {
	f := applicationForm{ClientID: c.ClientID, Name: c.Name, Description: c.Description, AppType: c.AppType,
		AuthMethod: c.TokenEndpointAuthMethod, Method: authMethodOf(c), HasSecret: c.SecretHash != nil, GrantTypes: c.GrantTypes}
	if d := c.DefaultOrganization; d != nil {
		f.DefaultOrganization = d.OrganizationID
		if o, err := h.tenant.Organization(ctx, d.OrganizationID); err == nil {
			f.DefaultOrganization = o.Name
		}
	}
	return h.withChoices(ctx, f)
}

func (h *Handler) newApplication(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	f, err := h.withChoices(r.Context(), applicationForm{AppType: "non_interactive"})
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "application_new", view{Title: "New application", Section: "applications", Data: f})
	return nil
}

// secretView shows a new secret, the only time anyone sees it; on a reload, Secret is empty and the
// page says how to get a new one.
type secretView struct {
	Client tenant.Client
	Secret string
	Kind   secretKind
}

func (h *Handler) createApplication(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	f := applicationForm{
		Name:        strings.TrimSpace(r.PostForm.Get("name")),
		Description: strings.TrimSpace(r.PostForm.Get("description")),
		AppType:     r.PostForm.Get("app_type"),
	}
	c, secret, err := h.tenant.CreateClient(r.Context(), tenant.ClientInput{Name: f.Name, Description: &f.Description, AppType: &f.AppType})
	if err == nil && secret == "" { // a public client (spa, native) has no secret to show
		http.Redirect(w, r, "/dashboard/applications/"+c.ClientID, http.StatusSeeOther)
		return nil
	}
	if err == nil {
		return h.giveSecret(w, r, secretCreated, c.ClientID, secret)
	}
	errs, err := fieldErrors(err, applicationFormFields...)
	if err != nil {
		return err
	}
	if f, err = h.withChoices(r.Context(), f); err != nil {
		return err
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "application_new", view{Title: "New application", Section: "applications", Errors: errs, Data: f})
	return nil
}

func (h *Handler) editApplication(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	c, err := h.tenant.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := h.applicationFormOf(r.Context(), c)
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "application", view{Title: c.Name, Section: "applications", Data: f})
	return nil
}

func (h *Handler) updateApplication(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	c, err := h.tenant.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := applicationForm{
		ClientID:            c.ClientID,
		Name:                strings.TrimSpace(r.PostForm.Get("name")),
		Description:         strings.TrimSpace(r.PostForm.Get("description")),
		AppType:             r.PostForm.Get("app_type"),
		AuthMethod:          r.PostForm.Get("token_endpoint_auth_method"),
		Method:              authMethodOf(c),
		HasSecret:           c.SecretHash != nil,
		GrantTypes:          r.PostForm["grant_types"],
		DefaultOrganization: strings.TrimSpace(r.PostForm.Get("default_organization")),
	}
	grantTypes := append([]string{}, f.GrantTypes...)
	patch := tenant.ClientPatch{Name: &f.Name, Description: &f.Description, AppType: &f.AppType, GrantTypes: &grantTypes}
	// A private_key_jwt application's form has no method field: the Credentials tab changes it.
	if _, ok := r.PostForm["token_endpoint_auth_method"]; ok {
		patch.TokenEndpointAuthMethod = &f.AuthMethod
	}
	var errs formErrors
	if f.DefaultOrganization == "" {
		patch.ClearDefaultOrganization = true
	} else if o, err := h.findOrganization(r.Context(), f.DefaultOrganization); err != nil {
		e, ok := tenant.AsError(err)
		if !ok {
			return err
		}
		errs = formErrors{"default_organization": displayMessage(e)}
		if e.Kind == tenant.KindNotFound {
			errs["default_organization"] = "No organization has this name or id: check the spelling, pick one of the suggestions, or leave the field empty."
		}
	} else {
		patch.DefaultOrganization = &tenant.DefaultOrganization{OrganizationID: o.ID, Flows: []string{"client_credentials"}}
	}
	if errs == nil {
		_, err := h.tenant.UpdateClient(r.Context(), c.ClientID, patch)
		if err == nil {
			return redirect(w, r, "/dashboard/applications/"+c.ClientID, "saved")
		}
		if errs, err = fieldErrors(err, applicationFormFields...); err != nil {
			return err
		}
	}
	if f, err = h.withChoices(r.Context(), f); err != nil {
		return err
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "application", view{Title: c.Name, Section: "applications", Errors: errs, Data: f})
	return nil
}

// findOrganization finds an organization by id or, failing that, by name, as typed in a picker.
func (h *Handler) findOrganization(ctx context.Context, idOrName string) (tenant.Organization, error) {
	if strings.HasPrefix(idOrName, "org_") {
		o, err := h.tenant.Organization(ctx, idOrName)
		if e, ok := tenant.AsError(err); !ok || e.Kind != tenant.KindNotFound {
			return o, err
		}
	}
	return h.tenant.OrganizationByName(ctx, strings.ToLower(idOrName))
}

// rotateSecret makes a new secret, shown once by showSecret.
func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	c, secret, err := h.tenant.RotateClientSecret(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.giveSecret(w, r, secretRotated, c.ClientID, secret)
}

// showSecret is the page after creating an application or rotating its secret: the secret the first
// time, and after that a note that it was shown once.
func (h *Handler) showSecret(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	c, err := h.tenant.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := secretView{Client: c}
	v.Kind, v.Secret, _ = h.takeSecret(w, r, c.ClientID)
	h.page(w, r, s, http.StatusOK, "secret", view{Title: c.Name, Section: "applications", Data: v})
	return nil
}

func (h *Handler) confirmDeleteApplication(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	c, err := h.tenant.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	grants, err := h.grantsMatching(r.Context(), tenant.ClientGrantFilter{ClientID: c.ClientID})
	if err != nil {
		return err
	}
	d := deletion{Kind: "application", Name: c.Name, Action: "/dashboard/applications/" + c.ClientID + "/delete",
		Cancel: "/dashboard/applications/" + c.ClientID, Grants: len(grants)}
	if d.Names, err = h.apiNames(r.Context(), grants); err != nil {
		return err
	}
	if d.Association, err = h.associationCount(r.Context(), grants); err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "delete", view{Title: "Delete " + c.Name, Section: "applications", Data: d})
	return nil
}

func (h *Handler) deleteApplication(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	if err := h.tenant.DeleteClient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/dashboard/applications", "deleted")
}

// apiNames names the APIs of the first grants, for a confirmation page.
func (h *Handler) apiNames(ctx context.Context, grants []tenant.ClientGrant) ([]string, error) {
	var names []string
	for _, g := range grants[:min(len(grants), maxNamed)] {
		rs, err := h.tenant.ResourceServer(ctx, g.Audience)
		if err != nil {
			return nil, err
		}
		names = append(names, rs.Name)
	}
	return names, nil
}
