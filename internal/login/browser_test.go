package login

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orgauth/orgauth/internal/store"
)

const chromium = "/usr/bin/chromium"

// app is the application's callback: it records what each redirect or form post brought.
type callbackApp struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []url.Values
}

func newCallbackApp(t *testing.T) *callbackApp {
	a := &callbackApp{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r) // the browser asks for a favicon too
			return
		}
		r.ParseForm()
		a.mu.Lock()
		a.hits = append(a.hits, r.Form)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>Travel0</title><h1 id="done">Signed in to Travel0</h1>`))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *callbackApp) last() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.hits) == 0 {
		return nil
	}
	return a.hits[len(a.hits)-1]
}

// TestLoginPagesInABrowser drives the login pages in headless Chromium: the branded login page (its
// colors applied through the nonce'd style block), a wrong password, the login that lands on the
// application's callback, a form_post response submitted by its nonce'd script, the sign-up page and
// the organization prompt.
func TestLoginPagesInABrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v (apt-get install -y chromium)", err)
		}
		t.Skipf("no Chromium at %s (apt-get install -y chromium)", chromium)
	}
	w := newWorld(t, store.OrganizationConnection{IsSignupEnabled: true})
	w.member(w.ann.ID)
	app := newCallbackApp(t)
	cb := app.srv.URL + "/callback"
	w.updateClient(func(c *store.Client) { c.Callbacks = append(c.Callbacks, cb) })
	ctx := newBrowser(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			u, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\nat %s:\n%s", what, err, u, body)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	authorize := func(extra url.Values) string {
		q := url.Values{"client_id": {w.client.ClientID}, "redirect_uri": {cb}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"s1"}, "organization": {w.acme.ID}}
		for k, v := range extra {
			q[k] = v
		}
		return w.srv.URL + "/authorize?" + q.Encode()
	}

	do("open the login page", chromedp.Navigate(authorize(nil)), chromedp.WaitVisible(chromedp.CSS("#email")))
	if h := eval(`document.querySelector("h1").textContent`); h != "Log in to Acme Corp" {
		t.Errorf("heading %q", h)
	}
	if bg := eval(`getComputedStyle(document.querySelector("button")).backgroundColor`); bg != "rgb(255, 215, 0)" {
		t.Errorf("the button's color is %s, not acme's primary: the style block did not apply", bg)
	}
	if fg := eval(`getComputedStyle(document.querySelector("button")).color`); fg != "rgb(0, 0, 0)" {
		t.Errorf("the button's text is %s, want black on gold", fg)
	}
	if bg := eval(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(16, 16, 16)" {
		t.Errorf("the page background is %s, want acme's", bg)
	}
	do("log in with a wrong password",
		chromedp.SendKeys(chromedp.CSS("#email"), "ann@acme.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong"),
		chromedp.Click(chromedp.CSS("button")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")))
	if e := eval(`document.querySelector("#form-error").textContent`); e != "Wrong email or password." {
		t.Errorf("error %q", e)
	}
	do("log in", chromedp.SendKeys(chromedp.CSS("#password"), annPassword), chromedp.Click(chromedp.CSS("button")),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	if q := app.last(); q.Get("code") == "" || q.Get("state") != "s1" || q.Get("iss") != w.srv.URL+"/" {
		t.Fatalf("the callback got %v", q)
	}

	do("a form_post response, with the session", chromedp.Navigate(authorize(url.Values{"response_mode": {"form_post"}, "state": {"s2"}})),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	if q := app.last(); q.Get("code") == "" || q.Get("state") != "s2" {
		t.Fatalf("the form post brought %v", q)
	}

	do("log out", chromedp.Navigate(w.srv.URL+"/v2/logout"), chromedp.WaitVisible(chromedp.CSS("main")))
	do("the sign-up page", chromedp.Navigate(authorize(url.Values{"screen_hint": {"signup"}})), chromedp.WaitVisible(chromedp.CSS("#password-rules")))
	if h := eval(`document.querySelector("h1").textContent`); h != "Sign up to Acme Corp" {
		t.Errorf("heading %q", h)
	}
	do("sign up with a weak password",
		chromedp.SendKeys(chromedp.CSS("#email"), "eve@acme.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "short"),
		chromedp.Click(chromedp.CSS("button")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")))
	if e := eval(`document.querySelector("#form-error").textContent`); !strings.Contains(e, "too weak") {
		t.Errorf("error %q", e)
	}

	w.updateClient(func(c *store.Client) { c.OrganizationRequireBehavior = "pre_login_prompt" })
	noOrg := authorize(nil)
	noOrg = strings.Replace(noOrg, "&organization="+w.acme.ID, "", 1)
	do("the organization prompt", chromedp.Navigate(noOrg), chromedp.WaitVisible(chromedp.CSS("#organization")),
		chromedp.SendKeys(chromedp.CSS("#organization"), "org_nobody"), chromedp.Click(chromedp.CSS("button")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")))
	eval(`document.querySelector("#organization").value = "` + w.acme.ID + `"; ""`)
	do("the organization prompt with acme's id", chromedp.Click(chromedp.CSS("button")), chromedp.WaitVisible(chromedp.CSS("#email")))
	if h := eval(`document.querySelector("h1").textContent`); h != "Log in to Acme Corp" {
		t.Errorf("after the prompt, heading %q", h)
	}
}

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
	)
	timeout, cancelTimeout := context.WithTimeout(context.Background(), 90*time.Second)
	alloc, cancelAlloc := chromedp.NewExecAllocator(timeout, opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	// The browser starts on this context, not on a step's shorter one, which would end it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}
