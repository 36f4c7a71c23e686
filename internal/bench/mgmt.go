package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/tenant"
)

// mgmtClient calls the Management API as the seeded admin application.
type mgmtClient struct {
	http    *http.Client
	baseURL string
	token   string
}

func newMgmtClient(client *http.Client, baseURL string, m *manifest) (*mgmtClient, error) {
	// The bootstrap admin authenticates with client_secret_post, which the token endpoint enforces.
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"audience":      {tenant.ManagementAudience(m.Issuer)},
		"client_id":     {m.AdminID},
		"client_secret": {m.AdminSecret},
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := doJSON(client, req, http.StatusOK, &tok); err != nil {
		return nil, fmt.Errorf("management token: %w", err)
	}
	return &mgmtClient{http: client, baseURL: baseURL, token: tok.AccessToken}, nil
}

func (c *mgmtClient) do(method, path, body string, want int) error {
	req, err := http.NewRequest(method, c.baseURL+"api/v2/"+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return doJSON(c.http, req, want, nil)
}

// doJSON sends req and decodes the answer into out (unless nil) when its status is want.
func doJSON(client *http.Client, req *http.Request, want int, out any) error {
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, res.StatusCode, want, body)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// association is the k-th of n associations spread over the whole table: an organization and the
// grant of an application it is not associated with.
func association(m *manifest, k, n int) (org, grant string) {
	i := k * max(len(m.Orgs)/n, 1) % len(m.Orgs)
	return m.Orgs[i], m.Apps[m.orgApp(i, m.Scale.AppsPerOrg)].Grants[benchAlgs[0]]
}

func (c *mgmtClient) associate(org, grant string) error {
	if err := c.do(http.MethodPost, "organizations/"+org+"/client-grants", `{"grant_id":"`+grant+`"}`, http.StatusCreated); err != nil {
		return fmt.Errorf("associate: %w", err)
	}
	return nil
}

func (c *mgmtClient) removeAssociation(org, grant string) error {
	if err := c.do(http.MethodDelete, "organizations/"+org+"/client-grants/"+grant, "", http.StatusNoContent); err != nil {
		return fmt.Errorf("remove the association: %w", err)
	}
	return nil
}

// associationLatency associates n organizations each with a grant of an application it is not
// associated with, one at a time through the Management API, and returns how long each association
// took. Every association is removed afterwards, untimed, so the store keeps what was seeded.
func associationLatency(c *mgmtClient, m *manifest, n int) (*histogram, error) {
	var h histogram
	for k := range n {
		org, grant := association(m, k, n)
		start := time.Now()
		err := c.associate(org, grant)
		h.record(time.Since(start))
		if err != nil {
			return nil, err
		}
		if err := c.removeAssociation(org, grant); err != nil {
			return nil, err
		}
	}
	return &h, nil
}

// churn associates organizations with grants and removes the associations again, at rate writes per
// second, until stop is closed: the Management traffic of a tenant whose customers keep changing their
// applications' access. It returns how many writes it made.
func churn(c *mgmtClient, m *manifest, rate float64, stop <-chan struct{}) (int, error) {
	const spread = 1000 // associations the churn cycles through
	// Two writes per tick: an association and its removal.
	tick := time.NewTicker(time.Duration(2 * float64(time.Second) / rate))
	defer tick.Stop()
	writes := 0
	for k := 0; ; k++ {
		select {
		case <-stop:
			return writes, nil
		case <-tick.C:
		}
		org, grant := association(m, k%spread, spread)
		if err := c.associate(org, grant); err != nil {
			return writes, err
		}
		writes++
		if err := c.removeAssociation(org, grant); err != nil {
			return writes, err
		}
		writes++
	}
}
