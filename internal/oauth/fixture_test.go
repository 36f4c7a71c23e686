package oauth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

const testIssuer = "https://auth.example.com/"

// testNow is the fixed clock of every test.
var testNow = time.Unix(1_700_000_000, 0)

// Organizations of the fixture. Acme is associated with the allow and require grants; globex with none.
var (
	acme   = store.Organization{ID: "org_acme1234567890ab", Name: "acme"}
	globex = store.Organization{ID: "org_globex1234567890", Name: "globex"}
)

// Audiences of the fixture, one per kind of client grant.
const (
	audUnset   = "https://unset.example.com/"   // usage unset
	audDeny    = "https://deny.example.com/"    // usage deny
	audAllow   = "https://allow.example.com/"   // usage allow, associated with acme
	audAny     = "https://any.example.com/"     // usage allow, allow_any_organization
	audRequire = "https://require.example.com/" // usage require, associated with acme
	audNoGrant = "https://nogrant.example.com/" // an API without grants
	audPS256   = "https://ps256.example.com/"   // usage unset, signed with PS256 (the test signer fails)
	audUnknown = "https://unknown.example.com/" // no API
)

// Clients of the fixture: client_id -> secret.
var testSecrets = map[string]string{
	"app":      "app-secret",        // default organization acme for client_credentials
	"plain":    "plain-secret",      // no default organization
	"noflow":   "noflow-secret",     // default organization acme, but not for client_credentials
	"stranger": "stranger-secret",   // default organization globex
	"nocc":     "nocc-secret",       // lacks the client_credentials grant type
	"encoded":  "s3cr+t:%/ é&=",     // client_secret_basic; needs form-encoding inside Basic
	"a:b+c":    "colon-plus-secret", // client_secret_basic; a client_id that needs form-encoding too
	"basic":    "basic-secret",      // client_secret_basic; default organization acme for client_credentials
	"public":   "public-secret",     // token_endpoint_auth_method none (a secret stored before it became public)
	"spa":      "spa-secret",        // app_type spa, client_secret_post, client_credentials listed (stored before the rule)
}

// fakeTenant is an in-memory View. When viewErr is set, taking a view fails with it.
type fakeTenant struct {
	mu          sync.Mutex
	secrets     map[string]string
	clients     map[string]store.Client
	apis        map[string]store.ResourceServer // by identifier
	grants      map[[2]string]store.ClientGrant // by (client_id, audience)
	orgs        map[string]store.Organization   // by id
	assoc       map[[2]string]bool              // by (organization id, grant id)
	settings    store.TenantSettings
	viewErr     error
	nameLookups []string                            // names passed to OrganizationByName
	creds       map[string][]store.ClientCredential // referenced private_key_jwt credentials by client_id
}

var _ View = (*fakeTenant)(nil)

func newFakeTenant() *fakeTenant {
	d := &fakeTenant{
		secrets: testSecrets,
		clients: map[string]store.Client{},
		apis:    map[string]store.ResourceServer{},
		grants:  map[[2]string]store.ClientGrant{},
		orgs:    map[string]store.Organization{acme.ID: acme, globex.ID: globex},
		assoc:   map[[2]string]bool{},
	}
	cc := []string{"client_credentials"}
	for id := range testSecrets {
		c := store.Client{ClientID: id, GrantTypes: cc, TokenEndpointAuthMethod: "client_secret_post"}
		switch id {
		case "encoded", "a:b+c":
			c.TokenEndpointAuthMethod = "client_secret_basic"
		case "basic":
			c.TokenEndpointAuthMethod = "client_secret_basic"
			c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: acme.ID, Flows: cc}
		case "public":
			c.TokenEndpointAuthMethod = "none"
		case "spa":
			c.AppType = "spa"
		case "app":
			c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: acme.ID, Flows: cc}
		case "noflow":
			c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: acme.ID}
		case "stranger":
			c.DefaultOrganization = &store.DefaultOrganization{OrganizationID: globex.ID, Flows: cc}
		case "nocc":
			c.GrantTypes = []string{"authorization_code"}
		}
		d.clients[id] = c
	}
	apis := []struct {
		audience, alg, usage string
		allowAny, grant      bool
	}{
		{audience: audUnset, alg: "ES256", grant: true},
		{audience: audDeny, alg: "ES256", usage: store.UsageDeny, grant: true},
		{audience: audAllow, alg: "ES256", usage: store.UsageAllow, grant: true},
		{audience: audAny, alg: "ES256", usage: store.UsageAllow, allowAny: true, grant: true},
		{audience: audRequire, alg: "ES256", usage: store.UsageRequire, grant: true},
		{audience: audNoGrant, alg: "ES256"},
		{audience: audPS256, alg: "PS256", grant: true},
	}
	for i, a := range apis {
		d.apis[a.audience] = store.ResourceServer{
			ID:            fmt.Sprintf("%024x", i),
			Identifier:    a.audience,
			SigningAlg:    a.alg,
			TokenLifetime: 3600,
			Scopes:        []store.Scope{{Value: "read:data"}, {Value: "write:data"}},
		}
		if !a.grant {
			continue
		}
		for id := range d.clients {
			g := store.ClientGrant{
				ID:                   fmt.Sprintf("cgr_%s_%d", id, i),
				ClientID:             id,
				Audience:             a.audience,
				Scope:                []string{"read:data", "write:data"},
				OrganizationUsage:    a.usage,
				AllowAnyOrganization: a.allowAny,
			}
			d.grants[[2]string{id, a.audience}] = g
			if a.audience == audAllow || a.audience == audRequire {
				d.assoc[[2]string{acme.ID, g.ID}] = true
			}
		}
	}
	return d
}

