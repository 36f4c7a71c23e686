package login

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/tenant"
)

const (
	callback       = "https://app.example/callback"
	annPassword    = "Corr3ct-horse"
	loginChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// world is a login flow over a real tenant on SQLite: a web application with a callback, a database
// connection enabled for it and for acme, acme branded, and Ann, a member of acme.
type world struct {
	t      *testing.T
	srv    *httptest.Server
	ten    *tenant.Service
	st     store.Store
	client store.Client
	acme   store.Organization
	conn   store.Connection
	ann    store.User
}

func newWorld(t *testing.T, entry store.OrganizationConnection) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hasher, err := password.NewHasher(password.Options{Params: password.Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ten, err := tenant.Open(ctx, st, tenant.Options{Issuer: srv.URL + "/", Passwords: hasher})
	if err != nil {
		t.Fatal(err)
	}
	New(Config{Issuer: srv.URL + "/", Tenant: ten, Snapshot: ten.Directory().Snapshot, Logger: slog.New(slog.DiscardHandler)}).Mount(mux)
	w := &world{t: t, srv: srv, ten: ten, st: st}
	usage, behavior := "require", "no_prompt"
	if w.client, _, err = ten.CreateClient(ctx, tenant.ClientInput{Name: "Travel0", AppType: ptr("regular_web"),
		OrganizationUsage: &usage, OrganizationRequireBehavior: &behavior}); err != nil {
		t.Fatal(err)
	}
	w.updateClient(func(c *store.Client) {
		c.Callbacks, c.GrantTypes = []string{callback}, []string{"authorization_code", "refresh_token"}
		c.AllowedLogoutURLs = []string{"https://app.example/bye"}
	})
	if w.acme, err = ten.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme", DisplayName: ptr("Acme Corp"),
		Branding: &store.Branding{LogoURL: "https://acme.example/logo.png", Colors: &store.BrandingColors{Primary: "#ffd700", PageBackground: "#101010"}}}); err != nil {
		t.Fatal(err)
	}
	w.conn = store.Connection{ID: "con_db00000000000001", Name: "db", Strategy: store.StrategyAuth0, Options: json.RawMessage(`{}`)}
	if err := st.CreateConnection(ctx, w.conn, []string{w.client.ClientID}); err != nil {
		t.Fatal(err)
	}
	entry.OrganizationID, entry.ConnectionID = w.acme.ID, w.conn.ID
	if err := st.AddOrganizationConnection(ctx, entry, nil); err != nil {
		t.Fatal(err)
	}
	lc, err := ten.LoginConnection(ctx, w.client.ClientID, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.ann, err = ten.SignUp(ctx, lc, "ann@acme.test", annPassword, true); err != nil {
		t.Fatal(err)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func (w *world) updateClient(fn func(*store.Client)) {
	w.t.Helper()
	if _, err := w.st.UpdateClient(context.Background(), w.client.ClientID, func(c *store.Client) error { fn(c); return nil }); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) member(userID string) {
	w.t.Helper()
	if _, err := w.st.AddOrganizationMembers(context.Background(), w.acme.ID, []string{userID}, w.acme.CreatedAt); err != nil {
		w.t.Fatal(err)
	}
}

// browser is a person's browser: it keeps cookies and stops at the application's callback.
type browser struct {
	w *world
	c *http.Client
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{w: w, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "app.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// page is an answer: its status, final URL, body, and where it redirected to last.
type page struct {
	status   int
	url      *url.URL
	body     string
	location string
}

func (b *browser) do(req *http.Request) page {
	b.w.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(body), location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) page {
	req, _ := http.NewRequest("GET", b.w.srv.URL+path, nil)
	return b.do(req)
}

// submit posts a form of p (the first with the action) with the page's CSRF token and state.
func (b *browser) submit(p page, action string, fields url.Values) page {
	b.w.t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]*)"><input type="hidden" name="state" value="([^"]*)"`).FindStringSubmatch(p.body)
	if m == nil {
		b.w.t.Fatalf("no form on the page %s:\n%s", p.url, p.body)
	}
	fields.Set("csrf", m[1])
	req, _ := http.NewRequest("POST", b.w.srv.URL+action+"?state="+url.QueryEscape(m[2]), strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func authorizeQuery(clientID string, extra url.Values) string {
	q := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid profile"}, "state": {"xyz"}, "code_challenge": {loginChallenge}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	return "/authorize?" + q.Encode()
}

// callbackParams are the parameters of a redirect to the application's callback.
func (w *world) callbackParams(p page) url.Values {
	w.t.Helper()
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, callback) {
		w.t.Fatalf("status %d, Location %q, want a redirect to the callback; body:\n%.2000s", p.status, p.location, p.body)
	}
	u, _ := url.Parse(p.location)
	return u.Query()
}

func TestLoginInAnOrganization(t *testing.T) {
	w := newWorld(t, store.OrganizationConnection{})
	w.member(w.ann.ID)
	b := w.browser()

	login := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {"org_nope"}}))
	if q := w.callbackParams(login); q.Get("error") != "invalid_request" || q.Get("error_description") != "parameter organization is invalid: org_nope" {
		t.Fatalf("an unknown organization: %v", q)
	}
	if q := w.callbackParams(b.get(authorizeQuery(w.client.ClientID, nil))); q.Get("error_description") != "parameter organization is required for this client" {
		t.Fatalf("no organization for a client that requires one: %v", q)
	}

	login = b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}}))
	if login.status != http.StatusOK || login.url.Path != "/u/login" {
		t.Fatalf("the login page: %d %s", login.status, login.url)
	}
	for _, want := range []string{"Log in to Acme Corp", `src="https://acme.example/logo.png"`, "--primary:#ffd700", "--on-primary:#000000", "--background:#101010"} {
		if !strings.Contains(login.body, want) {
			t.Errorf("the login page lacks %q", want)
		}
	}
	wrong := b.submit(login, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {"nope"}})
	if wrong.status != http.StatusUnauthorized || !strings.Contains(wrong.body, "Wrong email or password.") || !strings.Contains(wrong.body, `value="ann@acme.test"`) {
		t.Fatalf("a wrong password: %d\n%s", wrong.status, wrong.body)
	}
	q := w.callbackParams(b.submit(wrong, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {annPassword}}))
	if q.Get("code") == "" || q.Get("state") != "xyz" || q.Get("iss") != w.srv.URL+"/" {
		t.Fatalf("the callback: %v", q)
	}

	// The session serves the next authorization without a page.
	q = w.callbackParams(b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}, "state": {"again"}})))
	if q.Get("code") == "" || q.Get("state") != "again" {
		t.Fatalf("with a session: %v", q)
	}
	// prompt=login shows the page again.
	if p := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}, "prompt": {"login"}})); p.url.Path != "/u/login" {
		t.Fatalf("prompt=login: %s", p.url)
	}
	// Another browser has no session: prompt=none says so.
	if q := w.callbackParams(w.browser().get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}, "prompt": {"none"}}))); q.Get("error") != "login_required" {
		t.Fatalf("prompt=none without a session: %v", q)
	}
	// Logout ends the session and goes back to an allowed URL only.
	if p := b.get("/v2/logout?client_id=" + w.client.ClientID + "&returnTo=" + url.QueryEscape("https://app.example/bye")); p.status != http.StatusFound || p.location != "https://app.example/bye" {
		t.Fatalf("logout: %d %q", p.status, p.location)
	}
	if p := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}})); p.url.Path != "/u/login" {
		t.Fatalf("after logout the login page is shown again: %s", p.url)
	}
	if p := b.get("/v2/logout?returnTo=" + url.QueryEscape("https://evil.example/")); p.status != http.StatusOK || !strings.Contains(p.body, "You are logged out.") {
		t.Fatalf("logout to a URL not allowed: %d %q", p.status, p.location)
	}
}

func TestLoginRefusesNonMembersUnlessTheConnectionAssignsMembership(t *testing.T) {
	for _, assign := range []bool{false, true} {
		w := newWorld(t, store.OrganizationConnection{AssignMembershipOnLogin: assign})
		b := w.browser()
		login := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {"acme"}}))
		if login.url.Path != "/u/login" {
			// Names are not allowed by default: acme by name is invalid; log in by id.
			login = b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}}))
		}
		q := w.callbackParams(b.submit(login, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {annPassword}}))
		member, _ := w.ten.IsMember(context.Background(), w.acme.ID, w.ann.ID)
		switch {
		case assign && (q.Get("code") == "" || !member):
			t.Errorf("with assign_membership_on_login: %v, member %v", q, member)
		case !assign && (q.Get("error") != "access_denied" || q.Get("error_description") != "user is not a member of the organization" || member):
			t.Errorf("without: %v, member %v", q, member)
		}
	}
}

func TestLoginPagesRefuseForgedOrForeignForms(t *testing.T) {
	w := newWorld(t, store.OrganizationConnection{})
	b := w.browser()
	login := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}}))
	state := login.url.Query().Get("state")

	forged := strings.Replace(login.body, `name="csrf" value="`, `name="csrf" value="x`, 1)
	if p := b.submit(page{body: forged, url: login.url}, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {annPassword}}); p.status != http.StatusForbidden {
		t.Errorf("a wrong CSRF token: %d", p.status)
	}
	if p := w.browser().get("/u/login?state=" + url.QueryEscape(state)); p.status != http.StatusBadRequest || !strings.Contains(p.body, "no longer valid") {
		t.Errorf("the transaction in another browser: %d", p.status)
	}
	req, _ := http.NewRequest("POST", w.srv.URL+"/u/login?state="+url.QueryEscape(state), strings.NewReader("email=a"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden {
		t.Errorf("a cross-site post: %d", p.status)
	}
	if p := b.get("/authorize?client_id=" + w.client.ClientID + "&redirect_uri=" + url.QueryEscape("https://evil.example/cb")); p.status != http.StatusBadRequest || p.location != "" {
		t.Errorf("an unregistered redirect_uri: %d %q", p.status, p.location)
	}
}

func TestSignupAndPicker(t *testing.T) {
	w := newWorld(t, store.OrganizationConnection{AssignMembershipOnLogin: true, IsSignupEnabled: true})
	// Post-login prompt: the client asks nothing first and lets the user pick.
	w.updateClient(func(c *store.Client) { c.OrganizationRequireBehavior = "post_login_prompt" })
	other, err := w.ten.CreateOrganization(context.Background(), tenant.OrganizationInput{Name: "globex", DisplayName: ptr("Globex")})
	if err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	login := b.get(authorizeQuery(w.client.ClientID, nil))
	if login.url.Path != "/u/login" {
		t.Fatalf("post_login_prompt starts at the login page: %s", login.url)
	}
	// Ann is in no organization: under require, she is refused.
	if q := w.callbackParams(b.submit(login, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {annPassword}})); q.Get("error_description") != "client requires organization membership, but user does not belong to any organization" {
		t.Fatalf("no organization: %v", q)
	}
	w.member(w.ann.ID)
	if _, err := w.st.AddOrganizationMembers(context.Background(), other.ID, []string{w.ann.ID}, other.CreatedAt); err != nil {
		t.Fatal(err)
	}
	picker := b.get(authorizeQuery(w.client.ClientID, nil)) // the session goes straight to the picker
	if !strings.Contains(picker.body, "Choose an Organization") || !strings.Contains(picker.body, "Acme Corp") || !strings.Contains(picker.body, "Globex") {
		t.Fatalf("the picker:\n%s", picker.body)
	}
	if q := w.callbackParams(b.submit(picker, "/u/organization-picker", url.Values{"organization": {other.ID}})); q.Get("code") == "" {
		t.Fatalf("picking globex: %v", q)
	}

	// Sign-up of a new person in acme through the organization's entry, which allows it.
	nb := w.browser()
	w.updateClient(func(c *store.Client) { c.OrganizationRequireBehavior = "no_prompt" })
	signup := nb.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}, "screen_hint": {"signup"}}))
	if signup.url.Path != "/u/signup" || !strings.Contains(signup.body, "Sign up to Acme Corp") {
		t.Fatalf("the sign-up page: %s\n%s", signup.url, signup.body)
	}
	weak := nb.submit(signup, "/u/signup", url.Values{"email": {"bob@acme.test"}, "password": {"short"}})
	if weak.status != http.StatusBadRequest || !strings.Contains(weak.body, "too weak") {
		t.Fatalf("a weak password: %d", weak.status)
	}
	if q := w.callbackParams(nb.submit(weak, "/u/signup", url.Values{"email": {"bob@acme.test"}, "password": {"Anoth3r-secret"}})); q.Get("code") == "" {
		t.Fatalf("sign-up: %v", q)
	}
}

func (w *world) invite(email string) store.Invitation {
	w.t.Helper()
	now := w.acme.CreatedAt
	inv := store.Invitation{ID: "uinv_" + strings.Repeat("a", 16), OrganizationID: w.acme.ID, InviterName: "Carol", InviteeEmail: email,
		ClientID: w.client.ClientID, TicketID: strings.Repeat("T", 32), CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
	if err := w.st.CreateInvitation(context.Background(), inv, true); err != nil {
		w.t.Fatal(err)
	}
	return inv
}

func TestInvitation(t *testing.T) {
	w := newWorld(t, store.OrganizationConnection{IsSignupEnabled: true, AssignMembershipOnLogin: true})
	inv := w.invite("dan@acme.test")
	invited := url.Values{"organization": {w.acme.ID}, "invitation": {inv.TicketID}}

	t.Run("fail/an invitation with an organization that does not exist", func(t *testing.T) {
		other := url.Values{"organization": {"org_other"}, "invitation": {inv.TicketID}}
		if q := w.callbackParams(w.browser().get(authorizeQuery(w.client.ClientID, other))); q.Get("error_description") != "parameter organization is invalid: org_other" {
			t.Fatalf("%v", q)
		}
	})
	t.Run("fail/an unknown ticket", func(t *testing.T) {
		bad := url.Values{"organization": {w.acme.ID}, "invitation": {"nope"}}
		if q := w.callbackParams(w.browser().get(authorizeQuery(w.client.ClientID, bad))); q.Get("error_description") != "invitation is invalid or has expired" {
			t.Fatalf("%v", q)
		}
	})
	t.Run("fail/another account cannot accept it, and it stays", func(t *testing.T) {
		b := w.browser()
		login := b.get(authorizeQuery(w.client.ClientID, invited))
		if !strings.Contains(login.body, "&#34;Carol&#34; has invited you (&#34;dan@acme.test&#34;) to join &#34;Acme Corp&#34; on &#34;Travel0&#34;.") {
			t.Fatalf("the invitation's text:\n%s", login.body)
		}
		// The email is fixed to the invitee's: Ann's credentials are checked as Dan's, and fail.
		if p := b.submit(login, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {annPassword}}); p.status != http.StatusUnauthorized {
			t.Fatalf("Ann with Dan's invitation: %d", p.status)
		}
		if _, err := w.ten.InvitationByTicket(context.Background(), inv.TicketID); err != nil {
			t.Fatalf("the invitation is gone: %v", err)
		}
	})
	t.Run("ok/the invitee signs up, joins acme, and the invitation is used", func(t *testing.T) {
		b := w.browser()
		signup := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}, "invitation": {inv.TicketID}, "screen_hint": {"signup"}}))
		if !strings.Contains(signup.body, `value="dan@acme.test" readonly`) {
			t.Fatalf("the sign-up page does not fix the invitee's email:\n%s", signup.body)
		}
		q := w.callbackParams(b.submit(signup, "/u/signup", url.Values{"email": {"mallory@evil.test"}, "password": {"Dan-s3cret-pw"}}))
		if q.Get("code") == "" {
			t.Fatalf("%v", q)
		}
		users, err := w.st.ListUsersByEmail(context.Background(), "dan@acme.test")
		if err != nil || len(users) != 1 || !users[0].EmailVerified {
			t.Fatalf("Dan: %+v, %v", users, err)
		}
		if member, _ := w.ten.IsMember(context.Background(), w.acme.ID, users[0].ID); !member {
			t.Error("Dan is not a member of acme")
		}
		if _, err := w.ten.InvitationByTicket(context.Background(), inv.TicketID); err == nil {
			t.Error("the invitation can be used again")
		}
		if q := w.callbackParams(w.browser().get(authorizeQuery(w.client.ClientID, invited))); q.Get("error_description") != "invitation is invalid or has expired" {
			t.Fatalf("a used invitation: %v", q)
		}
	})
}

func TestOIDCLogoutConfirmation(t *testing.T) {
	w := newWorld(t, store.OrganizationConnection{})
	w.member(w.ann.ID)
	b := w.browser()
	login := b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}}))
	w.callbackParams(b.submit(login, "/u/login", url.Values{"email": {"ann@acme.test"}, "password": {annPassword}}))

	confirm := b.get("/oidc/logout?client_id=" + w.client.ClientID + "&state=s9")
	m := regexp.MustCompile(`name="confirm" value="([^"]+)"`).FindStringSubmatch(confirm.body)
	if confirm.status != http.StatusOK || m == nil {
		t.Fatalf("the confirmation page: %d\n%s", confirm.status, confirm.body)
	}
	post := func(token string) page {
		form := url.Values{"confirm": {token}, "client_id": {w.client.ClientID}, "state": {"s9"}}
		req, _ := http.NewRequest("POST", w.srv.URL+"/u/logout", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return b.do(req)
	}
	if p := post("forged"); p.status != http.StatusOK || !strings.Contains(p.body, "Do you want to log out?") {
		t.Fatalf("a forged confirmation: %d", p.status)
	}
	m = regexp.MustCompile(`name="confirm" value="([^"]+)"`).FindStringSubmatch(b.get("/oidc/logout?client_id=" + w.client.ClientID + "&state=s9").body)
	if p := post(m[1]); p.status != http.StatusFound || p.location != "https://app.example/bye?state=s9" {
		t.Fatalf("confirmed: %d %q", p.status, p.location)
	}
	if q := w.callbackParams(b.get(authorizeQuery(w.client.ClientID, url.Values{"organization": {w.acme.ID}, "prompt": {"none"}}))); q.Get("error") != "login_required" {
		t.Fatalf("after the logout: %v", q)
	}
}
