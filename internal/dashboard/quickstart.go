package dashboard

import (
	"context"
	"fmt"
	"go/format"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/admins"
	"github.com/orgauth/orgauth/internal/tenant"
)

// placeholderOrganization stands in the snippets when no organization can be suggested.
const placeholderOrganization = "org_YOUR_ORGANIZATION_ID"

// quickStart shows how the application gets a token for one of its APIs, for one organization.
type quickStart struct {
	Client       tenant.Client
	APIs         []tenant.ResourceServer // the APIs the application is authorized for
	API          tenant.ResourceServer   // the one the snippets are for
	Grant        tenant.ClientGrant
	Organization string // the organization in the snippets; empty when the grant takes none
	Auth         snippetAuth
	Curl         string
	Go           string
	Assertion    string // for private_key_jwt: the program that signs curl's assertion
}

// snippetAuthOf is how the snippets authenticate c; a private_key_jwt assertion names the first
// credential in use, whose private key the administrator holds.
func (h *Handler) snippetAuthOf(ctx context.Context, c tenant.Client) (snippetAuth, error) {
	a := snippetAuth{Method: authMethodOf(c), Issuer: h.issuer}
	if a.Method != privateKeyJWT {
		return a, nil
	}
	creds, err := h.tenant.ClientCredentials(ctx, c.ClientID)
	if err != nil {
		return a, err
	}
	for _, cred := range creds {
		if cred.ID == c.PrivateKeyJWTCredentials[0] {
			a.KID, a.Alg = cred.KID, cred.Alg
		}
	}
	return a, nil
}

func (h *Handler) quickStart(w http.ResponseWriter, r *http.Request, s admins.Session) error {
	ctx := r.Context()
	c, err := h.tenant.Client(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	grants, err := h.grantsMatching(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID})
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
		if q.Auth, err = h.snippetAuthOf(ctx, c); err != nil {
			return err
		}
		tokenURL := h.issuer + "oauth/token"
		q.Curl = curlSnippet(tokenURL, c.ClientID, q.API.Identifier, q.Organization, q.Auth)
		q.Go = goSnippet(tokenURL, c.ClientID, q.API.Identifier, q.Organization, q.Auth)
		if q.Auth.Method == privateKeyJWT {
			q.Assertion = assertionSnippet(c.ClientID, q.Auth)
		}
	}
	h.page(w, r, s, http.StatusOK, "application_quickstart", view{Title: c.Name + " · Quick start", Section: "applications", Data: q})
	return nil
}

