package dashboard

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/password"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
	"github.com/orgauth/orgauth/internal/tenant"
)

const (
	testEmail    = "ada@example.com"
	testPassword = "correct horse battery staple"
	// testPasswordHash is testPassword's argon2id hash, made once with the parameters package password
	// uses by default (and tenant used before package admins): hashing costs about a second under the
	// race detector, and every harness needs an administrator.
	testPasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$38jOjMsSa4lv+6CEcn1TAw$jeb++K+UHf0yqvQoRcA6amrGkoaqhvmE1RAVK1DfNMo"
)

// harness is the dashboard over a real temp-dir SQLite store, behind an HTTP server, with a browser-like
// client: a cookie jar, and redirects reported rather than followed.
type harness struct {
	t      *testing.T
	tenant *tenant.Service
	hasher *switchHasher // the administrators' password hasher, which a test may make busy
	srv    *httptest.Server
	client *http.Client
	clock  *clock
	csrf   string // the session's CSRF token, once signed in
}

// clock is the rate limiter's time, moved by tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newHarness(t *testing.T) *harness {
	return newHarnessFor(t, "http://dashboard.test/")
}

// newHarnessFor serves the dashboard configured for issuer; an https issuer gets a TLS server.
func newHarnessFor(t *testing.T, issuer string) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "orgauth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ten, err := tenant.Open(ctx, st, tenant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	admin := admins.Admin{ID: "adm_0000000000000001", Email: testEmail, PasswordHash: testPasswordHash, CreatedAt: clk.now, UpdatedAt: clk.now}
	if err := st.CreateAdmin(ctx, admin); err != nil {
		t.Fatal(err)
	}
	// The production hasher, waiting longer for a slot so that a slow test run never sees it busy.
	ph, err := password.NewHasher(password.Options{Wait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	hasher := &switchHasher{Hasher: ph}
	mux := http.NewServeMux()
	New(Config{Issuer: issuer, Tenant: ten, Admins: admins.New(st, admins.Options{Hasher: hasher}), Now: clk.Now}).Mount(mux)
	var srv *httptest.Server
	if strings.HasPrefix(issuer, "https://") {
		srv = httptest.NewTLSServer(mux)
	} else {
		srv = httptest.NewServer(mux)
	}
	t.Cleanup(srv.Close)
	jar, _ := newJar()
	client := srv.Client()
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &harness{t: t, tenant: ten, hasher: hasher, srv: srv, client: client, clock: clk}
}

// switchHasher is a password hasher with a switch that makes it busy, as when every hashing slot stays
// taken for longer than the hasher waits.
type switchHasher struct {
	*password.Hasher
	busy atomic.Bool
}

func (h *switchHasher) Hash(ctx context.Context, pw string) (string, error) {
	if h.busy.Load() {
		return "", password.ErrBusy
	}
	return h.Hasher.Hash(ctx, pw)
}

func (h *switchHasher) Verify(ctx context.Context, hash, pw string) (bool, bool, error) {
	if h.busy.Load() {
		return false, false, password.ErrBusy
	}
	return h.Hasher.Verify(ctx, hash, pw)
}

func (h *switchHasher) VerifyUnknown(ctx context.Context, pw string) error {
	if h.busy.Load() {
		return password.ErrBusy
	}
	return h.Hasher.VerifyUnknown(ctx, pw)
}

// page is an answer: status, headers and body.
type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() string { return p.header.Get("Location") }

func (h *harness) do(req *http.Request) page {
	h.t.Helper()
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return page{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (h *harness) get(path string) page {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(req)
}

// post sends a form as the dashboard's own pages do: with the session's CSRF token, unless the form
// sets the csrf field itself.
func (h *harness) post(path string, form url.Values) page {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[csrfField]; !ok && h.csrf != "" {
		form.Set(csrfField, h.csrf)
	}
	return h.postRaw(path, form)
}

func (h *harness) postRaw(path string, form url.Values) page {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf is the CSRF token a page's forms carry.
func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", p.body)
	}
	return m[1]
}

// trySignIn fills in the sign-in form.
func (h *harness) trySignIn(email, password string) page {
	h.t.Helper()
	form := h.get("/dashboard/signin")
	return h.postRaw("/dashboard/signin", url.Values{
		csrfField: {csrfOf(h.t, form)}, "email": {email}, "password": {password}, "next": {"/dashboard/"},
	})
}

// signIn signs in as the test administrator and keeps the session's CSRF token.
func (h *harness) signIn() *harness {
	h.t.Helper()
	if p := h.trySignIn(testEmail, testPassword); p.status != http.StatusSeeOther {
		h.t.Fatalf("sign in: status %d\n%s", p.status, p.body)
	}
	h.csrf = csrfOf(h.t, h.get("/dashboard/settings"))
	return h
}

// wantStatus fails unless p has the status.
func wantStatus(t *testing.T, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
	}
}

// wantRedirect fails unless p is a See Other to a location starting with prefix.
func wantRedirect(t *testing.T, p page, prefix string) {
	t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), prefix) {
		t.Fatalf("status %d to %q, want 303 to %s…\n%s", p.status, p.location(), prefix, p.body)
	}
}

// wantBody fails unless the page contains every fragment.
func wantBody(t *testing.T, p page, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(p.body, f) {
			t.Fatalf("page lacks %q:\n%s", f, p.body)
		}
	}
}

// fieldErrorHTML is the markup of a message shown next to a field.
func fieldErrorHTML(field, message string) string {
	return `<p class="field-error" id="` + errorID(field) + `">` + template.HTMLEscapeString(message)
}

func newJar() (http.CookieJar, error) { return cookiejar.New(nil) }
