package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

func TestAPIPages(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	form := func(identifier, lifetime string, scopes ...string) url.Values {
		f := url.Values{"identifier": {identifier}, "name": {"Reports"}, "signing_alg": {"PS256"}, "token_lifetime": {lifetime}}
		for _, sc := range scopes {
			f.Add("scope_value", sc)
			f.Add("scope_description", "may "+sc)
		}
		f.Add("scope_value", "") // a spare row
		f.Add("scope_description", "")
		return f
	}

	t.Run("fail/a lifetime that is not a number is shown at its field", func(t *testing.T) {
		p := h.post("/dashboard/apis", form("https://reports", "a day"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("token_lifetime", "Enter a whole number of seconds."), `value="https://reports"`)
	})
	t.Run("fail/tenant's refusal is shown at the field its property names", func(t *testing.T) {
		p := h.post("/dashboard/apis", form("https://reports", "0"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("token_lifetime", "Enter a number of seconds from 1 to 2592000 (30 days)."), `aria-describedby="error-token-lifetime"`)
	})
	t.Run("fail/a duplicate scope is shown at the scopes", func(t *testing.T) {
		p := h.post("/dashboard/apis", form("https://reports", "3600", "read", "read"))
		wantBody(t, p, fieldErrorHTML("scopes", `Array items are not unique: "read".`))
	})

	var rs tenant.ResourceServer
	t.Run("create keeps the filled scope rows", func(t *testing.T) {
		p := h.post("/dashboard/apis", form("https://reports", "3600", "read:reports", "write:reports"))
		wantRedirect(t, p, "/dashboard/apis/")
		var err error
		if rs, err = h.tenant.ResourceServer(ctx, "https://reports"); err != nil {
			t.Fatal(err)
		}
		if p.location() != "/dashboard/apis/"+rs.ID+"?notice=api-created" {
			t.Errorf("redirect to %s", p.location())
		}
		want := []tenant.Scope{{Value: "read:reports", Description: "may read:reports"}, {Value: "write:reports", Description: "may write:reports"}}
		if rs.Name != "Reports" || rs.SigningAlg != "PS256" || rs.TokenLifetime != 3600 || len(rs.Scopes) != 2 || rs.Scopes[0] != want[0] || rs.Scopes[1] != want[1] {
			t.Fatalf("API %+v", rs)
		}
		wantBody(t, h.get(p.location()), "API created. Next: authorize an application for it on the application&#39;s APIs tab.", `value="read:reports"`, "Delete API…")
	})
	t.Run("the list links it", func(t *testing.T) {
		wantBody(t, h.get("/dashboard/apis"), `href="/dashboard/apis/`+rs.ID+`"`, "<code>https://reports</code>")
	})
	t.Run("edit changes name, scopes, lifetime and algorithm, never the identifier", func(t *testing.T) {
		f := form("https://changed", "7200", "read:reports")
		f.Set("name", "Reporting")
		f.Set("signing_alg", "ES256")
		wantRedirect(t, h.post("/dashboard/apis/"+rs.ID, f), "/dashboard/apis/"+rs.ID+"?notice=saved")
		got, _ := h.tenant.ResourceServer(ctx, rs.ID)
		if got.Identifier != "https://reports" || got.Name != "Reporting" || got.TokenLifetime != 7200 || got.SigningAlg != "ES256" || len(got.Scopes) != 1 {
			t.Fatalf("API %+v", got)
		}
	})
	t.Run("the Management API is shown read-only, without delete", func(t *testing.T) {
		mgmt := bootstrapManagementAPI(t, h)
		p := h.get("/dashboard/apis/" + mgmt.ID)
		wantBody(t, p, "Its settings are fixed.", `<fieldset class="plain" disabled>`)
		if strings.Contains(p.body, "Delete API") {
			t.Error("the Management API offers delete")
		}
		wantStatus(t, h.post("/dashboard/apis/"+mgmt.ID+"/delete", nil), http.StatusForbidden)
	})
	t.Run("delete confirmation counts the grants and associations that go with it", func(t *testing.T) {
		c1 := createClient(t, h, "Billing bot")
		c2 := createClient(t, h, "Audit bot")
		g1 := createGrant(t, h, c1.ClientID, "https://reports", tenant.UsageRequire)
		createGrant(t, h, c2.ClientID, "https://reports", tenant.UsageDeny)
		for _, name := range []string{"acme", "globex"} {
			o, err := h.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.tenant.AddOrganizationClientGrant(ctx, o.ID, g1.ID); err != nil {
				t.Fatal(err)
			}
		}
		p := h.get("/dashboard/apis/" + rs.ID + "/delete")
		wantBody(t, p, "<strong>2 client grants</strong>: Billing bot, Audit bot", "<strong>2 organization associations</strong>")
	})
	t.Run("delete deletes", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/apis/"+rs.ID+"/delete", nil), "/dashboard/apis?notice=deleted")
		if _, err := h.tenant.ResourceServer(ctx, rs.ID); err == nil {
			t.Fatal("still there")
		}
		wantStatus(t, h.get("/dashboard/apis/"+rs.ID), http.StatusNotFound)
	})
}

// bootstrapManagementAPI gives the tenant its Management API.
func bootstrapManagementAPI(t *testing.T, h *harness) tenant.ResourceServer {
	t.Helper()
	if _, err := h.tenant.Bootstrap(t.Context(), "http://dashboard.test/", "", ""); err != nil {
		t.Fatal(err)
	}
	rs, err := h.tenant.ResourceServer(t.Context(), tenant.ManagementAudience("http://dashboard.test/"))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func createAPI(t *testing.T, h *harness, identifier string, scopes ...string) tenant.ResourceServer {
	t.Helper()
	var sc []tenant.Scope
	for _, s := range scopes {
		sc = append(sc, tenant.Scope{Value: s})
	}
	name := "API " + identifier
	rs, err := h.tenant.CreateResourceServer(t.Context(), tenant.ResourceServerInput{Identifier: identifier, Name: &name, Scopes: &sc})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func createClient(t *testing.T, h *harness, name string) tenant.Client {
	t.Helper()
	appType := "non_interactive"
	c, _, err := h.tenant.CreateClient(t.Context(), tenant.ClientInput{Name: name, AppType: &appType})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func createGrant(t *testing.T, h *harness, clientID, audience, usage string, scopes ...string) tenant.ClientGrant {
	t.Helper()
	g, err := h.tenant.CreateClientGrant(t.Context(), tenant.ClientGrantInput{ClientID: clientID, Audience: audience,
		Scope: scopes, OrganizationUsage: &usage})
	if err != nil {
		t.Fatal(err)
	}
	return g
}
