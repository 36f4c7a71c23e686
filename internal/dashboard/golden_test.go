package dashboard

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGoldenPages pins the markup of two pages, with the values that change from run to run (tokens,
// generated ids, the assets' version) replaced by names. Run with -update after an intended change.
func TestGoldenPages(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	signIn := h.get("/dashboard/signin")
	h.signIn()

	api := createAPI(t, h, "https://reports.example.com/", "read:reports")
	bot := createClient(t, h, "Acme reporting bot")
	g := createGrant(t, h, bot.ClientID, api.Identifier, tenant.UsageRequire, "read:reports")
	o, err := h.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme", DisplayName: ptr("Acme Inc.")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.tenant.AddOrganizationClientGrant(ctx, o.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	access := h.get("/dashboard/organizations/" + o.ID + "/access")

	names := strings.NewReplacer(o.ID, "ORG_ID", g.ID, "GRANT_ID", bot.ClientID, "CLIENT_ID", api.ID, "API_ID", h.csrf, "CSRF")
	for name, body := range map[string]string{"signin.golden": signIn.body, "organization_access.golden": names.Replace(access.body)} {
		t.Run(name, func(t *testing.T) {
			got := normalize(body)
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the page (go test -update rewrites it); got:\n%s", path, got)
			}
		})
	}
}

var (
	assetVersion = regexp.MustCompile(`\?v=[0-9a-f]{12}`)
	csrfValue    = regexp.MustCompile(`name="csrf" value="[^"]+"`)
	blankLines   = regexp.MustCompile(`\n\s*\n`)
)

// normalize names what changes between runs and drops the blank lines templates leave.
func normalize(body string) string {
	body = assetVersion.ReplaceAllString(body, "?v=VERSION")
	body = csrfValue.ReplaceAllString(body, `name="csrf" value="CSRF"`)
	return blankLines.ReplaceAllString(body, "\n")
}
