package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	check := func(t *testing.T, p page) {
		t.Helper()
		want := map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
				"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
			"X-Frame-Options":        "DENY",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
			"Referrer-Policy":        "same-origin",
		}
		for k, v := range want {
			if got := p.header.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	}
	t.Run("on the sign-in page", func(t *testing.T) { check(t, h.get("/dashboard/signin")) })
	h.signIn()
	for _, path := range []string{"/dashboard/applications", "/dashboard/organizations", "/dashboard/no-such-page"} {
		t.Run("on "+path, func(t *testing.T) { check(t, h.get(path)) })
	}
	t.Run("an unknown page is a 404 page", func(t *testing.T) {
		p := h.get("/dashboard/no-such-page")
		wantStatus(t, p, http.StatusNotFound)
		wantBody(t, p, "There is no such page in the dashboard.")
	})
	t.Run("pages carry no inline script or style", func(t *testing.T) {
		for _, path := range []string{"/dashboard/signin", "/dashboard/applications/new", "/dashboard/organizations/new", "/dashboard/settings"} {
			p := h.get(path)
			for _, inline := range []string{"<script>", "style=", "<style", "onclick", "onsubmit", "javascript:"} {
				if strings.Contains(p.body, inline) {
					t.Errorf("%s contains %q", path, inline)
				}
			}
		}
	})
	t.Run("assets are versioned and cached", func(t *testing.T) {
		p := h.get("/dashboard/applications")
		for _, name := range []string{"dashboard.css", "dashboard.js"} {
			i := strings.Index(p.body, "/dashboard/static/"+name+"?v=")
			if i < 0 {
				t.Fatalf("page does not link %s", name)
			}
			link := p.body[i:]
			link = link[:strings.IndexByte(link, '"')]
			asset := h.get(link)
			wantStatus(t, asset, http.StatusOK)
			if cc := asset.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("%s Cache-Control %q", name, cc)
			}
		}
	})
}

func TestPagesNeedASession(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/dashboard/", "/dashboard/apis", "/dashboard/applications/abc/apis", "/dashboard/organizations?from=x",
		"/dashboard/settings"} {
		t.Run("GET "+path+" goes to sign-in and back", func(t *testing.T) {
			wantRedirect(t, h.get(path), "/dashboard/signin?next="+url.QueryEscape(path))
		})
	}
	t.Run("POST without a session goes to sign-in and changes nothing", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/organizations", url.Values{"name": {"acme"}, csrfField: {"guess"}}), "/dashboard/signin")
		if _, err := h.tenant.OrganizationByName(t.Context(), "acme"); err == nil {
			t.Fatal("the organization was created")
		}
	})
	t.Run("a forged session cookie is no session", func(t *testing.T) {
		u, _ := url.Parse(h.srv.URL)
		h.client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "forged", Path: "/"}})
		wantRedirect(t, h.get("/dashboard/apis"), "/dashboard/signin")
	})
}

func TestSignIn(t *testing.T) {
	h := newHarness(t)
	browser := func() *harness { return newHarnessSharing(t, h) }
	t.Run("fail/wrong password", func(t *testing.T) {
		b := browser()
		p := b.trySignIn(testEmail, "not the password")
		wantStatus(t, p, http.StatusUnauthorized)
		wantBody(t, p, "Wrong email or password.", `value="ada@example.com"`)
		wantRedirect(t, b.get("/dashboard/apis"), "/dashboard/signin")
	})
	t.Run("fail/unknown email gets the same answer", func(t *testing.T) {
		p := browser().trySignIn("eve@example.com", testPassword)
		wantStatus(t, p, http.StatusUnauthorized)
		wantBody(t, p, "Wrong email or password.")
	})
	t.Run("the right password opens the page asked for, with a fresh session cookie", func(t *testing.T) {
		b := browser()
		form := b.get("/dashboard/signin?next=" + url.QueryEscape("/dashboard/organizations?from=abc"))
		wantBody(t, form, `name="next" value="/dashboard/organizations?from=abc"`)
		p := b.postRaw("/dashboard/signin", url.Values{csrfField: {csrfOf(t, form)}, "email": {"ADA@example.com"},
			"password": {testPassword}, "next": {"/dashboard/organizations?from=abc"}})
		wantRedirect(t, p, "/dashboard/organizations?from=abc")
		c := cookieNamed(t, p, sessionCookie)
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 0 || len(c.Value) != 43 {
			t.Errorf("session cookie %+v", c)
		}
		if c := cookieNamed(t, p, signInCookie); c.MaxAge >= 0 {
			t.Errorf("the sign-in cookie was not cleared: %+v", c)
		}
		wantStatus(t, b.get("/dashboard/apis"), http.StatusOK)
		t.Run("and then skips the form", func(t *testing.T) {
			wantRedirect(t, b.get("/dashboard/signin?next=%2Fdashboard%2Fapis"), "/dashboard/apis")
		})
	})
	t.Run("fail/sign-in form without its CSRF token", func(t *testing.T) {
		b := browser()
		b.get("/dashboard/signin")
		wantStatus(t, b.postRaw("/dashboard/signin", url.Values{"email": {testEmail}, "password": {testPassword}}), http.StatusForbidden)
	})
	t.Run("fail/sign-in form posted without the cookie that vouches for its token", func(t *testing.T) {
		token := csrfOf(t, browser().get("/dashboard/signin"))
		p := browser().postRaw("/dashboard/signin", url.Values{csrfField: {token}, "email": {testEmail}, "password": {testPassword}})
		wantStatus(t, p, http.StatusForbidden)
	})
	t.Run("fail/a cross-site form post is refused by its browser headers", func(t *testing.T) {
		b := browser()
		token := csrfOf(t, b.get("/dashboard/signin"))
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/dashboard/signin",
			strings.NewReader(url.Values{csrfField: {token}, "email": {testEmail}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, b.do(req), http.StatusForbidden)
	})
	t.Run("fail/next never leaves the dashboard", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/dashboard/", "/dashboard/\\evil", "/other", "", "/dashboard/x\r\nSet-Cookie: a=b"} {
			if got := localPath(next); got != "/dashboard/" {
				t.Errorf("localPath(%q) = %q", next, got)
			}
		}
		if got := localPath("/dashboard/apis?page=2"); got != "/dashboard/apis?page=2" {
			t.Errorf("localPath kept %q", got)
		}
	})
}

