package login

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func testHandler() *Handler {
	return &Handler{issuer: "https://auth.example/", log: slog.New(slog.DiscardHandler), pages: mustParsePages(), tenantName: "auth.example"}
}

func TestRespond(t *testing.T) {
	h := testHandler()
	t.Run("query: appended to a redirect_uri that has a query, with iss and state", func(t *testing.T) {
		rec := httptest.NewRecorder()
		req := authorizeRequest{RedirectURI: "https://app.example/cb?tenant=1", ResponseMode: "query", State: "s&x"}
		h.respond(rec, httptest.NewRequest("GET", "/authorize", nil), req, url.Values{"code": {"abc"}})
		if rec.Code != http.StatusFound {
			t.Fatalf("status %d", rec.Code)
		}
		loc, err := url.Parse(rec.Header().Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		q := loc.Query()
		if loc.Host != "app.example" || loc.Path != "/cb" || q.Get("tenant") != "1" || q.Get("code") != "abc" || q.Get("state") != "s&x" || q.Get("iss") != "https://auth.example/" {
			t.Errorf("Location %s", loc)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Error("the redirect may be cached")
		}
	})
	t.Run("form_post: a page that posts the fields to the redirect_uri, allowed by its CSP", func(t *testing.T) {
		rec := httptest.NewRecorder()
		req := authorizeRequest{RedirectURI: "https://app.example/cb", ResponseMode: "form_post", State: `"><script>`}
		h.respondError(rec, httptest.NewRequest("GET", "/authorize", nil), req, "access_denied", "user is blocked")
		body, _ := io.ReadAll(rec.Body)
		for _, want := range []string{`action="https://app.example/cb"`, `name="error" value="access_denied"`, `name="error_description" value="user is blocked"`,
			`name="state" value="&#34;&gt;&lt;script&gt;"`, `name="iss" value="https://auth.example/"`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("page lacks %s:\n%s", want, body)
			}
		}
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "form-action 'self' https://app.example;") || !strings.Contains(csp, "script-src 'nonce-") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP %s", csp)
		}
	})
}