// view is the Config.View of the fixture.
func (d *fakeTenant) view(context.Context) (View, error) {
	if d.viewErr != nil {
		return nil, d.viewErr
	}
	return d, nil
}

func (d *fakeTenant) Issuer() string { return testIssuer }

func (d *fakeTenant) OrganizationNamesAllowed() bool {
	return d.settings.AllowOrganizationNameInAuthenticationAPI
}

func (d *fakeTenant) tokenClient(c store.Client) *tenant.TokenClient {
	p := policy.Client{ID: c.ClientID, GrantTypes: c.GrantTypes, Public: c.IsPublic()}
	if c.DefaultOrganization != nil {
		p.DefaultOrganization, p.DefaultOrganizationFlows = c.DefaultOrganization.OrganizationID, c.DefaultOrganization.Flows
	}
	return &tenant.TokenClient{Client: c, Policy: p, Credentials: d.creds[c.ClientID]}
}

func (d *fakeTenant) AuthenticateClient(clientID, secret string) (*tenant.TokenClient, bool) {
	c, ok := d.clients[clientID]
	if !ok || d.secrets[clientID] != secret {
		return nil, false
	}
	return d.tokenClient(c), true
}

func (d *fakeTenant) Client(clientID string) (*tenant.TokenClient, bool) {
	c, ok := d.clients[clientID]
	if !ok {
		return nil, false
	}
	return d.tokenClient(c), true
}

func (d *fakeTenant) API(audience string) (policy.API, bool) {
	rs, ok := d.apis[audience]
	return policy.API{Identifier: rs.Identifier, SigningAlg: rs.SigningAlg, TokenLifetime: rs.TokenLifetime}, ok
}

func (d *fakeTenant) ClientGrant(clientID, audience string) (policy.Grant, bool) {
	g, ok := d.grants[[2]string{clientID, audience}]
	return policy.Grant{ID: g.ID, Usage: policy.Usage(g.OrganizationUsage), AllowAnyOrganization: g.AllowAnyOrganization, Scopes: g.Scope}, ok
}

func (d *fakeTenant) OrganizationByID(id string) (policy.Organization, bool) {
	o, ok := d.orgs[id]
	return policy.Organization{ID: o.ID, Name: o.Name}, ok
}

func (d *fakeTenant) OrganizationByName(name string) (policy.Organization, bool) {
	d.mu.Lock()
	d.nameLookups = append(d.nameLookups, name)
	d.mu.Unlock()
	for _, o := range d.orgs {
		if o.Name == name {
			return policy.Organization{ID: o.ID, Name: o.Name}, true
		}
	}
	return policy.Organization{}, false
}

func (d *fakeTenant) Associated(orgID, grantID string) bool {
	return d.assoc[[2]string{orgID, grantID}]
}

// testSigner signs with a real P-256 key and supports ES256 only; it records the algorithms asked for.
type testSigner struct {
	key    *ecdsa.PrivateKey
	signer jose.Signer

	mu   sync.Mutex
	algs []string
}

var _ Signer = (*testSigner)(nil)

const testKID = "test-key"

func newTestSigner(t testing.TB) *testSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: testKID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	return &testSigner{key: key, signer: signer}
}

