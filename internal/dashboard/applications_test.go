package dashboard

import (
	"context"
	"go/format"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

var clientSecretCode = regexp.MustCompile(`<code id="client-secret">([^<]+)</code>`)

func TestApplicationPages(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()

	t.Run("fail/a name with angle brackets is shown at the name", func(t *testing.T) {
		p := h.post("/dashboard/applications", url.Values{"name": {"<b>bot</b>"}, "app_type": {"non_interactive"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("name", "Remove the < and > characters."), `value="&lt;b&gt;bot&lt;/b&gt;"`)
	})

	var clientID, secret string
	t.Run("create redirects to a page that shows the secret once, and it authenticates", func(t *testing.T) {
		p := h.post("/dashboard/applications", url.Values{"name": {"Acme bot"}, "app_type": {"non_interactive"}, "description": {"Nightly export"}})
		wantRedirect(t, p, "/dashboard/applications/")
		clientID = strings.TrimSuffix(strings.TrimPrefix(p.location(), "/dashboard/applications/"), "/secret")
		if want := "/dashboard/applications/" + clientID + "/secret"; p.location() != want || clientID == "" {
			t.Fatalf("Location %q, want %s", p.location(), want)
		}
		shown := h.get(p.location())
		wantStatus(t, shown, http.StatusOK)
		wantBody(t, shown, "Application created", "Copy the client secret now.", `data-copy="client-secret"`)
		if got := shown.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", got)
		}
		secret = clientSecretCode.FindStringSubmatch(shown.body)[1]
		if strings.Contains(p.location(), secret) || strings.Contains(strings.Join(p.header.Values("Set-Cookie"), "\n"), secret) {
			t.Error("the secret travels in the clear in the redirect")
		}
		if !authenticates(t, h.tenant, clientID, secret) {
			t.Fatal("the secret shown does not authenticate")
		}
		c, err := h.tenant.Client(ctx, clientID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Acme bot" || c.Description != "Nightly export" || !slices.Equal(c.GrantTypes, []string{"client_credentials"}) {
			t.Errorf("client %+v", c)
		}
		t.Run("a reload shows the application without the secret, and says how to get a new one", func(t *testing.T) {
			again := h.get(p.location())
			wantStatus(t, again, http.StatusOK)
			wantBody(t, again, clientID, "was shown once", "Rotate secret", `action="/dashboard/applications/`+clientID+`/rotate-secret"`)
			if strings.Contains(again.body, secret) || strings.Contains(again.body, `id="client-secret"`) {
				t.Error("the reload shows the secret again")
			}
			if l, _ := h.tenant.Clients(ctx, tenant.Page{Limit: 10}); len(l.Items) != 1 {
				t.Errorf("%d applications, want 1", len(l.Items))
			}
		})
		if strings.Contains(h.get("/dashboard/applications/"+clientID).body, secret) {
			t.Error("the settings page shows the secret again")
		}
	})
	t.Run("a single-page application is public: no secret to show", func(t *testing.T) {
		p := h.post("/dashboard/applications", url.Values{"name": {"Acme web"}, "app_type": {"spa"}})
		wantRedirect(t, p, "/dashboard/applications/")
		id := strings.TrimPrefix(p.location(), "/dashboard/applications/")
		c, err := h.tenant.Client(ctx, id)
		if err != nil || c.TokenEndpointAuthMethod != "none" || c.SecretHash != nil {
			t.Fatalf("client %+v, %v", c, err)
		}
		wantStatus(t, h.get(p.location()), http.StatusOK)
		if err := h.tenant.DeleteClient(ctx, id); err != nil { // the tests below count the applications
			t.Fatal(err)
		}
	})
	t.Run("the list links it", func(t *testing.T) {
		wantBody(t, h.get("/dashboard/applications"), `href="/dashboard/applications/`+clientID+`"`, "Machine to Machine")
	})
	t.Run("rotate redirects to a page that shows the new secret once; the old one stops working", func(t *testing.T) {
		p := h.post("/dashboard/applications/"+clientID+"/rotate-secret", nil)
		wantRedirect(t, p, "/dashboard/applications/"+clientID+"/secret")
		shown := h.get(p.location())
		wantBody(t, shown, "New client secret", "The previous secret no longer works.")
		rotated := clientSecretCode.FindStringSubmatch(shown.body)[1]
		if !authenticates(t, h.tenant, clientID, rotated) {
			t.Fatal("the rotated secret does not authenticate")
		}
		if authenticates(t, h.tenant, clientID, secret) {
			t.Fatal("the old secret still works")
		}
		if again := h.get(p.location()); strings.Contains(again.body, rotated) {
			t.Error("a reload shows the rotated secret again")
		}
	})
	t.Run("fail/the secret's cookie opens in no other session and for no other application", func(t *testing.T) {
		other := newHarnessSharing(t, h).signIn()
		p := h.post("/dashboard/applications/"+clientID+"/rotate-secret", nil)
		c := cookieNamed(t, p, secretCookie)
		u, _ := url.Parse(h.srv.URL)
		other.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
		if p := other.get("/dashboard/applications/" + clientID + "/secret"); strings.Contains(p.body, `id="client-secret"`) {
			t.Error("another session opened the secret")
		}
		bot := createClient(t, h, "Other bot")
		if p := h.get("/dashboard/applications/" + bot.ClientID + "/secret"); strings.Contains(p.body, `id="client-secret"`) {
			t.Error("another application's page opened the secret")
		}
		wantBody(t, h.get("/dashboard/applications/"+clientID+"/secret"), `id="client-secret"`)
		if err := h.tenant.DeleteClient(ctx, bot.ClientID); err != nil {
			t.Fatal(err)
		}
	})

	acme, err := h.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme", DisplayName: ptr("Acme Inc.")})
	if err != nil {
		t.Fatal(err)
	}
	settings := func(defaultOrg string) url.Values {
		return url.Values{"name": {"Acme bot"}, "app_type": {"non_interactive"}, "token_endpoint_auth_method": {"client_secret_basic"},
			"grant_types": {"client_credentials"}, "default_organization": {defaultOrg}}
	}
	t.Run("the default organization picker offers organizations by name", func(t *testing.T) {
		wantBody(t, h.get("/dashboard/applications/"+clientID), `<option value="acme">Acme Inc.</option>`)
	})
	for _, typed := range []string{"acme", "ACME", acme.ID} {
		t.Run("a default organization typed as "+typed+" is saved by id", func(t *testing.T) {
			wantRedirect(t, h.post("/dashboard/applications/"+clientID, settings(typed)), "/dashboard/applications/"+clientID+"?notice=saved")
			c, _ := h.tenant.Client(ctx, clientID)
			if c.DefaultOrganization == nil || c.DefaultOrganization.OrganizationID != acme.ID ||
				!slices.Equal(c.DefaultOrganization.Flows, []string{"client_credentials"}) || c.TokenEndpointAuthMethod != "client_secret_basic" {
				t.Fatalf("client %+v", c)
			}
			wantBody(t, h.get("/dashboard/applications/"+clientID), `name="default_organization" value="acme"`)
		})
	}
	t.Run("fail/an unknown default organization is shown at the field", func(t *testing.T) {
		p := h.post("/dashboard/applications/"+clientID, settings("initech"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, fieldErrorHTML("default_organization", "No organization has this name or id: check the spelling, pick one of the suggestions, or leave the field empty."), `value="initech"`)
	})
	t.Run("an empty default organization removes it", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/applications/"+clientID, settings("")), "/dashboard/applications/"+clientID)
		if c, _ := h.tenant.Client(ctx, clientID); c.DefaultOrganization != nil {
			t.Fatalf("default organization %+v", c.DefaultOrganization)
		}
	})
	t.Run("fail/an unknown grant type is shown at the grant types", func(t *testing.T) {
		f := settings("")
		f.Add("grant_types", "magic")
		wantBody(t, h.post("/dashboard/applications/"+clientID, f), `<details class="advanced" open>`, `id="error-grant-types"`)
	})
	t.Run("delete confirmation counts grants and associations; delete deletes", func(t *testing.T) {
		createAPI(t, h, "https://reports")
		g := createGrant(t, h, clientID, "https://reports", tenant.UsageAllow)
		if _, err := h.tenant.AddOrganizationClientGrant(ctx, acme.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		wantBody(t, h.get("/dashboard/applications/"+clientID+"/delete"),
			"<strong>1 client grant</strong>: API https://reports", "<strong>1 organization association</strong>")
		wantRedirect(t, h.post("/dashboard/applications/"+clientID+"/delete", nil), "/dashboard/applications?notice=deleted")
		if _, err := h.tenant.ClientGrant(ctx, g.ID); err == nil {
			t.Fatal("the grant survived")
		}
	})
	t.Run("fail/an unknown application is a 404 page", func(t *testing.T) {
		p := h.get("/dashboard/applications/nope")
		wantStatus(t, p, http.StatusNotFound)
		wantBody(t, p, "This application does not exist: it may have been deleted.", `href="/dashboard/applications">Go to Applications</a>`)
	})
}

func TestApplicationAPIsTabWithOnlyTheManagementAPI(t *testing.T) {
	h := newHarness(t).signIn()
	bootstrapManagementAPI(t, h)
	c := createClient(t, h, "Acme bot")
	wantBody(t, h.get("/dashboard/applications/"+c.ClientID+"/apis"), "Only orgauth's own Management API exists so far.", `<a href="/dashboard/apis/new">Create the API</a>`)
}

func TestApplicationAPIsTab(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	api := createAPI(t, h, "https://reports", "read:reports", "write:reports")
	other := createAPI(t, h, "https://billing")
	c := createClient(t, h, "Acme bot")
	tab := "/dashboard/applications/" + c.ClientID + "/apis"
	grant := func() (tenant.ClientGrant, bool) {
		l, err := h.tenant.ClientGrants(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID, Audience: api.Identifier}, tenant.Page{Checkpoint: true, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) == 0 {
			return tenant.ClientGrant{}, false
		}
		return l.Items[0], true
	}

	t.Run("every API is listed, none authorized", func(t *testing.T) {
		p := h.get(tab)
		wantBody(t, p, `data-api="https://reports"`, `data-api="https://billing"`, "Not authorized",
			`This API defines no scopes: tokens for it carry none. <a href="/dashboard/apis/`+other.ID+`">Add scopes on the API's page</a>.`)
		if strings.Contains(p.body, "Only orgauth's own Management API exists so far.") {
			t.Error("the page asks for an API when there are some")
		}
		if strings.Contains(p.body, `name="authorized" value="1" checked`) {
			t.Error("a toggle is on")
		}
	})
	t.Run("turning the toggle on creates the grant with its scopes and organization settings", func(t *testing.T) {
		p := h.post(tab+"/"+api.ID, url.Values{"authorized": {"1"}, "scope": {"read:reports"}, "organization_usage": {"require"}})
		wantRedirect(t, p, tab+"?notice=saved#api-"+api.ID)
		g, ok := grant()
		if !ok || !slices.Equal(g.Scope, []string{"read:reports"}) || g.OrganizationUsage != tenant.UsageRequire || g.AllowAnyOrganization {
			t.Fatalf("grant %+v", g)
		}
		wantBody(t, h.get(tab), "Authorized · organization support Required", `value="read:reports" checked`)
	})
	t.Run("saving again updates it", func(t *testing.T) {
		wantRedirect(t, h.post(tab+"/"+api.ID, url.Values{"authorized": {"1"}, "scope": {"read:reports", "write:reports"},
			"organization_usage": {"allow"}, "allow_any_organization": {"1"}}), tab)
		g, _ := grant()
		if len(g.Scope) != 2 || g.OrganizationUsage != tenant.UsageAllow || !g.AllowAnyOrganization {
			t.Fatalf("grant %+v", g)
		}
	})
	t.Run("fail/a scope the API does not define is shown in that API's card", func(t *testing.T) {
		p := h.post(tab+"/"+api.ID, url.Values{"authorized": {"1"}, "scope": {"delete:everything"}, "organization_usage": {"allow"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		card := p.body[strings.Index(p.body, `id="api-`+api.ID+`"`):]
		card = card[:strings.Index(card, "</form>")]
		wantBody(t, page{body: card}, fieldErrorHTML("scope", `Scope "delete:everything" is not defined by the API "https://reports".`))
		if g, _ := grant(); len(g.Scope) != 2 {
			t.Fatalf("grant changed: %+v", g)
		}
	})
	t.Run("the revoke confirmation counts the organizations that lose access", func(t *testing.T) {
		g, _ := grant()
		o, err := h.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.tenant.AddOrganizationClientGrant(ctx, o.ID, g.ID); err != nil {
			t.Fatal(err)
		}
		wantBody(t, h.get(tab), html.EscapeString(`Its access to 1 organization goes with it.`))
	})
	t.Run("turning the toggle off deletes the grant", func(t *testing.T) {
		wantRedirect(t, h.post(tab+"/"+api.ID, url.Values{"scope": {"read:reports"}, "organization_usage": {"allow"}}), tab)
		if _, ok := grant(); ok {
			t.Fatal("the grant survived")
		}
	})
	t.Run("an API left off stays off", func(t *testing.T) {
		wantRedirect(t, h.post(tab+"/"+other.ID, url.Values{}), tab)
		l, _ := h.tenant.ClientGrants(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID}, tenant.Page{Checkpoint: true, Limit: 10})
		if len(l.Items) != 0 {
			t.Fatalf("grants %+v", l.Items)
		}
	})
	t.Run("the Management API offers no organization settings", func(t *testing.T) {
		mgmt := bootstrapManagementAPI(t, h)
		p := h.get(tab)
		card := p.body[strings.Index(p.body, `id="api-`+mgmt.ID+`"`):]
		card = card[:strings.Index(card, "</form>")]
		if strings.Contains(card, "organization_usage") {
			t.Error("the Management API card offers organization support")
		}
	})
}

func TestQuickStart(t *testing.T) {
	h := newHarness(t).signIn()
	ctx := t.Context()
	c := createClient(t, h, "Acme bot")
	page := "/dashboard/applications/" + c.ClientID + "/quickstart"
	t.Run("without an authorized API it says so", func(t *testing.T) {
		wantBody(t, h.get(page), "Authorize an API first")
	})
	createAPI(t, h, "https://billing")
	createGrant(t, h, c.ClientID, "https://billing", tenant.UsageDeny)
	api := createAPI(t, h, "https://reports", "read:reports")
	g := createGrant(t, h, c.ClientID, "https://reports", tenant.UsageRequire, "read:reports")
	o, err := h.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.tenant.AddOrganizationClientGrant(ctx, o.ID, g.ID); err != nil {
		t.Fatal(err)
	}

	p := h.get(page)
	t.Run("the API that takes an organization is chosen, with an organization it reaches", func(t *testing.T) {
		wantBody(t, p, `<option value="`+api.ID+`" selected>`, `name="organization" value="`+o.ID+`"`)
	})
	t.Run("the curl snippet is exact", func(t *testing.T) {
		want := "curl --request POST --url 'http://dashboard.test/oauth/token' \\\n" +
			"  --data grant_type=client_credentials \\\n" +
			"  --data-urlencode 'client_id=" + c.ClientID + "' \\\n" +
			"  --data-urlencode \"client_secret=$CLIENT_SECRET\" \\\n" +
			"  --data-urlencode 'audience=https://reports' \\\n" +
			"  --data-urlencode 'organization=" + o.ID + "'"
		wantBody(t, p, `<code id="snippet-curl">`+html.EscapeString(want)+`</code>`)
	})
	t.Run("the Go snippet is a gofmt-formatted program with the organization", func(t *testing.T) {
		code := regexp.MustCompile(`(?s)<code id="snippet-go">(.*?)</code>`).FindStringSubmatch(p.body)[1]
		code = html.UnescapeString(code)
		formatted, err := format.Source([]byte(code))
		if err != nil {
			t.Fatalf("%v\n%s", err, code)
		}
		if string(formatted) != code {
			t.Errorf("not gofmt-formatted:\n%s", code)
		}
		for _, want := range []string{`"organization": {"` + o.ID + `"}`, `ClientID:     "` + c.ClientID + `"`, `TokenURL:     "http://dashboard.test/oauth/token"`} {
			if !strings.Contains(code, want) {
				t.Errorf("snippet lacks %s:\n%s", want, code)
			}
		}
	})
	t.Run("an API whose grant takes no organization gets snippets without one", func(t *testing.T) {
		billing, _ := h.tenant.ResourceServer(ctx, "https://billing")
		p := h.get(page + "?api=" + billing.ID)
		wantBody(t, p, "organization support <strong>None</strong>")
		if strings.Contains(p.body, "organization=") {
			t.Error("the snippet names an organization")
		}
		code := html.UnescapeString(regexp.MustCompile(`(?s)<code id="snippet-go">(.*?)</code>`).FindStringSubmatch(p.body)[1])
		if formatted, err := format.Source([]byte(code)); err != nil || string(formatted) != code {
			t.Errorf("not gofmt-formatted (%v):\n%s", err, code)
		}
	})
	t.Run("a quote in a value cannot break out of the shell quoting", func(t *testing.T) {
		if got := shellQuote("it's"); got != `'it'\''s'` {
			t.Errorf("shellQuote = %s", got)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// authenticates reports whether the tenant's token endpoint accepts secret for the client.
func authenticates(t testing.TB, ten *tenant.Service, clientID, secret string) bool {
	t.Helper()
	snap, err := ten.Directory().Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, ok := snap.AuthenticateClient(clientID, secret)
	return ok
}
