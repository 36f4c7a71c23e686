package mgmt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orgauth/orgauth/accesstoken"
	"github.com/orgauth/orgauth/internal/tenant"
)

const testIssuer = "https://auth.example.com/"

// fakeVerifier accepts fixed bearer strings, each standing for a token with a set of scopes. fault, when
// set, is returned for every token.
type fakeVerifier struct {
	tokens map[string][]string
	fault  error
}

func (v fakeVerifier) Verify(_ context.Context, token string) (accesstoken.Claims, error) {
	if v.fault != nil {
		return accesstoken.Claims{}, v.fault
	}
	scopes, ok := v.tokens[token]
	if !ok {
		return accesstoken.Claims{}, fmt.Errorf("%w: unknown token", accesstoken.ErrInvalidToken)
	}
	return accesstoken.Claims{Subject: "admin@clients", ClientID: "admin", GrantType: "client-credentials", Scopes: scopes}, nil
}

func TestHasAnyScope(t *testing.T) {
	tests := []struct {
		name     string
		granted  []string
		required []string
		want     bool
	}{
		{"exact scope", []string{"read:clients"}, []string{"read:clients"}, true},
		{"one of several accepted", []string{"update:signing_keys"}, []string{"create:signing_keys", "update:signing_keys"}, true},
		{"other scopes only", []string{"read:clients", "update:clients"}, []string{"delete:clients"}, false},
		{"no scopes", nil, []string{"read:clients"}, false},
		{"alias without underscores", []string{"create:organizationclientgrants"}, []string{"create:organization_client_grants"}, true},
		{"read alias", []string{"read:organizationclientgrants"}, []string{"read:organization_client_grants"}, true},
		{"delete alias", []string{"delete:organizationclientgrants"}, []string{"delete:organization_client_grants"}, true},
		{"an alias is not another scope", []string{"read:organizationclientgrants"}, []string{"delete:organization_client_grants"}, false},
		{"prefix is not a match", []string{"read:client"}, []string{"read:clients"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasAnyScope(tt.granted, tt.required); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	verifier := fakeVerifier{tokens: map[string][]string{
		"reader":  {"read:clients"},
		"other":   {"read:organizations"},
		"aliased": {"read:organizationclientgrants"},
	}}
	system := systemAPI{system: true}
	tests := []struct {
		name      string
		scopes    []string
		header    string
		verifier  Verifier
		tenant    systemAPI
		status    int
		body      string
		challenge bool
	}{
		{"token with the scope", []string{"read:clients"}, "Bearer reader", verifier, system, http.StatusNoContent, "", false},
		{"token for an ordinary API that has the Management API's identifier", []string{"read:clients"}, "Bearer reader",
			verifier, systemAPI{system: false}, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`, true},
		{"the Management API cannot be looked up", []string{"read:clients"}, "Bearer reader", verifier,
			systemAPI{fault: fmt.Errorf("look up: %w", tenant.ErrUnavailable)}, http.StatusServiceUnavailable,
			`{"statusCode":503,"error":"Service Unavailable","message":"The database cannot be reached; retry later.","errorCode":"temporarily_unavailable"}`, false},
		{"alias scope", []string{"read:organization_client_grants"}, "Bearer aliased", verifier, system, http.StatusNoContent, "", false},
		{"no Authorization header", []string{"read:clients"}, "", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Missing authentication"}`, true},
		{"not a bearer header", []string{"read:clients"}, "Basic YTpi", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Bad HTTP authentication header format"}`, true},
		{"no scheme", []string{"read:clients"}, "reader", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Bad HTTP authentication header format"}`, true},
		{"bearer without a token", []string{"read:clients"}, "Bearer", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Bad HTTP authentication header format"}`, true},
		{"bearer with a blank token", []string{"read:clients"}, "Bearer  ", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Bad HTTP authentication header format"}`, true},
		{"bearer with two words", []string{"read:clients"}, "Bearer reader other", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Bad HTTP authentication header format"}`, true},
		{"scheme in another case, spaces around the token", []string{"read:clients"}, "BEARER  reader ", verifier, system, http.StatusNoContent, "", false},
		{"token the verifier refuses", []string{"read:clients"}, "Bearer forged", verifier, system, http.StatusUnauthorized,
			`{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}`, true},
		{"token without the scope", []string{"read:clients"}, "Bearer other", verifier, system, http.StatusForbidden,
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: read:clients.","errorCode":"insufficient_scope"}`, false},
		{"several accepted scopes are listed", []string{"create:signing_keys", "update:signing_keys"}, "Bearer reader", verifier, system, http.StatusForbidden,
			`{"statusCode":403,"error":"Forbidden","message":"Insufficient scope; expected any of: create:signing_keys,update:signing_keys.","errorCode":"insufficient_scope"}`, false},
		{"verifier fault", []string{"read:clients"}, "Bearer reader", fakeVerifier{fault: errors.New("no keys loaded")}, system, http.StatusInternalServerError,
			`{"statusCode":500,"error":"Internal Server Error","message":"Internal error"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Config{Issuer: testIssuer, Verifier: tt.verifier, Tenant: tt.tenant})
			called := false
			handler := h.authorize(tt.scopes, func(w http.ResponseWriter, r *http.Request) error {
				called = true
				w.WriteHeader(http.StatusNoContent)
				return nil
			})
			r := httptest.NewRequest(http.MethodGet, "/api/v2/clients", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)

			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if called != (tt.status == http.StatusNoContent) {
				t.Errorf("endpoint called = %v", called)
			}
			if tt.body != "" && w.Body.String() != tt.body+"\n" {
				t.Errorf("body = %s, want %s", w.Body, tt.body)
			}
			if got := w.Header().Get("WWW-Authenticate"); (got != "") != tt.challenge {
				t.Errorf("WWW-Authenticate = %q", got)
			}
		})
	}
}

// systemAPI is a Tenant that only answers IsManagementAPI, for the token check alone.
type systemAPI struct {
	Tenant
	system bool
	fault  error
}

func (t systemAPI) IsManagementAPI(_ context.Context, identifier string) (bool, error) {
	return t.system && identifier == testIssuer+"api/v2/", t.fault
}
