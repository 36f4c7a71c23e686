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

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// management calls orgauth's Management API (/api/v2) as the admin application.
type management struct {
	base   string       // orgauth's URL, without a trailing slash
	client *http.Client // adds the admin's Management API token to each request
}

// newManagement gets Management API tokens with the admin's client credentials. ctx carries the base HTTP
// client (oauth2.HTTPClient).
func newManagement(ctx context.Context, base string, d discovery, adminID, adminSecret string) *management {
	admin := clientcredentials.Config{
		ClientID:       adminID,
		ClientSecret:   adminSecret,
		TokenURL:       d.TokenEndpoint,
		EndpointParams: url.Values{"audience": {d.Issuer + "api/v2/"}},
		AuthStyle:      oauth2.AuthStyleInParams, // client_secret_post, the default method, which orgauth enforces
	}
	return &management{base: base, client: admin.Client(ctx)}
}

// apiError is a Management API error answer.
type apiError struct {
	Status  int    `json:"statusCode"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

// isStatus reports whether err is a Management API answer with status.
func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == status
}

// call sends body (when not nil) as JSON and decodes the answer into out (when not nil). An answer of 400
// or more is an *apiError.
func (m *management) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+"/api/v2"+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := m.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode >= 400 {
		e := &apiError{Status: res.StatusCode}
		json.Unmarshal(raw, e) // the status alone still says what happened
		return fmt.Errorf("%s %s: %w", method, path, e)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// discovery is the part of orgauth's discovery document the example needs.
type discovery struct {
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
}

func discover(ctx context.Context, client *http.Client, base string) (discovery, error) {
	var d discovery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/.well-known/openid-configuration", nil)
	if err != nil {
		return d, err
	}
	res, err := client.Do(req)
	if err != nil {
		return d, fmt.Errorf("discover orgauth at %s: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return d, fmt.Errorf("discover orgauth at %s: %s", base, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil || d.Issuer == "" || d.TokenEndpoint == "" {
		return d, fmt.Errorf("discover orgauth at %s: not a discovery document (%v)", base, err)
	}
	return d, nil
}