// SignAccessToken signs the decided token's claims, serialized here by encoding/json: what the token
// says is the handler's business, its exact encoding the real signer's (internal/keys).
func (s *testSigner) SignAccessToken(tok policy.AccessToken) (string, error) {
	s.mu.Lock()
	s.algs = append(s.algs, tok.SigningAlg())
	s.mu.Unlock()
	if tok.SigningAlg() != "ES256" {
		return "", fmt.Errorf("no %s key", tok.SigningAlg())
	}
	jti := make([]byte, 16)
	rand.Read(jti)
	c := map[string]any{"iss": tok.Issuer(), "sub": tok.Subject(), "aud": tok.Audience(), "iat": tok.IssuedAt().Unix(),
		"exp": tok.ExpiresAt().Unix(), "scope": tok.Scope(), "gty": tok.GrantType(), "azp": tok.ClientID(),
		"jti": base64.RawURLEncoding.EncodeToString(jti)}
	if tok.OrganizationID() != "" {
		c["org_id"] = tok.OrganizationID()
	}
	if tok.OrganizationName() != "" {
		c["org_name"] = tok.OrganizationName()
	}
	claims, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	jws, err := s.signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// SignIDToken signs an ID token's main claims; the oauth tests check that one is issued and for whom.
func (s *testSigner) SignIDToken(tok policy.IDToken) (string, error) {
	claims, err := json.Marshal(map[string]any{"iss": tok.Issuer(), "sub": tok.Subject(), "aud": tok.Audience(),
		"iat": tok.IssuedAt().Unix(), "exp": tok.ExpiresAt().Unix(), "nonce": tok.Nonce(), "org_id": tok.OrganizationID()})
	if err != nil {
		return "", err
	}
	jws, err := s.signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (s *testSigner) JWKS() []byte {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &s.key.PublicKey, KeyID: testKID, Algorithm: "ES256", Use: "sig"},
	}})
	if err != nil {
		panic(err)
	}
	return b
}

// fixture is a Handler over the fake tenant, with its log captured.
type fixture struct {
	dir    *fakeTenant
	signer *testSigner
	mux    *http.ServeMux
	logs   *lockedBuffer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{dir: newFakeTenant(), signer: newTestSigner(t), mux: http.NewServeMux(), logs: &lockedBuffer{}}
	New(Config{
		Issuer: testIssuer,
		View:   f.dir.view,
		Signer: f.signer,
		Logger: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return testNow },
	}).Mount(f.mux)
	return f
}

func (f *fixture) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, r)
	return rec
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// formRequest is a token request with a form body.
func formRequest(form url.Values) *http.Request {
	return rawRequest("application/x-www-form-urlencoded", form.Encode())
}

func rawRequest(contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// basicHeader is the Authorization value for client_secret_basic, form-encoded per RFC 6749 §2.3.1.
func basicHeader(clientID, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(secret)))
}

// clientCredentialsForm is a client_secret_post request for client; extra adds or replaces parameters.
func clientCredentialsForm(client string, extra url.Values) url.Values {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {client},
		"client_secret": {testSecrets[client]},
	}
	for k, v := range extra {
		form[k] = v
	}
	return form
}

// checkTokenHeaders asserts the headers every token endpoint answer carries.
func checkTokenHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Type":  "application/json",
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
}

// checkError asserts an error answer: status, exactly the error and error_description fields, headers.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, description string) {
	t.Helper()
	checkTokenHeaders(t, rec)
	if rec.Code != status {
		t.Errorf("status = %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	want := map[string]any{"error": code, "error_description": description}
	if len(body) != len(want) || body["error"] != want["error"] || body["error_description"] != want["error_description"] {
		t.Errorf("body = %v, want %v", body, want)
	}
	wantChallenge := ""
	if status == http.StatusUnauthorized {
		wantChallenge = `Basic realm="` + testIssuer + `"`
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate = %q, want %q", got, wantChallenge)
	}
}

// tokenBody is a successful answer.
type tokenBody struct {
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// checkToken asserts a successful answer and returns it.
func checkToken(t *testing.T, rec *httptest.ResponseRecorder) tokenBody {
	t.Helper()
	checkTokenHeaders(t, rec)
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200 (body %s)", rec.Code, rec.Body)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &fields); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if len(fields) != 4 {
		t.Errorf("body has fields %v, want access_token, scope, expires_in, token_type", fields)
	}
	var tb tokenBody
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tb); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if tb.TokenType != "Bearer" || tb.AccessToken == "" {
		t.Errorf("token_type = %q, access_token = %q", tb.TokenType, tb.AccessToken)
	}
	return tb
}

var errBackend = errors.New("backend down")

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func httpRequest(method, target string) *http.Request {
	return httptest.NewRequest(method, target, nil)
}
