package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

const (
	peopleCallback = "https://travel0.example/callback"
	tripsAPI       = "https://trips.example"
	annPassword    = "Corr3ct-horse-battery"
)

// peopleWorld is the people half's story on a running orgauth: Travel0's web application, its trips
// API (permissions in its tokens), the organization acme and Ann, a member of acme with the role
// trip-planner. It is set up through the tenant and the store (the Management API's endpoints for
// people are tested in internal/mgmt).
type peopleWorld struct {
	in           *instance
	clientID     string
	clientSecret string
	acme         store.Organization
	ann          store.User
}

func newPeopleWorld(t *testing.T) *peopleWorld {
	t.Helper()
	in := start(t, "", "")
	ctx := context.Background()
	ten, st := in.srv.tenant, in.srv.store
	api, err := ten.CreateResourceServer(ctx, tenant.ResourceServerInput{Identifier: tripsAPI,
		Scopes: &[]store.Scope{{Value: "read:trips"}, {Value: "book:trips"}}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = st.UpdateResourceServer(ctx, api.ID, func(rs *store.ResourceServer) error {
		rs.AllowOfflineAccess, rs.EnforcePolicies, rs.TokenDialect = true, true, store.DialectAccessTokenAuthz
		return nil
	})
	must(err)
	usage := "require"
	c, secret, err := ten.CreateClient(ctx, tenant.ClientInput{Name: "Travel0", AppType: ptr("regular_web"), OrganizationUsage: &usage})
	must(err)
	_, err = st.UpdateClient(ctx, c.ClientID, func(c *store.Client) error {
		c.Callbacks, c.GrantTypes, c.RefreshToken = []string{peopleCallback}, []string{"authorization_code", "refresh_token"}, store.DefaultRefreshTokenConfig()
		c.AllowedLogoutURLs = []string{"https://travel0.example/bye"}
		return nil
	})
	must(err)
	w := &peopleWorld{in: in, clientID: c.ClientID, clientSecret: secret}
	w.acme, err = ten.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme", DisplayName: ptr("Acme")})
	must(err)
	conn := store.Connection{ID: "con_db00000000000001", Name: "Username-Password", Strategy: store.StrategyAuth0, Options: json.RawMessage(`{}`)}
	must(st.CreateConnection(ctx, conn, []string{c.ClientID}))
	must(st.AddOrganizationConnection(ctx, store.OrganizationConnection{OrganizationID: w.acme.ID, ConnectionID: conn.ID}, nil))
	lc, err := ten.LoginConnection(ctx, c.ClientID, "")
	must(err)
	w.ann, err = ten.SignUp(ctx, lc, "ann@acme.test", annPassword, true)
	must(err)
	_, err = st.AddOrganizationMembers(ctx, w.acme.ID, []string{w.ann.ID}, time.Now())
	must(err)
	must(st.CreateRole(ctx, store.Role{ID: "rol_planner000000001", Name: "trip-planner", CreatedAt: time.Now(), UpdatedAt: time.Now()}))
	must(st.AddRolePermissions(ctx, "rol_planner000000001", []store.Permission{{ResourceServerIdentifier: tripsAPI, PermissionName: "read:trips"}}, nil))
	must(st.AssignMemberRoles(ctx, w.acme.ID, w.ann.ID, []string{"rol_planner000000001"}, nil))
	return w
}

func (w *peopleWorld) oauth2Config() *oauth2.Config {
	return &oauth2.Config{ClientID: w.clientID, ClientSecret: w.clientSecret, RedirectURL: peopleCallback,
		Endpoint: oauth2.Endpoint{AuthURL: w.in.issuer + "authorize", TokenURL: w.in.issuer + "oauth/token"},
		Scopes:   []string{"openid", "profile", "email", "offline_access", "read:trips", "book:trips"}}
}

// logIn drives a browser from the authorization URL through the login page to the callback and
// returns the callback's parameters.
func (w *peopleWorld) logIn(t *testing.T, authURL, email, password string) url.Values {
	t.Helper()
	return w.logInWith(t, browser(), authURL, email, password)
}

// browser is a person's browser: it keeps cookies and stops at Travel0's pages.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "travel0.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func (w *peopleWorld) logInWith(t *testing.T, b *http.Client, authURL, email, password string) url.Values {
	t.Helper()
	res, err := b.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]*)"><input type="hidden" name="state" value="([^"]*)"`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no login form at %s:\n%s", res.Request.URL, body)
	}
	res, err = b.PostForm(w.in.issuer+"u/login?state="+url.QueryEscape(m[2]), url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || loc.Host != "travel0.example" {
		t.Fatalf("after the login: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	return loc.Query()
}

// TestPeopleLogInThroughTheirOrganization is the people half's path end to end, with real clients: Ann
// logs in for acme through /authorize with x/oauth2 (PKCE S256), the application exchanges the code,
// go-oidc verifies the ID token by discovery, accesstoken verifies the access token (org_id, the
// permissions of her role in acme), /userinfo answers, and the refresh token rotates; using a rotated
// one again revokes the whole family.
func TestPeopleLogInThroughTheirOrganization(t *testing.T) {
	w := newPeopleWorld(t)
	ctx := context.Background()
	conf := w.oauth2Config()
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("organization", w.acme.ID),
		oauth2.SetAuthURLParam("audience", tripsAPI), oauth2.SetAuthURLParam("nonce", "n0nce"))
	q := w.logIn(t, authURL, "ann@acme.test", annPassword)
	if q.Get("state") != "st4te" || q.Get("iss") != w.in.issuer || q.Get("code") == "" {
		t.Fatalf("callback %v", q)
	}
	if _, err := conf.Exchange(ctx, q.Get("code")); err == nil {
		t.Fatal("the code was redeemed without its verifier")
	}
	// The failed attempt consumed the code: log in again for a fresh one.
	q = w.logIn(t, conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("organization", w.acme.ID),
		oauth2.SetAuthURLParam("audience", tripsAPI), oauth2.SetAuthURLParam("nonce", "n0nce")), "ann@acme.test", annPassword)
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.Extra("id_token") == nil {
		t.Fatalf("token answer %+v", tok)
	}

	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, w.in.client), strings.TrimSuffix(w.in.issuer, "/")+"/")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: w.clientID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var idc struct {
		Email string `json:"email"`
		OrgID string `json:"org_id"`
	}
	if err := idt.Claims(&idc); err != nil || idt.Nonce != "n0nce" || idt.Subject != w.ann.ID || idc.OrgID != w.acme.ID || idc.Email != "ann@acme.test" {
		t.Fatalf("ID token %+v %+v %v", idt, idc, err)
	}

	v, err := accesstoken.New(w.in.issuer, tripsAPI, accesstoken.WithHTTPClient(w.in.client))
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != w.ann.ID || c.OrganizationID != w.acme.ID || !slices.Equal(c.Permissions, []string{"read:trips"}) ||
		!c.HasScope("read:trips") || c.HasScope("book:trips") || c.ClientID != w.clientID {
		t.Fatalf("access token claims %+v", c)
	}

	ui, err := provider.UserInfo(oidc.ClientContext(ctx, w.in.client), oauth2.StaticTokenSource(tok))
	if err != nil || ui.Email != "ann@acme.test" || ui.Subject != w.ann.ID {
		t.Fatalf("userinfo %+v, %v", ui, err)
	}

	// The refresh token rotates; the one used before revokes the family when presented again.
	old := tok.RefreshToken
	refreshed, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == old {
		t.Fatalf("the refresh token did not rotate: %q", refreshed.RefreshToken)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}).Token(); !isInvalidGrant(err, 403) {
		t.Fatalf("a rotated refresh token again: %v", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshed.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token(); !isInvalidGrant(err, 403) {
		t.Fatalf("the family's latest token after the reuse: %v", err)
	}
}

// A member removed from the organization can no longer refresh: the refresh decides again.
func TestRefreshStopsWhenTheMembershipEnds(t *testing.T) {
	w := newPeopleWorld(t)
	ctx := context.Background()
	conf := w.oauth2Config()
	verifier := oauth2.GenerateVerifier()
	q := w.logIn(t, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("organization", w.acme.ID),
		oauth2.SetAuthURLParam("audience", tripsAPI)), "ann@acme.test", annPassword)
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.in.srv.store.RemoveOrganizationMembers(ctx, w.acme.ID, []string{w.ann.ID}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token(); !isInvalidGrant(err, 403) {
		t.Fatalf("refresh after the removal: %v", err)
	}
}

func isInvalidGrant(err error, status int) bool {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return false
	}
	return re.ErrorCode == "invalid_grant" && re.Response.StatusCode == status
}

func ptr[T any](v T) *T { return &v }

// RP-initiated logout: with a valid id_token_hint the session ends at once and the browser goes to
// an allowed URL with its state; a hint for another client, or a URL not allowed, is refused; without a
// hint the person confirms.
func TestOIDCLogout(t *testing.T) {
	w := newPeopleWorld(t)
	ctx := context.Background()
	conf := w.oauth2Config()
	b := browser()
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("organization", w.acme.ID))
	q := w.logInWith(t, b, authURL, "ann@acme.test", annPassword)
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	hint := tok.Extra("id_token").(string)
	get := func(c *http.Client, params url.Values) *http.Response {
		t.Helper()
		res, err := c.Get(w.in.issuer + "oidc/logout?" + params.Encode())
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	if res := get(b, url.Values{"id_token_hint": {hint}, "client_id": {"another"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a client_id that is not the hint's audience: %d", res.StatusCode)
	}
	if res := get(b, url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a redirect not allowed: %d", res.StatusCode)
	}
	if res := get(b, url.Values{"id_token_hint": {hint + "x"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a forged hint: %d", res.StatusCode)
	}
	// Without a hint, with a session: a confirmation page, and the session stays.
	if res := get(b, url.Values{"client_id": {w.clientID}}); res.StatusCode != http.StatusOK {
		t.Errorf("without a hint: %d, want the confirmation page", res.StatusCode)
	}
	if q := w.silentAuthorize(t, b); q.Get("code") == "" {
		t.Fatalf("the session ended without a confirmation: %v", q)
	}
	res := get(b, url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://travel0.example/bye"}, "state": {"st"}})
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://travel0.example/bye?state=st" {
		t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if q := w.silentAuthorize(t, b); q.Get("error") != "login_required" {
		t.Fatalf("after logout: %v", q)
	}
}

// silentAuthorize asks for a code with prompt=none and returns the callback's parameters.
func (w *peopleWorld) silentAuthorize(t *testing.T, b *http.Client) url.Values {
	t.Helper()
	conf := w.oauth2Config()
	res, err := b.Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("organization", w.acme.ID), oauth2.SetAuthURLParam("prompt", "none")))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	return loc.Query()
}

// A person can never get a token for the Management API: /authorize does not know it as an audience.
func TestPeopleGetNoManagementAPIToken(t *testing.T) {
	w := newPeopleWorld(t)
	conf := w.oauth2Config()
	conf.Scopes = []string{"openid", "read:clients", "create:clients"}
	verifier := oauth2.GenerateVerifier()
	res, err := browser().Get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("organization", w.acme.ID),
		oauth2.SetAuthURLParam("audience", w.in.issuer+"api/v2/")))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("error_description") != "Service not found: "+w.in.issuer+"api/v2/" {
		t.Fatalf("the Management API as a person's audience: %d %v", res.StatusCode, q)
	}
}
