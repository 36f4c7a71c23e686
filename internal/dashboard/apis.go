package dashboard

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

type apiList struct {
	APIs  []tenant.ResourceServer
	Pager pager
}

func (h *Handler) listAPIs(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	apis, p, err := offsetList(r, func(p tenant.Page) (tenant.List[tenant.ResourceServer], error) {
		return h.tenant.ResourceServers(r.Context(), p)
	})
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "apis", view{Title: "APIs", Section: "apis", Data: apiList{APIs: apis, Pager: p}})
	return nil
}

// apiForm is the create/edit form of an API, as shown or as submitted.
type apiForm struct {
	ID            string // empty when creating
	Identifier    string
	Name          string
	SigningAlg    string
	TokenLifetime string
	Scopes        []tenant.Scope
	IsSystem      bool
	SigningAlgs   []string
}

// blankScopeRows are the empty scope rows under the defined ones, for adding scopes without script.
const blankScopeRows = 3

func (f apiForm) withBlankRows() apiForm {
	f.SigningAlgs = tenant.SigningAlgs
	f.Scopes = append(f.Scopes[:len(f.Scopes):len(f.Scopes)], make([]tenant.Scope, blankScopeRows)...)
	return f
}

func apiFormOf(rs tenant.ResourceServer) apiForm {
	return apiForm{
		ID: rs.ID, Identifier: rs.Identifier, Name: rs.Name, SigningAlg: rs.SigningAlg,
		TokenLifetime: strconv.Itoa(rs.TokenLifetime), Scopes: rs.Scopes, IsSystem: rs.IsSystem,
	}
}

// apiFormFields are the fields of the API form, by the tenant property each shows.
var apiFormFields = []string{"identifier", "name", "signing_alg", "token_lifetime", "scopes"}

// readAPIForm reads a submitted API form. Scope rows come as parallel scope_value/scope_description
// lists; fully blank rows are the spare ones and are skipped.
func readAPIForm(r *http.Request) (apiForm, formErrors) {
	f := apiForm{
		Identifier:    strings.TrimSpace(r.PostForm.Get("identifier")),
		Name:          strings.TrimSpace(r.PostForm.Get("name")),
		SigningAlg:    r.PostForm.Get("signing_alg"),
		TokenLifetime: strings.TrimSpace(r.PostForm.Get("token_lifetime")),
	}
	values, descriptions := r.PostForm["scope_value"], r.PostForm["scope_description"]
	for i, v := range values {
		var d string
		if i < len(descriptions) {
			d = strings.TrimSpace(descriptions[i])
		}
		if v = strings.TrimSpace(v); v != "" || d != "" {
			f.Scopes = append(f.Scopes, tenant.Scope{Value: v, Description: d})
		}
	}
	if _, err := strconv.Atoi(f.TokenLifetime); err != nil {
		return f, formErrors{"token_lifetime": "Enter a whole number of seconds."}
	}
	return f, nil
}

func (h *Handler) newAPI(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	f := apiForm{SigningAlg: tenant.DefaultSigningAlg, TokenLifetime: strconv.Itoa(tenant.DefaultTokenLifetime)}
	h.page(w, r, s, http.StatusOK, "api", view{Title: "New API", Section: "apis", Data: f.withBlankRows()})
	return nil
}

func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	f, errs := readAPIForm(r)
	if errs == nil {
		lifetime, _ := strconv.Atoi(f.TokenLifetime)
		scopes := f.Scopes
		rs, err := h.tenant.CreateResourceServer(r.Context(), tenant.ResourceServerInput{
			Identifier: f.Identifier, Name: &f.Name, Scopes: &scopes, SigningAlg: &f.SigningAlg, TokenLifetime: &lifetime,
		})
		if err == nil {
			return redirect(w, r, "/dashboard/apis/"+rs.ID, "api-created")
		}
		if errs, err = fieldErrors(err, apiFormFields...); err != nil {
			return err
		}
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "api", view{Title: "New API", Section: "apis", Errors: errs, Data: f.withBlankRows()})
	return nil
}

func (h *Handler) editAPI(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	rs, err := h.tenant.ResourceServer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "api", view{Title: rs.Name, Section: "apis", Data: apiFormOf(rs).withBlankRows()})
	return nil
}

func (h *Handler) updateAPI(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	rs, err := h.tenant.ResourceServer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f, errs := readAPIForm(r)
	f.ID, f.Identifier, f.IsSystem = rs.ID, rs.Identifier, rs.IsSystem
	if errs == nil {
		lifetime, _ := strconv.Atoi(f.TokenLifetime)
		scopes := f.Scopes
		_, err := h.tenant.UpdateResourceServer(r.Context(), rs.ID, tenant.ResourceServerPatch{
			Name: &f.Name, Scopes: &scopes, SigningAlg: &f.SigningAlg, TokenLifetime: &lifetime,
		})
		if err == nil {
			return redirect(w, r, "/dashboard/apis/"+rs.ID, "saved")
		}
		if errs, err = fieldErrors(err, apiFormFields...); err != nil {
			return err
		}
	}
	h.page(w, r, s, http.StatusUnprocessableEntity, "api", view{Title: rs.Name, Section: "apis", Errors: errs, Data: f.withBlankRows()})
	return nil
}

// deletion is a confirmation page: what goes with the entity, and where the form posts.
type deletion struct {
	Kind        string // "API", "application", "organization"
	Name        string
	Action      string
	Cancel      string
	Grants      int      // client grants deleted with it
	Names       []string // the applications (or APIs) of the first grants
	Association count    // organization associations deleted with it
}

func (h *Handler) confirmDeleteAPI(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	rs, err := h.tenant.ResourceServer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	grants, err := h.grantsMatching(r.Context(), tenant.ClientGrantFilter{Audience: rs.Identifier})
	if err != nil {
		return err
	}
	d := deletion{Kind: "API", Name: rs.Name, Action: "/dashboard/apis/" + rs.ID + "/delete", Cancel: "/dashboard/apis/" + rs.ID,
		Grants: len(grants)}
	if d.Names, err = h.applicationNames(r.Context(), grants); err != nil {
		return err
	}
	if d.Association, err = h.associationCount(r.Context(), grants); err != nil {
		return err
	}
	h.page(w, r, s, http.StatusOK, "delete", view{Title: "Delete " + rs.Name, Section: "apis", Data: d})
	return nil
}

func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request, _ admins.Session) error {
	if err := h.tenant.DeleteResourceServer(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return redirect(w, r, "/dashboard/apis", "deleted")
}

// maxNamed is how many names a confirmation page lists before "and N more".
const maxNamed = 10

// applicationNames names the applications of the first grants, for a confirmation page.
func (h *Handler) applicationNames(ctx context.Context, grants []tenant.ClientGrant) ([]string, error) {
	var names []string
	for _, g := range grants[:min(len(grants), maxNamed)] {
		c, err := h.tenant.Client(ctx, g.ClientID)
		if err != nil {
			return nil, err
		}
		names = append(names, c.Name)
	}
	return names, nil
}
