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
		p := b.do(req)
		wantStatus(t, p, http.StatusForbidden)
		wantBody(t, p, "This form was sent from another site and was refused. To make this change, open the dashboard at its own address and send the form from there.")
	})
	t.Run("a refused next is not echoed into the form", func(t *testing.T) {
		form := browser().get("/dashboard/signin?next=" + url.QueryEscape("/dashboard/..//evil.com"))
		wantBody(t, form, `name="next" value="/dashboard/"`)
	})
}

// TestNext sends every trick a next= parameter may carry through both ways it leaves the sign-in page
// (the redirect of a signed-in browser, and the form's hidden field after a sign-in) and checks the exact
// Location: a path under /dashboard/, normalised, or the dashboard's home.
func TestNext(t *testing.T) {
	h := newHarness(t)
	signedIn := newHarnessSharing(t, h).signIn()
	long := "/dashboard/apis?q=" + strings.Repeat("a", maxNextLength)
	for _, tc := range []struct{ name, next, want string }{
		{"kept/a page", "/dashboard/apis", "/dashboard/apis"},
		{"kept/a page with a query", "/dashboard/organizations?from=abc&q=acme", "/dashboard/organizations?from=abc&q=acme"},
		{"kept/a trailing slash", "/dashboard/apis/", "/dashboard/apis/"},
		{"kept/the home", "/dashboard/", "/dashboard/"},
		{"normalised/no trailing slash on the home", "/dashboard", "/dashboard/"},
		{"normalised/dot segments inside the dashboard", "/dashboard/apis/../applications", "/dashboard/applications"},
		{"normalised/a single dot", "/dashboard/./apis", "/dashboard/apis"},
		{"normalised/a double slash inside", "/dashboard//apis", "/dashboard/apis"},
		{"normalised/an encoded slash inside", "/dashboard/%2fevil.com", "/dashboard/evil.com"},
		{"normalised/an encoded letter", "/%64ashboard/apis", "/dashboard/apis"},
		{"normalised/the fragment dropped", "/dashboard/apis#top", "/dashboard/apis"},
		{"normalised/a query is re-encoded", "/dashboard/apis?next=//evil.com", "/dashboard/apis?next=%2F%2Fevil.com"},
		{"normalised/an encoded CR LF in the query stays encoded", "/dashboard/apis?x=%0d%0aSet-Cookie:a", "/dashboard/apis?x=%0D%0ASet-Cookie%3Aa"},
		{"normalised/a query that does not parse is dropped", "/dashboard/apis?a=1;b=2", "/dashboard/apis"},
		{"normalised/non-ASCII is escaped", "/dashboard/é", "/dashboard/%C3%A9"},
		{"refused/dot-dot then a double slash", "/dashboard/..//evil.com", "/dashboard/"},
		{"refused/dot-dot out of the dashboard", "/dashboard/../evil.com", "/dashboard/"},
		{"refused/dot-dots past the root", "/dashboard/../../../evil.com", "/dashboard/"},
		{"refused/encoded dots", "/dashboard/%2e%2e//evil.com", "/dashboard/"},
		{"refused/upper-case encoded dots", "/dashboard/%2E%2E/evil.com", "/dashboard/"},
		{"refused/half-encoded dots", "/dashboard/.%2e/evil.com", "/dashboard/"},
		{"refused/an encoded slash after dot-dot", "/dashboard/..%2fevil.com", "/dashboard/"},
		{"refused/encoded slashes and dots", "/dashboard%2f..%2f..%2fevil.com", "/dashboard/"},
		{"refused/a scheme-relative URL", "//evil.com", "/dashboard/"},
		{"refused/a scheme-relative URL into a dashboard path", "//evil.com/dashboard/", "/dashboard/"},
		{"refused/three slashes", "///evil.com", "/dashboard/"},
		{"refused/slash backslash", "/\\evil.com", "/dashboard/"},
		{"refused/backslashes", "\\\\evil.com", "/dashboard/"},
		{"refused/a backslash inside", "/dashboard/\\evil.com", "/dashboard/"},
		{"refused/backslash dot-dots", "/dashboard/..\\..\\evil.com", "/dashboard/"},
		{"refused/encoded backslashes", "/dashboard/%5c..%5c..%5cevil.com", "/dashboard/"},
		{"refused/an absolute URL", "https://evil.com/dashboard/", "/dashboard/"},
		{"refused/an absolute URL to this host's path", "http://dashboard.test/dashboard/apis", "/dashboard/"},
		{"refused/a scheme with a path", "https:/dashboard/apis", "/dashboard/"},
		{"refused/javascript", "javascript:alert(1)", "/dashboard/"},
		{"refused/data", "data:text/html,<script>alert(1)</script>", "/dashboard/"},
		{"kept/an at sign is only a path", "/dashboard/@evil.com", "/dashboard/@evil.com"},
		{"refused/CR LF", "/dashboard/x\r\nSet-Cookie: a=b", "/dashboard/"},
		{"refused/an encoded CR LF in the path", "/dashboard/%0d%0aSet-Cookie:a=b", "/dashboard/"},
		{"refused/a tab", "/dashboard/\t/evil", "/dashboard/"},
		{"refused/a NUL", "/dashboard/x\x00", "/dashboard/"},
		{"refused/an encoded NUL", "/dashboard/x%00", "/dashboard/"},
		{"refused/a leading space", " /dashboard/apis", "/dashboard/"},
		{"refused/another path", "/other", "/dashboard/"},
		{"refused/a path that only starts like the dashboard", "/dashboardevil", "/dashboard/"},
		{"kept/the sign-in page itself", "/dashboard/signin", "/dashboard/signin"},
		{"refused/empty", "", "/dashboard/"},
		{"refused/a very long value", long, "/dashboard/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := signedIn.get("/dashboard/signin?next=" + url.QueryEscape(tc.next))
			if p.status != http.StatusSeeOther || p.location() != tc.want {
				t.Fatalf("next=%q: status %d, Location %q; want 303 to %q", tc.next, p.status, p.location(), tc.want)
			}
			if got := localPath(tc.next); got != tc.want {
				t.Errorf("the sign-in form would send next=%q to %q, want %q", tc.next, got, tc.want)
			}
		})
	}
	t.Run("after a sign-in", func(t *testing.T) {
		b := newHarnessSharing(t, h)
		form := b.get("/dashboard/signin")
		p := b.postRaw("/dashboard/signin", url.Values{csrfField: {csrfOf(t, form)}, "email": {testEmail},
			"password": {testPassword}, "next": {"/dashboard/..//evil.com"}})
		if p.status != http.StatusSeeOther || p.location() != "/dashboard/" {
			t.Fatalf("status %d, Location %q; want 303 to /dashboard/", p.status, p.location())
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

// TestSignInBusy: when the server is hashing as many passwords as it allows, a sign-in is refused with
// a page that says to try again, not an internal error; the refusal is no failed attempt.
func TestSignInBusy(t *testing.T) {
	h := newHarness(t)
	h.hasher.busy.Store(true)
	for _, email := range []string{testEmail, "eve@example.com"} {
		t.Run("fail/"+email+" is asked to try again", func(t *testing.T) {
			for range maxSignInFailures + 1 {
				p := h.trySignIn(email, testPassword)
				wantStatus(t, p, http.StatusTooManyRequests)
				wantBody(t, p, "Too many sign-ins are being checked right now. Wait a few seconds and sign in again.",
					`value="`+email+`"`, `name="csrf"`)
				if got := p.header.Get("Retry-After"); got != "5" {
					t.Errorf("Retry-After %q, want 5", got)
				}
				for _, c := range (&http.Response{Header: p.header}).Cookies() {
					if c.Name == sessionCookie {
						t.Fatalf("a session cookie was set: %+v", c)
					}
				}
			}
			wantRedirect(t, h.get("/dashboard/apis"), "/dashboard/signin")
		})
	}
	t.Run("once the hasher is free the password works: busy refusals were not counted as failures", func(t *testing.T) {
		h.hasher.busy.Store(false)
		wantRedirect(t, h.trySignIn(testEmail, testPassword), "/dashboard/")
		wantStatus(t, h.get("/dashboard/apis"), http.StatusOK)
	})
}

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, time.Minute, func() time.Time { return now })
	for attempt := 1; attempt <= 2; attempt++ {
		if wait := l.begin("k"); wait != 0 {
			t.Fatalf("attempt %d refused, wait %v; the first two are allowed", attempt, wait)
		}
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
	t.Run("an abandoned attempt is not counted", func(t *testing.T) {
		l := newLimiter(2, time.Minute, func() time.Time { return now })
		l.begin("k")
		l.begin("k")
		l.abandon("k")
		if wait := l.begin("k"); wait != 0 {
			t.Fatalf("attempt after an abandoned one refused, wait %v", wait)
		}
		if wait := l.begin("k"); wait != time.Minute {
			t.Fatalf("third counted attempt wait %v, want 1m", wait)
		}
		l.abandon("k")
		l.abandon("k")
		l.abandon("k") // more than there are: no effect
		if _, ok := l.attempts["k"]; ok || l.bytes != 0 {
			t.Fatalf("abandoning every attempt left the key: %v, %d bytes", l.attempts["k"], l.bytes)
		}
	})
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
	for name, token := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {strings.Map(func(r rune) rune { return r ^ 1 }, h.csrf)}} {
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
	t.Run("fail/a form too large to read says what to do", func(t *testing.T) {
		p := h.post("/dashboard/organizations", url.Values{"name": {strings.Repeat("a", maxFormBytes)}})
		wantStatus(t, p, http.StatusBadRequest)
		wantBody(t, p, "The form could not be read (it may be too large). Reload the page and fill it in again.")
	})
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
	return &harness{t: t, tenant: h.tenant, hasher: h.hasher, srv: h.srv, client: &client, clock: h.clock}
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