// pickGrant chooses the API the snippets are for: the one asked for, else the first whose grant takes
// an organization, else the first; -1 when there is none.
func pickGrant(grants []tenant.ClientGrant, apis []tenant.ResourceServer, wanted string) int {
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
func (h *Handler) suggestOrganization(ctx context.Context, c tenant.Client, g tenant.ClientGrant, asked string) (string, error) {
	if asked = strings.TrimSpace(asked); asked != "" {
		return asked, nil
	}
	orgs, err := h.tenant.ClientGrantOrganizations(ctx, g.ID, tenant.Page{Checkpoint: true, Limit: 1})
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

// snippetAuth is how the snippets authenticate the application: its method, and for private_key_jwt the
// credential the assertion names.
type snippetAuth struct {
	Method   string // client_secret_post, client_secret_basic, private_key_jwt (none is shown as post)
	Issuer   string // the assertion's audience
	KID, Alg string
}

// clientAssertionType is RFC 7523's client_assertion_type for a JWT.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// curlSnippet is a token request by curl; the secret or the signed assertion comes from the
// environment, never the page.
func curlSnippet(tokenURL, clientID, audience, organization string, auth snippetAuth) string {
	lines := []string{"curl --request POST --url " + shellQuote(tokenURL)}
	switch auth.Method {
	case "client_secret_basic":
		lines = append(lines, "--user "+shellQuote(clientID+":")+`"$CLIENT_SECRET"`, "--data grant_type=client_credentials")
	case privateKeyJWT:
		lines = append(lines, "--data grant_type=client_credentials",
			"--data-urlencode "+shellQuote("client_id="+clientID),
			"--data-urlencode "+shellQuote("client_assertion_type="+clientAssertionType),
			`--data-urlencode "client_assertion=$CLIENT_ASSERTION"`)
	default:
		lines = append(lines, "--data grant_type=client_credentials",
			"--data-urlencode "+shellQuote("client_id="+clientID),
			`--data-urlencode "client_secret=$CLIENT_SECRET"`)
	}
	lines = append(lines, "--data-urlencode "+shellQuote("audience="+audience))
	if organization != "" {
		lines = append(lines, "--data-urlencode "+shellQuote("organization="+organization))
	}
	return strings.Join(lines, " \\\n  ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// goSnippet is a complete, gofmt-formatted program that gets a token with golang.org/x/oauth2, with the
// secret from the environment or, for private_key_jwt, an assertion it signs with go-jose.
func goSnippet(tokenURL, clientID, audience, organization string, auth snippetAuth) string {
	params := fmt.Sprintf("%q: {%s},\n", "audience", strconv.Quote(audience))
	if organization != "" {
		params += fmt.Sprintf("%q: {%s},\n", "organization", strconv.Quote(organization))
	}
	if auth.Method == privateKeyJWT {
		return gofmt(`package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
` + assertionImports + `	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

` + assertionFunc(clientID, auth) + `
func main() {
	assertion, err := clientAssertion("private.pem")
	if err != nil {
		log.Fatal(err)
	}
	config := clientcredentials.Config{
		ClientID: ` + strconv.Quote(clientID) + `,
		TokenURL: ` + strconv.Quote(tokenURL) + `,
		AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: url.Values{
` + params + `"client_assertion_type": {` + strconv.Quote(clientAssertionType) + `},
			"client_assertion": {assertion},
		},
	}
	token, err := config.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.AccessToken)
}
`)
	}
	style := "oauth2.AuthStyleInParams"
	if auth.Method == "client_secret_basic" {
		style = "oauth2.AuthStyleInHeader"
	}
	return gofmt(`package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

func main() {
	config := clientcredentials.Config{
		ClientID: ` + strconv.Quote(clientID) + `,
		ClientSecret: os.Getenv("CLIENT_SECRET"),
		TokenURL: ` + strconv.Quote(tokenURL) + `,
		AuthStyle: ` + style + `,
		EndpointParams: url.Values{
` + params + `		},
	}
	token, err := config.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.AccessToken)
}
`)
}

// assertionSnippet is a program that prints a client assertion, for curl's CLIENT_ASSERTION.
func assertionSnippet(clientID string, auth snippetAuth) string {
	return gofmt(`// Command assertion prints a client assertion for private_key_jwt: a JWT valid for one minute, for one
// token request, signed with the private key whose public key is on the application's Credentials tab.
package main

import (
	"fmt"
	"log"
	"os"
` + assertionImports + `)

` + assertionFunc(clientID, auth) + `
func main() {
	assertion, err := clientAssertion("private.pem")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(assertion)
}
`)
}

// assertionImports are the imports of assertionFunc, but fmt and os, which its callers import.
const assertionImports = `	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
`

// assertionFunc is the function that signs an assertion (SPEC-users §16): iss and sub the client id,
// aud the issuer, a fresh jti, and a lifetime within the five minutes orgauth allows.
func assertionFunc(clientID string, auth snippetAuth) string {
	return `// clientAssertion signs a client assertion with the PKCS#8 RSA private key in the PEM file.
func clientAssertion(keyFile string) (string, error) {
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return "", fmt.Errorf("%s: no PEM block", keyFile)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.` + auth.Alg + `, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", ` + strconv.Quote(auth.KID) + `))
	if err != nil {
		return "", err
	}
	now := time.Now()
	return jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: ` + strconv.Quote(clientID) + `,
		Subject: ` + strconv.Quote(clientID) + `,
		Audience: jwt.Audience{` + strconv.Quote(auth.Issuer) + `},
		ID: rand.Text(),
		IssuedAt: jwt.NewNumericDate(now),
		Expiry: jwt.NewNumericDate(now.Add(time.Minute)),
	}).Serialize()
}
`
}

// gofmt formats a snippet as gofmt would; the snippets are constant but for quoted values, so it
// cannot fail, and the tests check that it does not.
func gofmt(src string) string {
	out, err := format.Source([]byte(src))
	if err != nil {
		return src
	}
	return string(out)
}
