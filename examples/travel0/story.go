package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// result is one step of the story and what came of it.
type result struct {
	step   string
	want   int // the HTTP status the step must get
	got    int // the status it got; 0 when the call itself failed
	detail string
}

func (r result) ok() bool { return r.got == r.want }

// play runs the story against the Adventures API at api, printing each step and its result. ctx carries
// the HTTP client for token requests (oauth2.HTTPClient).
func play(ctx context.Context, out io.Writer, client *http.Client, t *world, api string) []result {
	p := &player{ctx: ctx, out: out, client: client, t: t, api: api}

	p.chapter("Acme Travel's bot names its organization when it asks for a token")
	acme := p.tokens(t.acmeBot, adventuresAudience, t.acme.ID)
	p.step("gets a token for acme-travel", 200, func() (int, string) { return p.token(acme) })
	p.step("adds an adventure to acme-travel", 201, func() (int, string) {
		return p.call(acme, "POST", t.acme, "Glacier hike on the Aletsch")
	})
	p.step("lists acme-travel's adventures", 200, func() (int, string) { return p.call(acme, "GET", t.acme, "") })
	p.step("asks for a token for globex-tours: the token endpoint refuses", 403, func() (int, string) {
		return p.token(p.tokens(t.acmeBot, adventuresAudience, t.globex.ID))
	})
	p.step("uses its acme-travel token on globex-tours' adventures: the API refuses", 403, func() (int, string) {
		return p.call(acme, "GET", t.globex, "")
	})

	p.chapter("Globex Tours' bot relies on its default organization, and may only read")
	globex := p.tokens(t.globexBot, adventuresAudience, "")
	p.step("gets a token without naming an organization", 200, func() (int, string) { return p.token(globex) })
	p.step("lists globex-tours' adventures", 200, func() (int, string) { return p.call(globex, "GET", t.globex, "") })
	p.step("tries to add an adventure: the API refuses", 403, func() (int, string) {
		return p.call(globex, "POST", t.globex, "Night safari")
	})

	p.chapter("Travel0's CLI may act for any organization (allow_any_organization)")
	p.step("adds an adventure to initech-trips", 201, func() (int, string) {
		return p.call(p.tokens(t.cli, adventuresAudience, t.initech.ID), "POST", t.initech, "Fjord kayaking")
	})
	p.step("lists acme-travel's adventures", 200, func() (int, string) {
		return p.call(p.tokens(t.cli, adventuresAudience, t.acme.ID), "GET", t.acme, "")
	})
	p.step("uses a token for no organization on acme-travel's adventures: the API refuses", 403, func() (int, string) {
		return p.call(p.tokens(t.cli, adventuresAudience, ""), "GET", t.acme, "")
	})
	p.step("uses a token for the Billing API on the Adventures API: the API refuses", 401, func() (int, string) {
		return p.call(p.tokens(t.cli, billingAudience, ""), "GET", t.acme, "")
	})

	p.chapter("Wanderlust, an aggregator, reads for acme-travel and globex-tours only")
	p.step("lists acme-travel's adventures", 200, func() (int, string) {
		return p.call(p.tokens(t.aggregator, adventuresAudience, t.acme.ID), "GET", t.acme, "")
	})
	p.step("lists globex-tours' adventures", 200, func() (int, string) {
		return p.call(p.tokens(t.aggregator, adventuresAudience, t.globex.ID), "GET", t.globex, "")
	})
	p.step("asks for a token for initech-trips: the token endpoint refuses", 403, func() (int, string) {
		return p.token(p.tokens(t.aggregator, adventuresAudience, t.initech.ID))
	})

	p.chapter("Anyone")
	p.step("lists acme-travel's adventures without a token: the API refuses", 401, func() (int, string) {
		return p.call(nil, "GET", t.acme, "")
	})
	return p.results
}

type player struct {
	ctx     context.Context
	out     io.Writer
	client  *http.Client
	t       *world
	api     string
	results []result
}

