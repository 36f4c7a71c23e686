package dashboard_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/server"
	"github.com/orgauth/orgauth/internal/tenant"
)

const (
	chromium      = "/usr/bin/chromium"
	adminEmail    = "admin@example.com"
	adminPassword = "a long and private passphrase"
	reportsAPI    = "https://reports.example.com/"
	// stepTimeout bounds one step, so that a missing element fails with the page it was missing from.
	stepTimeout = 15 * time.Second
)

// TestBrowser drives the dashboard in headless Chromium the way an administrator would, and checks the
// result where it matters: at the token endpoint, over plain HTTP.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v (apt-get install -y chromium)", err)
		}
		t.Skipf("no Chromium at %s (apt-get install -y chromium)", chromium)
	}
	srv, base := startServer(t)
	ctx := newBrowser(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			u, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v\nat %s:\n%s", what, err, u, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	location := func() string {
		t.Helper()
		u, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("read the location: %v", err)
		}
		return u
	}
	const submit = `main button.btn-primary[type="submit"]`

	// A page without a session sends the browser to sign-in, and a wrong password is refused.
	do("open a page without a session", chromedp.Navigate(base+"dashboard/organizations"), chromedp.WaitVisible(chromedp.CSS("#email")))
	if u := location(); !strings.Contains(u, "/dashboard/signin?next=%2Fdashboard%2Forganizations") {
		t.Fatalf("without a session the page went to %s, want the sign-in page", u)
	}
	do("sign in with a wrong password",
		chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS("#signin-error")))
	if got := text("#signin-error"); got != "Wrong email or password." {
		t.Fatalf("wrong password: %q", got)
	}
	do("sign in",
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS(`.search`)))
	if u := location(); !strings.HasSuffix(u, "/dashboard/organizations") {
		t.Fatalf("after sign-in the browser is at %s, want the page it asked for", u)
	}

	// A form whose CSRF token was taken out is refused.
	do("open a form", chromedp.Navigate(base+"dashboard/organizations/new"))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('main input[name="csrf"]').remove(); true`)); err != nil {
		t.Fatal(err)
	}
	do("post the form without its CSRF token",
		chromedp.SendKeys(chromedp.CSS("#name"), "forged"),
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS(".error-status")))
	if got := text(".error-status"); got != "403" {
		t.Fatalf("a form without CSRF token got %s", got)
	}

	// An API, an application (its secret read off the page) and an organization.
	do("create an API",
		chromedp.Navigate(base+"dashboard/apis/new"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Reports API"),
		chromedp.SendKeys(chromedp.CSS("#identifier"), reportsAPI),
		chromedp.SendKeys(chromedp.CSS(`input[name="scope_value"]`), "read:reports"),
		chromedp.SendKeys(chromedp.CSS(`input[name="scope_description"]`), "Read reports"),
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	applications := func() int {
		t.Helper()
		l, err := srv.Tenant().Clients(context.Background(), tenant.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items)
	}
	before := applications()
	do("create an application",
		chromedp.Navigate(base+"dashboard/applications/new"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme reporting bot"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Exports Acme's reports every night"),
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS("#client-secret")))
	clientID, secret := text("#client-id"), text("#client-secret")
	do("click the secret's copy button",
		chromedp.Click(chromedp.CSS(`[data-copy="client-secret"]`)),
		chromedp.Sleep(100*time.Millisecond))
	if text(`[data-copy="client-secret"] span`) == "Copy" {
		t.Error("the copy button did nothing: is the script blocked?")
	}
	// A reload makes no second application and shows the secret no more.
	do("reload the page that showed the secret", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main")))
	if n := applications(); n != before+1 {
		t.Fatalf("after a reload: %d applications, want %d", n, before+1)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#client-secret").length`)); err != nil || n != 0 {
		t.Fatalf("after a reload the page shows the secret (%d, %v)", n, err)
	}
	if got := text(".secret .alert"); !strings.Contains(got, "was shown once") || strings.Contains(got, secret) {
		t.Fatalf("after a reload the page says %q", got)
	}
	if u := location(); !strings.HasSuffix(u, "/dashboard/applications/"+clientID+"/secret") || strings.Contains(u, secret) {
		t.Fatalf("the secret is shown at %s, want the application's secret page (post/redirect/get)", u)
	}
	do("create an organization",
		chromedp.Navigate(base+"dashboard/organizations/new"),
		chromedp.SendKeys(chromedp.CSS("#name"), "acme"),
		chromedp.SendKeys(chromedp.CSS("#display_name"), "Acme Inc."),
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	orgID := text("#org-id")
	checkColorsNotSet(t, ctx, srv.Tenant(), orgID)
	seedNeighbours(t, srv.Tenant())

	// The application's APIs tab: authorize the API with Required organization support.
	card := `form[data-api="` + reportsAPI + `"] `
	do("authorize the API with Required organization support",
		chromedp.Navigate(base+"dashboard/applications/"+clientID+"/apis"),
		chromedp.Click(chromedp.CSS(card+`input[name="authorized"]`)),
		chromedp.Click(chromedp.CSS(card+`input[name="scope"][value="read:reports"]`)),
		chromedp.Click(chromedp.CSS(card+`input[name="organization_usage"][value="require"]`)),
		chromedp.Click(chromedp.CSS(card+`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(card + ".grant-foot span"); got != "Authorized · organization support Required" {
		t.Fatalf("the API's card says %q", got)
	}
	do("reload the tab at its top", chromedp.Navigate(base+"dashboard/applications/"+clientID+"/apis"))
	screenshot(t, ctx, "application-apis.png")

	// authenticate adds the application's credentials to a token request: its secret, and after the
	// switch to private_key_jwt a fresh signed assertion.
	authenticate := func(form url.Values) { form.Set("client_secret", secret) }
	token := func(organization string) (int, map[string]any) {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "audience": {reportsAPI}, "organization": {organization}}
		authenticate(form)
		return requestToken(t, base, form)
	}
	if status, body := token(orgID); status != http.StatusForbidden {
		t.Fatalf("before Add Access: status %d %v, want 403", status, body)
	}

	// The organization's Machine to Machine Access tab: Add Access, application then API.
	do("open Add Access",
		chromedp.Navigate(base+"dashboard/organizations/"+orgID+"/access"),
		chromedp.Click(chromedp.CSS(`a[href$="/access/add"]`)),
		chromedp.WaitVisible(chromedp.CSS("#client_id")))
	do("choose the application (the page moves on by itself)",
		chromedp.SetValue(chromedp.CSS("#client_id"), clientID),
		chromedp.WaitVisible(chromedp.CSS(`input[name="grant_id"]`)))
	do("choose the API",
		chromedp.Click(chromedp.CSS(`input[name="grant_id"][data-audience="`+reportsAPI+`"]`)))
	do("add access",
		chromedp.Click(chromedp.CSS(submit)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(".notice"); !strings.HasPrefix(got, "Access added") {
		t.Fatalf("notice %q", got)
	}
	screenshot(t, ctx, "organization-access.png")

	status, body := token(orgID)
	if status != http.StatusOK {
		t.Fatalf("after Add Access: status %d %v, want a token", status, body)
	}
	if claims := claimsOf(t, body); claims["org_id"] != orgID || claims["scope"] != "read:reports" || claims["aud"] != reportsAPI {
		t.Fatalf("token claims %v", claims)
	}
	checkQuickStartCurl(t, ctx, base, clientID, "CLIENT_SECRET="+secret, orgID)

	// The Credentials tab: add a public key, switch to private_key_jwt (the confirmation is accepted),
	// and get tokens with assertions signed by the private key; the secret is refused from then on.
	key, publicPEM := newRSAKey(t)
	do("add a credential",
		chromedp.Navigate(base+"dashboard/applications/"+clientID+"/credentials"),
		chromedp.SendKeys(chromedp.CSS("#add-credential #name"), "Reporting key 2026"),
		chromedp.SetValue(chromedp.CSS("#alg"), "PS256"),
		chromedp.SetValue(chromedp.CSS("#pem"), publicPEM),
		chromedp.Click(chromedp.CSS(`#add-credential button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	kid := text("#credentials code.kid")
	if got := text("#credentials tbody tr td:nth-child(5)"); got != "Not used" {
		t.Fatalf("a new credential shows as %q", got)
	}
	do("use private_key_jwt with the credential",
		chromedp.Click(chromedp.CSS(`#use-private-key-jwt button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text("#auth-method"); got != "Private key JWT" {
		t.Fatalf("after the switch the method is %q", got)
	}
	if got := text("#credentials tbody tr td:nth-child(5)"); got != "In use" {
		t.Fatalf("after the switch the credential shows as %q", got)
	}
	screenshot(t, ctx, "application-credentials.png")
	if status, body := token(orgID); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("the secret after the switch: status %d %v, want 401 invalid_client", status, body)
	}
	authenticate = func(form url.Values) {
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", signAssertion(t, key, jose.PS256, kid, clientID, base))
	}
	status, body = token(orgID)
	if status != http.StatusOK {
		t.Fatalf("with a signed assertion: status %d %v, want a token", status, body)
	}
	if claims := claimsOf(t, body); claims["org_id"] != orgID || claims["azp"] != clientID {
		t.Fatalf("token claims %v", claims)
	}
	checkQuickStartCurl(t, ctx, base, clientID, "CLIENT_ASSERTION="+signAssertion(t, key, jose.PS256, kid, clientID, base), orgID)

	// Remove the access (the confirmation is accepted): the application gets no token for it any more.
	do("remove the access",
		chromedp.Navigate(base+"dashboard/organizations/"+orgID+"/access"),
		chromedp.Click(chromedp.CSS(`#access tr button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(".notice"); got != "Access removed." {
		t.Fatalf("notice %q", got)
	}
	if status, body := token(orgID); status != http.StatusForbidden || body["error"] != "access_denied" {
		t.Fatalf("after Remove: status %d %v, want 403 access_denied", status, body)
	}
}

// checkColorsNotSet looks at the colors of an organization without branding: no picker shows a color
// (a color input cannot be empty, and shows black), saving the form leaves the colors unset, and a color
// picked and then cleared is unset again.
func checkColorsNotSet(t *testing.T, ctx context.Context, ten *tenant.Service, orgID string) {
	t.Helper()
	const shown = `[...document.querySelectorAll("input[type=color]")].filter((p) => getComputedStyle(p).opacity !== "0").map((p) => p.dataset.colorFor + " " + p.value)`
	visible := func() []string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](shown))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := visible(); len(got) != 0 {
		t.Errorf("with no colors set, the pickers show %v", got)
	}
	// The page may show a notice already (the organization was just created): remove it, so that the
	// notice waited for is the next page's, and nothing below runs on a page that is being left.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll(".notice").forEach((n) => n.remove()); true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`main button.btn-primary[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if o, err := ten.Organization(context.Background(), orgID); err != nil || o.Branding != nil {
		t.Fatalf("saving the form untouched set branding %+v (%v)", o.Branding, err)
	}
	pick := `(() => { const p = document.querySelector('input[data-color-for="primary"]'); p.value = "#0059d6"; p.dispatchEvent(new Event("input", { bubbles: true })); return document.getElementById("primary").value; })()`
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](pick)); err != nil || got != "#0059d6" {
		t.Fatalf("picking a color wrote %q (%v) into the field", got, err)
	}
	if got := visible(); len(got) != 1 || got[0] != "primary #0059d6" {
		t.Errorf("after picking a primary color, the pickers show %v", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-clear-color="primary"]`))); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("primary").value`)); err != nil || got != "" {
		t.Errorf("Clear left %q (%v) in the field", got, err)
	}
	if got := visible(); len(got) != 0 {
		t.Errorf("after Clear, the pickers show %v", got)
	}
}