func TestCookiesOverTLS(t *testing.T) {
	h := newHarnessFor(t, "https://auth.example.com/")
	form := h.get("/dashboard/signin")
	if c := cookieNamed(t, form, "__Host-"+signInCookie); !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Errorf("sign-in cookie %+v", c)
	}
	p := h.postRaw("/dashboard/signin", url.Values{csrfField: {csrfOf(t, form)}, "email": {testEmail}, "password": {testPassword}})
	wantRedirect(t, p, "/dashboard/")
	if c := cookieNamed(t, p, "__Host-"+sessionCookie); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("session cookie %+v", c)
	}
	wantStatus(t, h.get("/dashboard/apis"), http.StatusOK)
}

func TestSignInRateLimit(t *testing.T) {
	h := newHarness(t)
	for i := range maxSignInFailures {
		wantStatus(t, h.trySignIn(testEmail, "guess "+string(rune('a'+i))), http.StatusUnauthorized)
	}
	t.Run("fail/after 5 failures even the right password waits", func(t *testing.T) {
		p := h.trySignIn(testEmail, testPassword)
		wantStatus(t, p, http.StatusTooManyRequests)
		wantBody(t, p, "Too many failed attempts. Try again in 15 minutes.")
	})
	t.Run("another email from the same address is not limited", func(t *testing.T) {
		wantStatus(t, h.trySignIn("grace@example.com", "guess"), http.StatusUnauthorized)
	})
	t.Run("the wait counts down", func(t *testing.T) {
		h.clock.advance(10 * time.Minute)
		wantBody(t, h.trySignIn(testEmail, testPassword), "Try again in 5 minutes.")
	})
	t.Run("after the window the right password works", func(t *testing.T) {
		h.clock.advance(5*time.Minute + time.Second)
		wantRedirect(t, h.trySignIn(testEmail, testPassword), "/dashboard/")
	})
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, time.Minute, func() time.Time { return now })
	if l.begin("k") != 0 || l.begin("k") != 0 {
		t.Fatal("the first two attempts were refused")
	}
	if wait := l.begin("k"); wait != time.Minute {
		t.Fatalf("third attempt wait %v, want 1m", wait)
	}
	now = now.Add(30 * time.Second)
	if wait := l.begin("k"); wait != 30*time.Second {
		t.Fatalf("wait %v, want 30s", wait)
	}
	l.succeeded("k")
	if l.begin("k") != 0 {
		t.Fatal("success did not clear the count")
	}
	t.Run("the table stays bounded", func(t *testing.T) {
		l := newLimiter(5, time.Hour, func() time.Time { return now })
		for i := range maxLimiterKeys + 10 {
			l.begin(string(rune(i)))
		}
		if n := len(l.attempts); n > maxLimiterKeys {
			t.Fatalf("%d keys", n)
		}
	})
}

func TestCSRF(t *testing.T) {
	h := newHarness(t).signIn()
	for name, token := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {"x" + h.csrf[1:]}} {
		t.Run("fail/"+name+" token is refused and changes nothing", func(t *testing.T) {
			form := url.Values{"name": {"acme"}}
			if token != nil {
				form[csrfField] = token
			}
			p := h.postRaw("/dashboard/organizations", form)
			wantStatus(t, p, http.StatusForbidden)
			if _, err := h.tenant.OrganizationByName(t.Context(), "acme"); err == nil {
				t.Fatal("the organization was created")
			}
		})
	}
	t.Run("another session's token is refused", func(t *testing.T) {
		other := newHarnessSharing(t, h).signIn()
		p := h.postRaw("/dashboard/organizations", url.Values{"name": {"acme"}, csrfField: {other.csrf}})
		wantStatus(t, p, http.StatusForbidden)
	})
	t.Run("the session's token is accepted", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/organizations", url.Values{"name": {"acme"}}), "/dashboard/organizations/org_")
	})
}

func TestSignOut(t *testing.T) {
	h := newHarness(t).signIn()
	u, _ := url.Parse(h.srv.URL)
	cookies := h.client.Jar.Cookies(u)
	t.Run("fail/without the CSRF token it is refused", func(t *testing.T) {
		wantStatus(t, h.postRaw("/dashboard/signout", url.Values{}), http.StatusForbidden)
		wantStatus(t, h.get("/dashboard/apis"), http.StatusOK)
	})
	t.Run("it ends the session on the server, not just the cookie", func(t *testing.T) {
		wantRedirect(t, h.post("/dashboard/signout", nil), "/dashboard/signin?notice=signed-out")
		h.client.Jar, _ = newJar()
		h.client.Jar.SetCookies(u, cookies)
		wantRedirect(t, h.get("/dashboard/apis"), "/dashboard/signin")
	})
}

// newHarnessSharing is a second browser on h's server.
func newHarnessSharing(t *testing.T, h *harness) *harness {
	jar, _ := newJar()
	client := *h.client
	client.Jar = jar
	return &harness{t: t, tenant: h.tenant, srv: h.srv, client: &client, clock: h.clock}
}

func cookieNamed(t *testing.T, p page, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie set; Set-Cookie: %q", name, p.header.Values("Set-Cookie"))
	return nil
}