func (p *player) chapter(title string) { fmt.Fprintf(p.out, "\n%s\n", title) }

func (p *player) step(title string, want int, do func() (int, string)) {
	got, detail := do()
	r := result{step: title, want: want, got: got, detail: detail}
	p.results = append(p.results, r)
	fmt.Fprintf(p.out, "%3d. %s\n     → %d %s\n", len(p.results), title, got, detail)
	if !r.ok() {
		fmt.Fprintf(p.out, "     UNEXPECTED: the story expects %d\n", want)
	}
}

// tokens is how an application gets tokens: the client-credentials flow of golang.org/x/oauth2, with the
// audience and, when not empty, the organization as extra parameters of the token request.
func (p *player) tokens(app application, audience, organization string) oauth2.TokenSource {
	params := url.Values{"audience": {audience}}
	if organization != "" {
		params.Set("organization", organization)
	}
	cfg := clientcredentials.Config{
		ClientID:       app.ClientID,
		ClientSecret:   app.ClientSecret,
		TokenURL:       p.t.tokenURL,
		EndpointParams: params,
		AuthStyle:      oauth2.AuthStyleInParams, // client_secret_post, the default method, which orgauth enforces
	}
	return cfg.TokenSource(p.ctx)
}

// token gets a token from ts and says what it holds, or why the token endpoint refused.
func (p *player) token(ts oauth2.TokenSource) (int, string) {
	tok, err := ts.Token()
	if err != nil {
		return tokenError(err)
	}
	return http.StatusOK, describeToken(tok.AccessToken)
}

// call sends GET, or POST with an adventure called title, to the organization's adventures, with a token
// from ts (none when ts is nil), and says what the API answered.
func (p *player) call(ts oauth2.TokenSource, method string, org organization, title string) (int, string) {
	var body io.Reader
	if method == http.MethodPost {
		b, _ := json.Marshal(map[string]string{"title": title})
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(p.ctx, method, p.api+"/orgs/"+org.ID+"/adventures", body)
	if err != nil {
		return 0, err.Error()
	}
	client := p.client
	if ts != nil {
		client = oauth2.NewClient(p.ctx, ts) // adds "Authorization: Bearer <token>" to each request
	}
	res, err := client.Do(req)
	if err != nil {
		return tokenError(err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
		var list []adventure
		if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
			return res.StatusCode, err.Error()
		}
		return res.StatusCode, describeAdventures(list)
	case http.StatusCreated:
		var a adventure
		if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
			return res.StatusCode, err.Error()
		}
		return res.StatusCode, fmt.Sprintf("%s %q", a.ID, a.Title)
	default:
		return res.StatusCode, "WWW-Authenticate: " + res.Header.Get("WWW-Authenticate")
	}
}

func describeAdventures(list []adventure) string {
	titles := make([]string, len(list))
	for i, a := range list {
		titles[i] = fmt.Sprintf("%q", a.Title)
	}
	switch len(list) {
	case 0:
		return "no adventures"
	case 1:
		return "1 adventure: " + titles[0]
	default:
		return fmt.Sprintf("%d adventures: %s", len(list), strings.Join(titles, ", "))
	}
}

// tokenError says why a token request failed.
func tokenError(err error) (int, string) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.Response.StatusCode, re.ErrorCode + ": " + re.ErrorDescription
	}
	return 0, err.Error()
}

// describeToken shows the claims that matter here. It reads them without checking the signature: the
// application only looks; the API is the one that verifies.
func describeToken(token string) string {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		return "unreadable token: " + err.Error()
	}
	var c struct {
		OrgID string `json:"org_id"`
		Scope string `json:"scope"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return "unreadable token: " + err.Error()
	}
	org := "no org_id"
	if c.OrgID != "" {
		org = "org_id=" + c.OrgID
	}
	return fmt.Sprintf("token with %s, scope %q", org, c.Scope)
}
