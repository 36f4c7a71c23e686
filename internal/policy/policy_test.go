package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeTenant is a Tenant held in maps.
type fakeTenant struct {
	namesAllowed bool
	apis         map[string]API
	grants       map[[2]string]Grant // by (client id, audience)
	orgs         []Organization
	links        map[[2]string]bool // by (organization id, grant id)
}

func (f *fakeTenant) Issuer() string                 { return "https://issuer.example/" }
func (f *fakeTenant) OrganizationNamesAllowed() bool { return f.namesAllowed }
func (f *fakeTenant) API(aud string) (API, bool)     { a, ok := f.apis[aud]; return a, ok }
func (f *fakeTenant) ClientGrant(clientID, aud string) (Grant, bool) {
	g, ok := f.grants[[2]string{clientID, aud}]
	return g, ok
}
func (f *fakeTenant) OrganizationByID(id string) (Organization, bool) {
	i := slices.IndexFunc(f.orgs, func(o Organization) bool { return o.ID == id })
	if i < 0 {
		return Organization{}, false
	}
	return f.orgs[i], true
}
func (f *fakeTenant) OrganizationByName(name string) (Organization, bool) {
	i := slices.IndexFunc(f.orgs, func(o Organization) bool { return o.Name == name })
	if i < 0 {
		return Organization{}, false
	}
	return f.orgs[i], true
}
func (f *fakeTenant) Associated(orgID, grantID string) bool {
	return f.links[[2]string{orgID, grantID}]
}

const (
	audience = "https://api.example"
	clientID = "bot"
	grantID  = "cgr_1"
)

var (
	acme   = Organization{ID: "org_acme", Name: "acme"}
	globex = Organization{ID: "org_globex", Name: "globex"}
	now    = time.Unix(1_800_000_000, 0)
)

// tenantWith is a tenant with the API, and the client's grant when g is not nil, linked to acme when linked.
func tenantWith(g *Grant, linked bool) *fakeTenant {
	t := &fakeTenant{
		apis:   map[string]API{audience: {Identifier: audience, SigningAlg: "ES256", TokenLifetime: 600}},
		grants: map[[2]string]Grant{},
		orgs:   []Organization{acme, globex},
		links:  map[[2]string]bool{},
	}
	if g != nil {
		t.grants[[2]string{clientID, audience}] = *g
		t.links[[2]string{acme.ID, g.ID}] = linked
	}
	return t
}

var m2m = Client{ID: clientID, GrantTypes: []string{GrantClientCredentials}}

