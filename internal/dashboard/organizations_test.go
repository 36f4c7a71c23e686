package dashboard

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

func TestOrganizationList(t *testing.T) {
	h := newHarness(t).signIn()
	for i := range 2*listPageSize + 5 {
		if _, err := h.tenant.CreateOrganization(t.Context(), tenant.OrganizationInput{Name: fmt.Sprintf("org-%03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	rows := regexp.MustCompile(`<td>(org-\d{3})</td>`)
	next := regexp.MustCompile(`href="(/dashboard/organizations\?from=[^"]+)" rel="next"`)

	var seen []string
	path := "/dashboard/organizations"
	for pageNo := 0; path != ""; pageNo++ {
		p := h.get(html.UnescapeString(path))
		wantStatus(t, p, http.StatusOK)
		for _, m := range rows.FindAllStringSubmatch(p.body, -1) {
			seen = append(seen, m[1])
		}
		if pageNo > 0 {
			wantBody(t, p, "← First page")
		}
		path = ""
		if m := next.FindStringSubmatch(p.body); m != nil {
			path = m[1]
		}
	}
	t.Run("the pages follow each other by checkpoint and cover every organization once", func(t *testing.T) {
		if len(seen) != 2*listPageSize+5 || seen[0] != "org-000" || seen[len(seen)-1] != fmt.Sprintf("org-%03d", 2*listPageSize+4) {
			t.Fatalf("%d rows: %v … %v", len(seen), seen[:2], seen[len(seen)-2:])
		}
	})
	t.Run("search finds an organization by its whole name or id", func(t *testing.T) {
		o, _ := h.tenant.OrganizationByName(t.Context(), "org-042")
		for _, q := range []string{"org-042", "ORG-042", o.ID} {
			p := h.get("/dashboard/organizations?q=" + url.QueryEscape(q))
			if got := rows.FindAllStringSubmatch(p.body, -1); len(got) != 1 || got[0][1] != "org-042" {
				t.Errorf("q=%s found %v", q, got)
			}
		}
	})
	t.Run("search by a name's beginning pages through the matches", func(t *testing.T) {
		// org-000 … org-104: "org-0" matches org-000 to org-099, more than one page.
		p := h.get("/dashboard/organizations?q=org-0")
		got := rows.FindAllStringSubmatch(p.body, -1)
		if len(got) != listPageSize || got[0][1] != "org-000" {
			t.Fatalf("first page of q=org-0: %d rows from %v", len(got), got[0])
		}
		m := regexp.MustCompile(`href="(/dashboard/organizations\?from=[^"]+&amp;q=org-0)" rel="next"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no next page that keeps the search")
		}
		got = rows.FindAllStringSubmatch(h.get(html.UnescapeString(m[1])).body, -1)
		if len(got) != 100-listPageSize || got[len(got)-1][1] != "org-099" {
			t.Fatalf("second page of q=org-0: %d rows to %v", len(got), got[len(got)-1])
		}
	})
	t.Run("the pickers' suggestions come from the same search", func(t *testing.T) {
		p := h.get("/dashboard/organizations/search?q=ORG-10")
		var choices []organizationChoice
		if err := json.Unmarshal([]byte(p.body), &choices); err != nil || len(choices) != 5 || choices[0].Name != "org-100" {
			t.Fatalf("suggestions %s: %v", p.body, err)
		}
	})
	t.Run("fail/a search without a match says so", func(t *testing.T) {
		wantBody(t, h.get("/dashboard/organizations?q=initech"), "No organization matches “initech”", "Check the spelling, or create the organization if it does not exist yet.", `<a class="btn btn-primary" href="/dashboard/organizations/new">Create organization</a>`)
	})
	t.Run("fail/a forged checkpoint is a 400 page", func(t *testing.T) {
		wantStatus(t, h.get("/dashboard/organizations?from=forged"), http.StatusBadRequest)
	})
}

func TestOrganizationPages(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	var id string
	t.Run("create", func(t *testing.T) {
		p := h.post("/dashboard/organizations", url.Values{"name": {"acme"}, "display_name": {"Acme Inc."}})
		wantRedirect(t, p, "/dashboard/organizations/org_")
		id = strings.TrimPrefix(strings.TrimSuffix(p.location(), "?notice=organization-created"), "/dashboard/organizations/")
		o, err := h.tenant.Organization(ctx, id)
		if err != nil || o.Name != "acme" || o.DisplayName != "Acme Inc." {
			t.Fatalf("organization %+v, %v", o, err)
		}
	})
	t.Run("fail/a taken name is shown at the name", func(t *testing.T) {
		p := h.post("/dashboard/organizations", url.Values{"name": {"acme"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("name", "An organization with this name already exists: choose another name."), `value="acme"`)
	})
	t.Run("fail/an uppercase name is shown at the name", func(t *testing.T) {
		wantBody(t, h.post("/dashboard/organizations", url.Values{"name": {"Acme"}}), fieldErrorHTML("name", "Use only lowercase letters, digits, _ and -, such as acme-corp."))
	})

	edit := func(changes map[string]string, metadata ...string) url.Values {
		f := url.Values{"name": {"acme"}, "display_name": {"Acme Inc."}, "logo_url": {""}, "primary": {""}, "page_background": {""}}
		for k, v := range changes {
			f.Set(k, v)
		}
		for i := 0; i+1 < len(metadata); i += 2 {
			f.Add("meta_key", metadata[i])
			f.Add("meta_value", metadata[i+1])
		}
		f.Add("meta_key", "") // the spare rows
		f.Add("meta_value", "")
		return f
	}
	t.Run("edit saves branding and metadata", func(t *testing.T) {
		f := edit(map[string]string{"logo_url": "https://acme.example/logo.png", "primary": "#0059d6", "page_background": "#f0f4ff",
			"display_name": "Acme Corporation"}, "tier", "gold", "region", "eu")
		wantRedirect(t, h.post("/dashboard/organizations/"+id, f), "/dashboard/organizations/"+id+"?notice=saved")
		o, _ := h.tenant.Organization(ctx, id)
		if o.DisplayName != "Acme Corporation" || o.Branding == nil || o.Branding.LogoURL != "https://acme.example/logo.png" ||
			o.Branding.Colors == nil || o.Branding.Colors.Primary != "#0059d6" || o.Branding.Colors.PageBackground != "#f0f4ff" ||
			len(o.Metadata) != 2 || o.Metadata["tier"] != "gold" || o.Metadata["region"] != "eu" {
			t.Fatalf("organization %+v branding %+v", o, o.Branding)
		}
		p := h.get("/dashboard/organizations/" + id)
		wantBody(t, p, `data-preview-logo src="https://acme.example/logo.png"`, `value="#0059d6"`, `name="meta_key" value="region"`)
		if strings.Index(p.body, `value="region"`) > strings.Index(p.body, `value="tier"`) {
			t.Error("metadata rows are not sorted by key")
		}
	})
	t.Run("fail/branding errors are shown at their fields", func(t *testing.T) {
		p := h.post("/dashboard/organizations/"+id, edit(map[string]string{"logo_url": "http://acme.example/logo.png"}))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, `id="error-branding-logo-url"`, `value="http://acme.example/logo.png"`)
		p = h.post("/dashboard/organizations/"+id, edit(map[string]string{"primary": "#0059d6"}))
		wantBody(t, p, fieldErrorHTML("branding.colors.page_background",
			"Enter a color as # and 6 hex digits, such as #4f46e5, or clear both colors for none: the two colors go together."))
	})
	t.Run("fail/a repeated metadata key is shown at the metadata", func(t *testing.T) {
		p := h.post("/dashboard/organizations/"+id, edit(nil, "tier", "gold", "tier", "silver"))
		wantBody(t, p, fieldErrorHTML("metadata", `The key "tier" appears twice: empty one of its rows.`))
	})
	t.Run("emptying branding and metadata removes them", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/organizations/"+id, edit(nil)), "/dashboard/organizations/"+id)
		o, _ := h.tenant.Organization(ctx, id)
		if o.Branding != nil || len(o.Metadata) != 0 {
			t.Fatalf("organization %+v", o)
		}
	})
	t.Run("colors not set show as not set, not as black", func(t *testing.T) {
		p := h.get("/dashboard/organizations/" + id)
		if n := strings.Count(p.body, `<div class="color is-unset">`); n != 2 {
			t.Errorf("%d colors marked not set, want 2", n)
		}
		if strings.Contains(p.body, "#000000") {
			t.Error("a color picker starts at black")
		}
		wantBody(t, p, `name="primary" value="" placeholder="Not set"`, `data-clear-color="page_background"`,
			`<label for="display_name">Display name <span class="optional">optional</span></label>`)
	})
	t.Run("delete confirmation counts the access that goes; delete deletes", func(t *testing.T) {
		createAPI(t, h, "https://reports")
		c := createClient(t, h, "Acme bot")
		g := createGrant(t, h, c.ClientID, "https://reports", tenant.UsageRequire)
		if _, err := h.tenant.AddOrganizationClientGrant(ctx, id, g.ID); err != nil {
			t.Fatal(err)
		}
		wantBody(t, h.get("/dashboard/organizations/"+id+"/delete"), "<strong>1 organization association</strong>", "default organization")
		wantRedirect(t, h.post("/dashboard/organizations/"+id+"/delete", nil), "/dashboard/organizations?notice=deleted")
		wantStatus(t, h.get("/dashboard/organizations/"+id), http.StatusNotFound)
	})
}

func TestOrganizationAccess(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	reports := createAPI(t, h, "https://reports", "read:reports")
	billing := createAPI(t, h, "https://billing")
	audit := createAPI(t, h, "https://audit")
	bot := createClient(t, h, "Acme bot")
	required := createGrant(t, h, bot.ClientID, reports.Identifier, tenant.UsageRequire, "read:reports")
	denied := createGrant(t, h, bot.ClientID, billing.Identifier, tenant.UsageDeny)
	everywhere := createClient(t, h, "Partner sync")
	anyGrant, err := h.tenant.CreateClientGrant(ctx, tenant.ClientGrantInput{ClientID: everywhere.ClientID, Audience: audit.Identifier,
		OrganizationUsage: ptr(tenant.UsageAllow), AllowAnyOrganization: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	o, err := h.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	tab := "/dashboard/organizations/" + o.ID + "/access"

	t.Run("grants that reach any organization are listed, without Remove", func(t *testing.T) {
		p := h.get(tab)
		wantBody(t, p, `data-grant="`+anyGrant.ID+`"`, "Any organization", "Reaches every organization: change it on the application")
		if strings.Contains(p.body, "/access/"+anyGrant.ID+"/remove") {
			t.Error("an any-organization grant offers Remove")
		}
	})
	t.Run("step one offers the applications", func(t *testing.T) {
		wantBody(t, h.get(tab+"/add"), `<option value="`+bot.ClientID+`">Acme bot</option>`)
	})
	t.Run("step two offers the application's APIs, those without organization support disabled", func(t *testing.T) {
		p := h.get(tab + "/add?client_id=" + bot.ClientID)
		wantBody(t, p, `value="`+required.ID+`" data-audience="https://reports" required>`,
			`value="`+denied.ID+`" data-audience="https://billing" disabled>`, "Organization support is None")
	})
	t.Run("the Management API is offered with why it cannot be added, and no step that cannot be taken", func(t *testing.T) {
		mgmt, _, err := h.tenant.CreateClient(ctx, tenant.ClientInput{Name: "Ops tool", AppType: ptr("non_interactive")})
		if err != nil {
			t.Fatal(err)
		}
		api := bootstrapManagementAPI(t, h)
		createGrant(t, h, mgmt.ClientID, api.Identifier, tenant.UsageDeny, api.Scopes[0].Value)
		p := h.get(tab + "/add?client_id=" + mgmt.ClientID)
		wantBody(t, p, "The Management API is never called on behalf of an organization: tokens for it carry none, so there is no access to add here.")
		if strings.Contains(p.body, "set it to Optional or Required") {
			t.Error("the page asks for a change the Management API refuses")
		}
	})
	t.Run("fail/adding a grant without organization support shows tenant's refusal", func(t *testing.T) {
		p := h.post(tab, url.Values{"client_id": {bot.ClientID}, "grant_id": {denied.ID}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("grant_id", "This API's organization support is None: set it to Optional or Required on the application's APIs tab, then add the access."))
	})
	t.Run("fail/adding without choosing an API says so", func(t *testing.T) {
		p := h.post(tab, url.Values{"client_id": {bot.ClientID}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("grant_id", "Choose an API."))
	})
	t.Run("add access associates the grant", func(t *testing.T) {
		added := h.post(tab, url.Values{"client_id": {bot.ClientID}, "grant_id": {required.ID}})
		wantRedirect(t, added, tab+"?notice=access-added")
		p := h.get(added.location())
		wantBody(t, p, "Access added: the application can now get tokens for this organization. Its Quick start tab shows how.", `data-grant="`+required.ID+`"`, "This organization", `<span class="chip">read:reports</span>`,
			`action="/dashboard/organizations/`+o.ID+`/access/`+required.ID+`/remove"`)
		wantBody(t, h.get(tab+"/add?client_id="+bot.ClientID), "Already has access to this organization: remove it on the Machine to Machine Access tab to add it again.")
	})
	t.Run("a grant switched to None stays listed as inactive", func(t *testing.T) {
		if _, err := h.tenant.UpdateClientGrant(ctx, required.ID, tenant.ClientGrantPatch{OrganizationUsage: ptr(tenant.UsageDeny)}); err != nil {
			t.Fatal(err)
		}
		wantBody(t, h.get(tab), "Organization support: None (inactive)")
		if _, err := h.tenant.UpdateClientGrant(ctx, required.ID, tenant.ClientGrantPatch{OrganizationUsage: ptr(tenant.UsageRequire)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("remove ends the association", func(t *testing.T) {
		wantRedirect(t, h.post(tab+"/"+required.ID+"/remove", nil), tab+"?notice=access-remove")
		l, err := h.tenant.OrganizationClientGrants(ctx, o.ID, tenant.ClientGrantFilter{}, tenant.Page{Limit: 10})
		if err != nil || len(l.Items) != 0 {
			t.Fatalf("associations %+v, %v", l.Items, err)
		}
	})
	t.Run("fail/an unknown organization is a 404 page", func(t *testing.T) {
		p := h.get("/dashboard/organizations/org_nope/access")
		wantStatus(t, p, http.StatusNotFound)
		wantBody(t, p, "This organization does not exist: it may have been deleted.", `href="/dashboard/organizations">Go to Organizations</a>`)
		wantStatus(t, h.post("/dashboard/organizations/org_nope/access", url.Values{"grant_id": {required.ID}}), http.StatusNotFound)
	})
}

func TestSettingsPage(t *testing.T) {
	h := newHarness(t).signIn()
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("the organization-name flag can be turned %v", on), func(t *testing.T) {
			form := url.Values{}
			if on {
				form.Set("allow_organization_name_in_authentication_api", "1")
			}
			wantRedirect(t, h.post("/dashboard/settings", form), "/dashboard/settings?notice=saved")
			set, _ := h.tenant.Settings(t.Context())
			if set.AllowOrganizationNameInAuthenticationAPI != on {
				t.Fatalf("flag %v", set.AllowOrganizationNameInAuthenticationAPI)
			}
			if got := strings.Contains(h.get("/dashboard/settings").body, `value="1" checked`); got != on {
				t.Fatalf("switch shown %v", got)
			}
		})
	}
}
