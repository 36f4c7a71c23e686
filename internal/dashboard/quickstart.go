package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

// placeholderOrganization stands in the snippets when no organization can be suggested.
const placeholderOrganization = "org_YOUR_ORGANIZATION_ID"

// quickStart shows how the application gets a token for one of its APIs, for one organization.
type quickStart struct {
	Client       store.Client
	APIs         []store.ResourceServer // the APIs the application is authorized for
	API          store.ResourceServer   // the one the snippets are for
	Grant        store.ClientGrant
	Organization string // the organization in the snippets; empty when the grant takes none
	Curl         string
	Go           string
}

func (h *Handler) quickStart(w http.ResponseWriter, r *http.Request, s tenant.AdminSession) error {
	ctx := r.Context()
	c, err := h.tenant.Client(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	grants, err := h.grantsMatching(ctx, store.ClientGrantFilter{ClientID: c.ClientID})
	if err != nil {
		return err
	}
	q := quickStart{Client: c}
	for _, g := range grants {
		api, err := h.tenant.ResourceServer(ctx, g.Audience)
		if err != nil {
			return err
		}
		q.APIs = append(q.APIs, api)
	}
	if i := pickGrant(grants, q.APIs, r.URL.Query().Get("api")); i >= 0 {
		q.API, q.Grant = q.APIs[i], grants[i]
		if supportsOrganizations(q.Grant) {
			if q.Organization, err = h.suggestOrganization(ctx, c, q.Grant, r.URL.Query().Get("organization")); err != nil {
				return err
			}
		}
		tokenURL := h.issuer + "oauth/token"
		q.Curl = curlSnippet(tokenURL, c.ClientID, q.API.Identifier, q.Organization)
		q.Go = goSnippet(tokenURL, c.ClientID, q.API.Identifier, q.Organization)
	}
	h.page(w, r, s, http.StatusOK, "application_quickstart", view{Title: c.Name + " · Quick start", Section: "applications", Data: q})
	return nil
}

// pickGrant chooses the API the snippets are for: the one asked for, else the first whose grant takes
// an organization, else the first; -1 when there is none.
func pickGrant(grants []store.ClientGrant, apis []store.ResourceServer, wanted string) int {
	for i, api := range apis {
		if api.ID == wanted {
			return i
		}
	}
	for i, g := range grants {
		if supportsOrganizations(g) {
			return i
		}
	}
	if len(grants) > 0 {
		return 0
	}
	return -1
}

// suggestOrganization picks the organization for the snippets: the one asked for, else one the grant
// is associated with, else the application's default organization, else a placeholder.
func (h *Handler) suggestOrganization(ctx context.Context, c store.Client, g store.ClientGrant, asked string) (string, error) {
	if asked = strings.TrimSpace(asked); asked != "" {
		return asked, nil
	}
	orgs, err := h.tenant.ClientGrantOrganizations(ctx, g.ID, store.Page{Checkpoint: true, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(orgs.Items) > 0 {
		return orgs.Items[0].ID, nil
	}
	if c.DefaultOrganization != nil {
		return c.DefaultOrganization.OrganizationID, nil
	}
	return placeholderOrganization, nil
}

// curlSnippet is a token request by curl; the secret comes from the environment, never the page.
func curlSnippet(tokenURL, clientID, audience, organization string) string {
	lines := []string{
		"curl --request POST --url " + shellQuote(tokenURL),
		"--data grant_type=client_credentials",
		"--data-urlencode " + shellQuote("client_id="+clientID),
		`--data-urlencode "client_secret=$CLIENT_SECRET"`,
		"--data-urlencode " + shellQuote("audience="+audience),
	}
	if organization != "" {
		lines = append(lines, "--data-urlencode "+shellQuote("organization="+organization))
	}
	return strings.Join(lines, " \\\n  ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// goSnippet is a complete, gofmt-formatted program that gets a token with golang.org/x/oauth2.
func goSnippet(tokenURL, clientID, audience, organization string) string {
	params := fmt.Sprintf("\t\t\t%q: {%s},\n", "audience", strconv.Quote(audience))
	if organization != "" {
		params = fmt.Sprintf("\t\t\t%q:     {%s},\n\t\t\t%q: {%s},\n", "audience", strconv.Quote(audience),
			"organization", strconv.Quote(organization))
	}
	return `package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"

	"golang.org/x/oauth2/clientcredentials"
)

func main() {
	config := clientcredentials.Config{
		ClientID:     ` + strconv.Quote(clientID) + `,
		ClientSecret: os.Getenv("CLIENT_SECRET"),
		TokenURL:     ` + strconv.Quote(tokenURL) + `,
		EndpointParams: url.Values{
` + params + `		},
	}
	token, err := config.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.AccessToken)
}
`
}