// startServer runs the whole orgauth (token endpoint, Management API, dashboard) on a temp-dir store,
// with the administrator created from the bootstrap settings.
func startServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/"
	cfg := config.Config{Addr: ln.Addr().String(), Issuer: issuer, DB: filepath.Join(t.TempDir(), "orgauth.db"),
		BootstrapAdminEmail: adminEmail, BootstrapAdminPassword: adminPassword, LogLevel: "info", LogFormat: "text"}
	srv, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv, issuer
}

// newBrowser starts a fresh headless Chromium with its own profile, which accepts every confirmation
// dialog, and stops it when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 800),
	)
	timeout, cancelTimeout := context.WithTimeout(context.Background(), 90*time.Second)
	alloc, cancelAlloc := chromedp.NewExecAllocator(timeout, opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// seedNeighbours adds what a real tenant has around the organization: another API, and a partner's
// application that reaches every organization, so that the pages show more than one row.
func seedNeighbours(t *testing.T, ten *tenant.Service) {
	t.Helper()
	ctx := context.Background()
	name, scopes := "Invoices API", []tenant.Scope{{Value: "read:invoices"}}
	if _, err := ten.CreateResourceServer(ctx, tenant.ResourceServerInput{Identifier: "https://invoices.example.com/", Name: &name, Scopes: &scopes}); err != nil {
		t.Fatal(err)
	}
	appType := "non_interactive"
	c, _, err := ten.CreateClient(ctx, tenant.ClientInput{Name: "Partner sync", AppType: &appType})
	if err != nil {
		t.Fatal(err)
	}
	usage, anyOrg := tenant.UsageAllow, true
	if _, err := ten.CreateClientGrant(ctx, tenant.ClientGrantInput{ClientID: c.ClientID, Audience: "https://invoices.example.com/",
		Scope: []string{"read:invoices"}, OrganizationUsage: &usage, AllowAnyOrganization: &anyOrg}); err != nil {
		t.Fatal(err)
	}
}

// checkQuickStartCurl runs the Quick start tab's curl command, as shown, with the secret or the
// assertion in the environment (env is NAME=value), when curl is installed.
func checkQuickStartCurl(t *testing.T, ctx context.Context, base, clientID, env, orgID string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"dashboard/applications/"+clientID+"/quickstart")); err != nil {
		t.Fatal(err)
	}
	snippet, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#snippet-curl")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(snippet, "organization="+orgID) {
		t.Fatalf("the quick start does not use the organization:\n%s", snippet)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Log("no curl: the quick start command is not run")
		return
	}
	cmd := exec.Command("sh", "-c", snippet+" --silent")
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("quick start curl: %v\n%s", err, snippet)
	}
	var body map[string]any
	if err := json.Unmarshal(out, &body); err != nil {
		t.Fatalf("quick start curl answered %s", out)
	}
	if claims := claimsOf(t, body); claims["org_id"] != orgID {
		t.Fatalf("quick start token claims %v", claims)
	}
}

// screenshot saves the viewport as docs/screenshots/name when ORGAUTH_UPDATE_SCREENSHOTS=1.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("ORGAUTH_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) > 200<<10 {
		t.Errorf("screenshot %s is %d KB, want under 200 KB", name, len(png)>>10)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// newRSAKey makes the key pair an administrator would with openssl: the private key stays here, the
// public key goes into the dashboard as PEM.
func newRSAKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// signAssertion is a private_key_jwt client assertion, as the Quick start's Go code makes it.
func signAssertion(t *testing.T, key *rsa.PrivateKey, alg jose.SignatureAlgorithm, kid, clientID, issuer string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{issuer},
		ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func requestToken(t *testing.T, base string, form url.Values) (int, map[string]any) {
	t.Helper()
	res, err := http.PostForm(base+"oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("token endpoint answered %d %s", res.StatusCode, raw)
	}
	return res.StatusCode, body
}

// claimsOf reads an access token's claims; the token endpoint's tests check its signature.
func claimsOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	token, _ := body["access_token"].(string)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("no JWT in %v", body)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
