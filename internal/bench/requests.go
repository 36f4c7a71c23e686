package bench

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// tokenRequest is one organization's client-credentials request for the API signed with alg, by its
// first associated application, authenticated with client_secret_basic.
type tokenRequest struct {
	clientID, secret, audience, org string
}

func (m *manifest) tokenRequest(i int, alg string) tokenRequest {
	a := m.Apps[m.orgApp(i, 0)]
	return tokenRequest{clientID: a.ClientID, secret: a.Secret, audience: audience(alg), org: m.Orgs[i]}
}

func (t tokenRequest) body() string {
	return url.Values{
		"grant_type":   {"client_credentials"},
		"audience":     {t.audience},
		"organization": {t.org},
	}.Encode()
}

// basicAuth is the Authorization value of client_secret_basic: both parts form-encoded (RFC 6749 §2.3.1).
func basicAuth(clientID, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(secret)))
}

// wire is the request as the generator writes it: HTTP/1.1, keep-alive.
func (t tokenRequest) wire(host string) []byte {
	body := t.body()
	return []byte("POST /oauth/token HTTP/1.1\r\n" +
		"Host: " + host + "\r\n" +
		"Authorization: " + basicAuth(t.clientID, t.secret) + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"\r\n" + body)
}

// tokenRequests is every organization's request for alg, ready to send to host.
func (m *manifest) tokenRequests(host, alg string) *requestSet {
	reqs := make([][]byte, len(m.Orgs))
	for i := range reqs {
		reqs[i] = m.tokenRequest(i, alg).wire(host)
	}
	return &requestSet{reqs: reqs}
}

// checkToken sends one request for alg with net/http and checks that the answer is a token of the
// right shape for the organization: the load then only counts statuses.
func checkToken(client *http.Client, baseURL string, m *manifest, alg string) error {
	t := m.tokenRequest(0, alg)
	req, err := http.NewRequest(http.MethodPost, baseURL+"oauth/token", strings.NewReader(t.body()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", basicAuth(t.clientID, t.secret))
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("token request: status %d: %s", res.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		return fmt.Errorf("token answer %s: %w", body, err)
	}
	parts := strings.Split(tok.AccessToken, ".")
	if tok.TokenType != "Bearer" || len(parts) != 3 {
		return fmt.Errorf("token answer is not a Bearer JWT: %s", body)
	}
	var header struct{ Alg string }
	var claims struct {
		Aud   string
		OrgID string `json:"org_id"`
	}
	for part, v := range map[string]any{parts[0]: &header, parts[1]: &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil {
			return fmt.Errorf("token segment: %w", err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("token segment %s: %w", raw, err)
		}
	}
	if header.Alg != alg || claims.Aud != t.audience || claims.OrgID != t.org {
		return fmt.Errorf("token for %s, audience %s, organization %s; want %s, %s, %s",
			header.Alg, claims.Aud, claims.OrgID, alg, t.audience, t.org)
	}
	return nil
}
