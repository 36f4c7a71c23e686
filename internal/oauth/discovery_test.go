package oauth

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestOpenIDConfiguration(t *testing.T) {
	f := newFixture(t)
	rec := f.serve(httpRequest(http.MethodGet, "/.well-known/openid-configuration"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	checkDocumentHeaders(t, rec.Header(), "public, max-age=3600")
	var got bytes.Buffer
	if err := json.Indent(&got, rec.Body.Bytes(), "", "  "); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	got.WriteByte('\n')
	golden := filepath.Join("testdata", "openid-configuration.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("openid-configuration:\n%s\nwant (%s):\n%s", got.Bytes(), golden, want)
	}
}

func TestJWKSIsTheSignersKeySet(t *testing.T) {
	f := newFixture(t)
	rec := f.serve(httpRequest(http.MethodGet, "/.well-known/jwks.json"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	checkDocumentHeaders(t, rec.Header(), "public, max-age=60")
	if !bytes.Equal(rec.Body.Bytes(), f.signer.JWKS()) {
		t.Errorf("body = %s, want the signer's %s", rec.Body, f.signer.JWKS())
	}
}

func checkDocumentHeaders(t *testing.T, h http.Header, cacheControl string) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Type":                "application/json",
		"Cache-Control":               cacheControl,
		"Access-Control-Allow-Origin": "*",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
}