// TestDecide covers each rule of docs/compatibility.md#order-of-checks with a named case; the
// enumeration below covers every combination.
func TestDecide(t *testing.T) {
	read := []string{"read", "write"}
	withDefault := m2m
	withDefault.DefaultOrganization, withDefault.DefaultOrganizationFlows = acme.ID, []string{GrantClientCredentials}
	tests := []struct {
		name    string
		client  Client
		grant   *Grant
		linked  bool
		names   bool
		org     string
		scopes  []string
		reason  Reason // 0: a token
		wantOrg Organization
	}{
		{name: "token/no organization", client: m2m, grant: &Grant{ID: grantID, Scopes: read}},
		{name: "refused/no client_credentials grant type", client: Client{ID: clientID, GrantTypes: []string{"authorization_code"}}, grant: &Grant{ID: grantID}, reason: ReasonGrantTypeNotAllowed},
		{name: "refused/public client", client: Client{ID: clientID, GrantTypes: []string{GrantClientCredentials}, Public: true}, grant: &Grant{ID: grantID}, reason: ReasonGrantTypeNotAllowed},
		{name: "refused/no grant", client: m2m, reason: ReasonNoGrant},
		{name: "refused/organization sent, usage deny", client: m2m, grant: &Grant{ID: grantID, Usage: UsageDeny}, linked: true, org: acme.ID, reason: ReasonOrganizationNotAllowed},
		{name: "refused/organization sent, usage unset", client: m2m, grant: &Grant{ID: grantID}, linked: true, org: acme.ID, reason: ReasonOrganizationNotAllowed},
		{name: "token/usage allow, no organization", client: m2m, grant: &Grant{ID: grantID, Usage: UsageAllow}},
		{name: "token/usage allow, linked organization by id", client: m2m, grant: &Grant{ID: grantID, Usage: UsageAllow}, linked: true, org: acme.ID, wantOrg: acme},
		{name: "refused/usage require, no organization", client: m2m, grant: &Grant{ID: grantID, Usage: UsageRequire}, linked: true, reason: ReasonOrganizationRequired},
		{name: "token/usage require, the default organization", client: withDefault, grant: &Grant{ID: grantID, Usage: UsageRequire}, linked: true, wantOrg: acme},
		{name: "token/usage allow ignores the default organization", client: withDefault, grant: &Grant{ID: grantID, Usage: UsageAllow}, linked: true},
		{name: "refused/usage require, unlinked", client: m2m, grant: &Grant{ID: grantID, Usage: UsageRequire}, org: acme.ID, reason: ReasonOrganizationDenied},
		{name: "token/usage require, unlinked but any organization", client: m2m, grant: &Grant{ID: grantID, Usage: UsageRequire, AllowAnyOrganization: true}, org: globex.ID, wantOrg: globex},
		{name: "refused/unknown organization, any organization", client: m2m, grant: &Grant{ID: grantID, Usage: UsageRequire, AllowAnyOrganization: true}, org: "org_nobody", reason: ReasonOrganizationDenied},
		{name: "token/name in another case, names on", client: m2m, grant: &Grant{ID: grantID, Usage: UsageRequire}, linked: true, names: true, org: "ACME", wantOrg: acme},
		{name: "refused/name, names off", client: m2m, grant: &Grant{ID: grantID, Usage: UsageRequire}, linked: true, org: "acme", reason: ReasonOrganizationDenied},
		{name: "token/scopes narrowed, grant order", client: m2m, grant: &Grant{ID: grantID, Scopes: read}, scopes: []string{"write", "read", "admin"}},
		{name: "refused/no requested scope granted", client: m2m, grant: &Grant{ID: grantID, Scopes: read}, scopes: []string{"admin"}, reason: ReasonScopeNotGranted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ten := tenantWith(tt.grant, tt.linked)
			ten.namesAllowed = tt.names
			tok, err := Decide(ten, Request{Client: tt.client, Audience: audience, Organization: tt.org, Scopes: tt.scopes, Now: now})
			if tt.reason != 0 {
				r, ok := errors.AsType[*Refusal](err)
				if !ok || r.Reason != tt.reason {
					t.Fatalf("Decide = %+v, %v; want refusal %d", tok, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decide refused: %v", err)
			}
			if tok.OrganizationID() != tt.wantOrg.ID {
				t.Errorf("org_id %q, want %q", tok.OrganizationID(), tt.wantOrg.ID)
			}
			if tt.names && tok.OrganizationName() != tt.wantOrg.Name || !tt.names && tok.OrganizationName() != "" {
				t.Errorf("org_name %q with names allowed %v", tok.OrganizationName(), tt.names)
			}
			if tok.Subject() != clientID+"@clients" || tok.ClientID() != clientID || tok.Audience() != audience ||
				tok.SigningAlg() != "ES256" || tok.Issuer() != "https://issuer.example/" || !tok.Valid() {
				t.Errorf("token %+v", tok)
			}
			if !tok.IssuedAt().Equal(now) || tok.Lifetime() != 600*time.Second {
				t.Errorf("iat %v, lifetime %v", tok.IssuedAt(), tok.Lifetime())
			}
			if len(tt.scopes) > 0 && tok.Scope() != "read write" {
				t.Errorf("scope %q, want the requested granted scopes in the grant's order", tok.Scope())
			}
		})
	}
}

// The dimensions of the enumeration. Each is an enum whose last value counts them.
type (
	orgParam   int // the organization parameter
	defaultOrg int // the client's default organization
	scopeAsk   int // the scope parameter
)

const (
	paramNone        orgParam = iota
	paramID                   // acme's id
	paramName                 // acme's name in upper case
	paramUnknownID            // an id nobody has
	paramUnknownName          // a name nobody has
	paramCount
)

const (
	defaultNone      defaultOrg = iota
	defaultAcme                 // acme, for client_credentials
	defaultOtherFlow            // acme, but for another flow only
	defaultMissing              // an organization that no longer exists
	defaultCount
)

const (
	scopesNone    scopeAsk = iota // no scope parameter
	scopesGranted                 // one granted scope
	scopesMixed                   // a granted and an unknown scope
	scopesForeign                 // only scopes not granted
	scopeCount
)

// facts is one point of the enumeration.
type facts struct {
	grantType, public, apiExists, grantExists, anyOrg, linked, namesAllowed bool
	usage                                                                   Usage
	param                                                                   orgParam
	dflt                                                                    defaultOrg
	scopes                                                                  scopeAsk
}

// expectation is the plain statement of the rules, written from the facts rather than the lookups:
// what the token says (organization; scopes) or why it is refused.
type expectation struct {
	reason Reason
	org    string
	scopes []string
}

func rules(f facts) expectation {
	sent := f.param != paramNone
	if !f.grantType || f.public {
		return expectation{reason: ReasonGrantTypeNotAllowed}
	}
	if !f.apiExists {
		return expectation{reason: ReasonUnknownAudience}
	}
	if !f.grantExists {
		return expectation{reason: ReasonNoGrant}
	}
	orgsAllowed := f.usage == UsageAllow || f.usage == UsageRequire
	if sent && !orgsAllowed {
		return expectation{reason: ReasonOrganizationNotAllowed}
	}
	// Which organization the token would be for, and whether it resolves to acme.
	named, isAcme := false, false
	switch {
	case sent:
		named = true
		isAcme = f.param == paramID || f.param == paramName && f.namesAllowed
	case f.usage == UsageRequire && f.dflt == defaultAcme:
		named, isAcme = true, true
	case f.usage == UsageRequire && f.dflt == defaultMissing:
		named = true
	}
	if f.usage == UsageRequire && !named {
		return expectation{reason: ReasonOrganizationRequired}
	}
	if named && !(isAcme && (f.anyOrg || f.linked)) {
		return expectation{reason: ReasonOrganizationDenied}
	}
	e := expectation{scopes: []string{"read", "write"}}
	switch f.scopes {
	case scopesGranted, scopesMixed:
		e.scopes = []string{"write"}
	case scopesForeign:
		return expectation{reason: ReasonScopeNotGranted}
	}
	if named {
		e.org = acme.ID
	}
	return e
}

// request builds the tenant and the request that the facts describe.
func (f facts) request() (*fakeTenant, Request) {
	var g *Grant
	if f.grantExists {
		g = &Grant{ID: grantID, Usage: f.usage, AllowAnyOrganization: f.anyOrg, Scopes: []string{"read", "write"}}
	}
	t := tenantWith(g, f.linked)
	t.namesAllowed = f.namesAllowed
	if !f.apiExists {
		delete(t.apis, audience)
	}
	c := Client{ID: clientID, Public: f.public}
	if f.grantType {
		c.GrantTypes = []string{"authorization_code", GrantClientCredentials}
	}
	switch f.dflt {
	case defaultAcme:
		c.DefaultOrganization, c.DefaultOrganizationFlows = acme.ID, []string{GrantClientCredentials}
	case defaultOtherFlow:
		c.DefaultOrganization, c.DefaultOrganizationFlows = acme.ID, []string{"authorization_code"}
	case defaultMissing:
		c.DefaultOrganization, c.DefaultOrganizationFlows = "org_deleted", []string{GrantClientCredentials}
	}
	r := Request{Client: c, Audience: audience, Now: now}
	r.Organization = [...]string{"", acme.ID, "ACME", "org_nobody", "nobody"}[f.param]
	r.Scopes = [...][]string{nil, {"write"}, {"write", "admin"}, {"admin", "delete"}}[f.scopes]
	return t, r
}

// TestDecideEveryCombination compares Decide with the rules on every combination of the facts: the
// grant type, public clients, the API, the grant, organization_usage, allow_any_organization, the
// association, the tenant's names flag, the organization parameter, the default organization and
// the scopes asked for.
func TestDecideEveryCombination(t *testing.T) {
	n := 0
	bools := []bool{false, true}
	for _, grantType := range bools {
		for _, public := range bools {
			for _, apiExists := range bools {
				for _, grantExists := range bools {
					for _, usage := range Usages {
						for _, anyOrg := range bools {
							for _, linked := range bools {
								for _, names := range bools {
									for param := range paramCount {
										for dflt := range defaultCount {
											for scopes := range scopeCount {
												f := facts{grantType, public, apiExists, grantExists, anyOrg, linked, names, usage, param, dflt, scopes}
												check(t, f)
												n++
											}
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if want := 1 << 7 * len(Usages) * int(paramCount) * int(defaultCount) * int(scopeCount); n != want {
		t.Fatalf("enumerated %d combinations, want %d", n, want)
	}
}

func check(t *testing.T, f facts) {
	t.Helper()
	ten, req := f.request()
	want := rules(f)
	tok, err := Decide(ten, req)
	if want.reason != 0 {
		r, ok := errors.AsType[*Refusal](err)
		if !ok || r.Reason != want.reason {
			t.Fatalf("%+v: Decide = %+v, %v; want refusal %d", f, tok, err, want.reason)
		}
		if r.Reason == ReasonOrganizationDenied && r.Organization == "" {
			t.Fatalf("%+v: the refusal does not name the organization", f)
		}
		if tok.Valid() {
			t.Fatalf("%+v: a refusal came with a token", f)
		}
		return
	}
	if err != nil {
		t.Fatalf("%+v: Decide refused: %v; want a token for %q", f, err, want.org)
	}
	if tok.OrganizationID() != want.org || !slices.Equal(tok.Scopes(), want.scopes) {
		t.Fatalf("%+v: token for %q with %v, want %q with %v", f, tok.OrganizationID(), tok.Scopes(), want.org, want.scopes)
	}
	wantName := ""
	if want.org != "" && f.namesAllowed {
		wantName = acme.Name
	}
	if tok.OrganizationName() != wantName {
		t.Fatalf("%+v: org_name %q, want %q", f, tok.OrganizationName(), wantName)
	}
}

// FuzzDecide decides random requests against a random small tenant and checks what must hold of
// every token, whatever the order of the rules: the API and the grant exist, the organization exists
// and the grant may act for it, the usage is respected, and the scopes are granted and requested.
func FuzzDecide(f *testing.F) {
	f.Add(uint64(0), "org_a", "read")
	f.Add(uint64(0xffff_ffff), "A", "read write admin")
	f.Add(uint64(0x1234_5678_9abc), "", "")
	f.Add(uint64(542), "org_a", "")  // require, not associated
	f.Add(uint64(543), "A", "write") // the same, by name with names allowed
	f.Fuzz(func(t *testing.T, bits uint64, org, scope string) {
		bit := func(i int) bool { return bits>>i&1 == 1 }
		ten := &fakeTenant{
			namesAllowed: bit(0),
			apis:         map[string]API{},
			grants:       map[[2]string]Grant{},
			orgs:         []Organization{{ID: "org_a", Name: "a"}, {ID: "org_b", Name: "b"}},
			links:        map[[2]string]bool{},
		}
		if bit(1) {
			ten.apis[audience] = API{Identifier: audience, SigningAlg: "RS256", TokenLifetime: int(bits>>32) & 0xffff}
		}
		if bit(2) {
			g := Grant{ID: grantID, Usage: Usages[bits>>3&3], AllowAnyOrganization: bit(5), Scopes: []string{"read", "write"}}
			ten.grants[[2]string{clientID, audience}] = g
		}
		ten.links[[2]string{"org_a", grantID}] = bit(6)
		ten.links[[2]string{"org_b", grantID}] = bit(7)
		c := Client{ID: clientID, Public: bit(8)}
		if bit(9) {
			c.GrantTypes = []string{GrantClientCredentials}
		}
		if bit(10) {
			c.DefaultOrganization = [...]string{"org_a", "org_b", "org_x", "a"}[bits>>11&3]
			c.DefaultOrganizationFlows = []string{GrantClientCredentials}
		}
		req := Request{Client: c, Audience: audience, Organization: org, Scopes: strings.Fields(scope), Now: now}

		tok, err := Decide(ten, req)
		if err != nil {
			if _, ok := errors.AsType[*Refusal](err); !ok {
				t.Fatalf("Decide failed with %v, not a refusal", err)
			}
			return
		}
		api, ok := ten.API(tok.Audience())
		if !ok || tok.SigningAlg() != api.SigningAlg || tok.Lifetime() != time.Duration(api.TokenLifetime)*time.Second {
			t.Fatalf("token for audience %q, alg %s, lifetime %v: not the API's", tok.Audience(), tok.SigningAlg(), tok.Lifetime())
		}
		if !slices.Contains(c.GrantTypes, GrantClientCredentials) || c.Public {
			t.Fatalf("token for a client without the grant type or public: %+v", c)
		}
		g, ok := ten.ClientGrant(clientID, audience)
		if !ok {
			t.Fatal("token without a grant")
		}
		switch o := tok.OrganizationID(); {
		case o == "" && g.Usage == UsageRequire:
			t.Fatal("token without organization from a grant that requires one")
		case o != "" && !g.Usage.AdmitsOrganizations():
			t.Fatalf("token for %s from a grant with usage %q", o, g.Usage)
		case o != "" && !g.AllowAnyOrganization && !ten.Associated(o, g.ID):
			t.Fatalf("token for %s, which the grant is not associated with", o)
		case o != "":
			if _, ok := ten.OrganizationByID(o); !ok {
				t.Fatalf("token for %s, which does not exist", o)
			}
		}
		if tok.OrganizationName() != "" && !ten.namesAllowed {
			t.Fatal("org_name with names not allowed")
		}
		for _, s := range tok.Scopes() {
			if !slices.Contains(g.Scopes, s) || len(req.Scopes) > 0 && !slices.Contains(req.Scopes, s) {
				t.Fatalf("scope %q not granted or not requested", s)
			}
		}
	})
}
