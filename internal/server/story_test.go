package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orgauth/orgauth/accesstoken"
)

const chromium = "/usr/bin/chromium"

// travel0 is the provider's web application in the story: its login route (what an invitation URL
// opens) sends the browser to /authorize; its callback records the codes.
type travel0 struct {
	srv   *httptest.Server
	conf  *oauth2.Config
	mu    sync.Mutex
	codes []url.Values
	// verifier is the PKCE verifier of the authorization in progress.
	verifier string
}

func (a *travel0) lastCallback() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.codes) == 0 {
		return nil
	}
	return a.codes[len(a.codes)-1]
}

// authorizeURL is where the application sends the browser, with PKCE and the parameters given.
func (a *travel0) authorizeURL(params ...string) string {
	a.verifier = oauth2.GenerateVerifier()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oauth2.SetAuthURLParam("audience", tripsAPI)}
	for i := 0; i+1 < len(params); i += 2 {
		opts = append(opts, oauth2.SetAuthURLParam(params[i], params[i+1]))
	}
	return a.conf.AuthCodeURL("travel0-state", opts...)
}

// TestStory is issue 13's story, end to end: the provider sets up Travel0, an API with scopes, acme
// (branded), a role with permissions, and the database connection for acme, through the Management API;
// it invites Ann with the role; Ann opens the invitation in headless Chromium, lands on acme's login page,
// signs up and reaches Travel0's callback; Travel0 exchanges the code (PKCE) for an ID token and an
// access token with org_id and her role's permissions in acme, and refreshes; Ann logs out and back in;
// Bob, not a member of globex, is refused; a member of two organizations picks one after logging in;
// a client asking first gets the organization page.
func TestStory(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v (apt-get install -y chromium)", err)
		}
		t.Skipf("no Chromium at %s", chromium)
	}
	in := start(t, "", "")
	ctx := context.Background()
	admin := in.adminToken()
	app := &travel0{}
	app.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/callback":
			app.mu.Lock()
			app.codes = append(app.codes, r.URL.Query())
			app.mu.Unlock()
			io.WriteString(w, `<!doctype html><title>Travel0</title><h1 id="signed-in">Welcome to Travel0</h1>`)
		case "/bye":
			io.WriteString(w, `<!doctype html><title>Travel0</title><h1 id="bye">See you</h1>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer app.srv.Close()

	// 1. The provider sets up, through the Management API.
	must(t, in.api("POST", "/api/v2/resource-servers", admin, map[string]any{"identifier": tripsAPI, "name": "Trips",
		"scopes": []map[string]string{{"value": "read:trips"}, {"value": "book:trips"}}, "allow_offline_access": true,
		"enforce_policies": true, "token_dialect": "access_token_authz"}), 201)
	client := must(t, in.api("POST", "/api/v2/clients", admin, map[string]any{"name": "Travel0", "app_type": "regular_web",
		"callbacks": []string{app.srv.URL + "/callback"}, "allowed_logout_urls": []string{app.srv.URL + "/bye"},
		"initiate_login_uri": "https://travel0.example/login", "organization_usage": "require", "organization_require_behavior": "no_prompt",
		"grant_types": []string{"authorization_code", "refresh_token"}, "token_endpoint_auth_method": "client_secret_post"}), 201)
	app.conf = &oauth2.Config{ClientID: client.str("client_id"), ClientSecret: client.str("client_secret"), RedirectURL: app.srv.URL + "/callback",
		Endpoint: oauth2.Endpoint{AuthURL: in.issuer + "authorize", TokenURL: in.issuer + "oauth/token", AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{"openid", "profile", "email", "offline_access", "read:trips", "book:trips"}}
	acme := must(t, in.api("POST", "/api/v2/organizations", admin, map[string]any{"name": "acme", "display_name": "Acme Travel",
		"branding": map[string]any{"logo_url": "https://acme.example/logo.png", "colors": map[string]string{"primary": "#ffd700", "page_background": "#101010"}}}), 201).str("id")
	globex := must(t, in.api("POST", "/api/v2/organizations", admin, map[string]any{"name": "globex", "display_name": "Globex"}), 201).str("id")
	role := must(t, in.api("POST", "/api/v2/roles", admin, map[string]any{"name": "trip-planner"}), 200).str("id")
	must(t, in.api("POST", "/api/v2/roles/"+role+"/permissions", admin, map[string]any{"permissions": []map[string]string{
		{"resource_server_identifier": tripsAPI, "permission_name": "read:trips"}}}), 201)
	conns := must(t, in.api("GET", "/api/v2/connections?name=Username-Password-Authentication", admin, nil), 200)
	if len(conns.list) != 1 {
		t.Fatalf("the database connection of the first start: %s", conns.raw)
	}
	conn := conns.list[0].(map[string]any)["id"].(string)
	must(t, in.api("POST", "/api/v2/organizations/"+acme+"/enabled_connections", admin, map[string]any{"connection_id": conn,
		"assign_membership_on_login": true, "is_signup_enabled": true}), 201)
	must(t, in.api("POST", "/api/v2/organizations/"+globex+"/enabled_connections", admin, map[string]any{"connection_id": conn}), 201)

	// 2. Ann is invited to acme with the role; the URL is Auth0's.
	inv := must(t, in.api("POST", "/api/v2/organizations/"+acme+"/invitations", admin, map[string]any{"inviter": map[string]string{"name": "Carol"},
		"invitee": map[string]string{"email": "ann@acme.test"}, "client_id": app.conf.ClientID, "roles": []string{role}}), 201)
	invURL, err := url.Parse(inv.str("invitation_url"))
	if err != nil || invURL.Host != "travel0.example" || invURL.Path != "/login" || invURL.Query().Get("invitation") != inv.str("ticket_id") ||
		invURL.Query().Get("organization") != acme || invURL.Query().Get("organization_name") != "acme" {
		t.Fatalf("invitation_url %q", inv.str("invitation_url"))
	}

	// 3. Ann opens it: Travel0's login route forwards invitation and organization to /authorize.
	b := newBrowser(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(b, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			u, _ := chromedp.Run(b, chromedp.Location())
			body, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\nat %s:\n%s", what, err, u, body)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(b, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	do("open the invitation", chromedp.Navigate(app.authorizeURL("organization", invURL.Query().Get("organization"),
		"invitation", invURL.Query().Get("invitation"))), chromedp.WaitVisible(chromedp.CSS("#email")))
	if h := eval(`document.querySelector("h1").textContent`); h != "Log in to Acme Travel" {
		t.Errorf("the invitation's page is %q, not acme's", h)
	}
	if lead := eval(`document.querySelector(".lead").textContent`); lead != `"Carol" has invited you ("ann@acme.test") to join "Acme Travel" on "Travel0".` {
		t.Errorf("the invitation's text: %q", lead)
	}
	if bg := eval(`getComputedStyle(document.querySelector("button")).backgroundColor`); bg != "rgb(255, 215, 0)" {
		t.Errorf("the page is not in acme's colors: %s", bg)
	}
	do("sign up from the invitation", chromedp.Click(chromedp.CSS(`a[href^="/u/signup"]`)), chromedp.WaitVisible(chromedp.CSS("#password-rules")),
		chromedp.SendKeys(chromedp.CSS("#password"), "Ann-s3cret-passw0rd"), chromedp.Click(chromedp.CSS("button")),
		chromedp.WaitVisible(chromedp.CSS("#signed-in")))
	cb := app.lastCallback()
	if cb.Get("code") == "" || cb.Get("state") != "travel0-state" || cb.Get("iss") != in.issuer {
		t.Fatalf("Travel0's callback got %v", cb)
	}

	// Travel0 exchanges the code: an ID token and an access token for acme, with the role's permissions.
	tok, err := app.conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(app.verifier))
	if err != nil {
		t.Fatal(err)
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, in.client), in.issuer)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: app.conf.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var idc struct {
		OrgID         string `json:"org_id"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&idc); err != nil || idc.OrgID != acme || idc.Email != "ann@acme.test" || !idc.EmailVerified {
		t.Fatalf("ID token claims %+v, %v (an accepted invitation verifies the email)", idc, err)
	}
	v, err := accesstoken.New(in.issuer, tripsAPI, accesstoken.WithHTTPClient(in.client))
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.OrganizationID != acme || !slices.Equal(c.Permissions, []string{"read:trips"}) || !c.HasScope("read:trips") || c.HasScope("book:trips") {
		t.Fatalf("Ann's access token: %+v", c)
	}
	refreshed, err := app.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
	if err != nil || refreshed.RefreshToken == tok.RefreshToken || refreshed.RefreshToken == "" {
		t.Fatalf("refresh: %v (rotated: %v)", err, refreshed != nil && refreshed.RefreshToken != tok.RefreshToken)
	}
	// The invitation is used: opening it again is refused.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(app.authorizeURL("organization", acme, "invitation", inv.str("ticket_id")))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc, _ := url.Parse(res.Header.Get("Location")); loc == nil || loc.Query().Get("error_description") != "invitation is invalid or has expired" {
		t.Fatalf("a used invitation: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	// 4. Ann logs out, then back in for acme with her password.
	do("log out", chromedp.Navigate(in.issuer+"v2/logout?client_id="+app.conf.ClientID+"&returnTo="+url.QueryEscape(app.srv.URL+"/bye")),
		chromedp.WaitVisible(chromedp.CSS("#bye")))
	do("log back in", chromedp.Navigate(app.authorizeURL("organization", acme)), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ann@acme.test"), chromedp.SendKeys(chromedp.CSS("#password"), "Ann-s3cret-passw0rd"),
		chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS("#signed-in")))
	if tok, err := app.conf.Exchange(ctx, app.lastCallback().Get("code"), oauth2.VerifierOption(app.verifier)); err != nil {
		t.Fatal(err)
	} else if c, err := v.Verify(ctx, tok.AccessToken); err != nil || c.OrganizationID != acme {
		t.Fatalf("after logging back in: %+v, %v", c, err)
	}

	// 5. Bob, who is not a member of globex, is refused there; its connection assigns no membership.
	must(t, in.api("POST", "/api/v2/users", admin, map[string]any{"connection": "Username-Password-Authentication",
		"email": "bob@globex.test", "password": "Bob-s3cret-passw0rd"}), 201)
	do("log out Ann", chromedp.Navigate(in.issuer+"v2/logout"), chromedp.WaitVisible(chromedp.CSS("main")))
	do("Bob logs in for globex", chromedp.Navigate(app.authorizeURL("organization", globex)), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "bob@globex.test"), chromedp.SendKeys(chromedp.CSS("#password"), "Bob-s3cret-passw0rd"),
		chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS("#signed-in")))
	if cb := app.lastCallback(); cb.Get("error") != "access_denied" || cb.Get("error_description") != "user is not a member of the organization" {
		t.Fatalf("Bob for globex: %v", cb)
	}

	// 6. A member of two organizations, without organization: the picker (post_login_prompt).
	ann := must(t, in.api("GET", "/api/v2/users-by-email?email=ann@acme.test", admin, nil), 200).list[0].(map[string]any)["user_id"].(string)
	must(t, in.api("POST", "/api/v2/organizations/"+globex+"/members", admin, map[string]any{"members": []string{ann}}), 204)
	must(t, in.api("PATCH", "/api/v2/clients/"+app.conf.ClientID, admin, map[string]any{"organization_require_behavior": "post_login_prompt"}), 200)
	// Without an organization yet, the login offers the connections enabled for the application.
	must(t, in.api("PATCH", "/api/v2/connections/"+conn+"/clients", admin, []map[string]any{{"client_id": app.conf.ClientID, "status": true}}), 204)
	do("log out Bob", chromedp.Navigate(in.issuer+"v2/logout"), chromedp.WaitVisible(chromedp.CSS("main")))
	do("Ann logs in without an organization", chromedp.Navigate(app.authorizeURL()), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ann@acme.test"), chromedp.SendKeys(chromedp.CSS("#password"), "Ann-s3cret-passw0rd"),
		chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS(".choices")))
	if names := eval(`[...document.querySelectorAll(".choice")].map(b => b.textContent).join(",")`); names != "Acme Travel,Globex" {
		t.Errorf("the picker offers %q", names)
	}
	do("pick Globex", chromedp.Click(chromedp.CSS(`button[value="`+globex+`"]`)), chromedp.WaitVisible(chromedp.CSS("#signed-in")))
	if tok, err := app.conf.Exchange(ctx, app.lastCallback().Get("code"), oauth2.VerifierOption(app.verifier)); err != nil {
		t.Fatal(err)
	} else if c, err := v.Verify(ctx, tok.AccessToken); err != nil || c.OrganizationID != globex || len(c.Permissions) != 0 {
		t.Fatalf("picked globex: %+v, %v (her role is acme's, not globex's)", c, err)
	}

	// 7. A client that asks for the organization first (pre_login_prompt).
	must(t, in.api("PATCH", "/api/v2/clients/"+app.conf.ClientID, admin, map[string]any{"organization_require_behavior": "pre_login_prompt"}), 200)
	do("log out", chromedp.Navigate(in.issuer+"v2/logout"), chromedp.WaitVisible(chromedp.CSS("main")))
	do("the organization page", chromedp.Navigate(app.authorizeURL()), chromedp.WaitVisible(chromedp.CSS("#organization")))
	if h := eval(`document.querySelector("h1").textContent`); h != "Enter your organization" {
		t.Errorf("the pre-login prompt is %q", h)
	}
}

// newBrowser starts headless Chromium for a test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	timeout, cancelTimeout := context.WithTimeout(context.Background(), 2*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(timeout, opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelTimeout() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}
