// Package storetest is the conformance suite that every store.Store backend passes. A backend's test is
// one call:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmptyStore(t) })
//	}
//
// The suite tests behaviour through the interface only. Besides what store.go documents, it pins down
// what the interface leaves open, so that all backends agree:
//   - Update methods keep an entity's identity (its id and creation time, a resource server's identifier,
//     a grant's client and audience) whatever fn does, and return what a later Get returns.
//   - Nil and empty slices, maps and byte slices read back as nil; times read back in UTC, to the
//     millisecond at least.
//   - A Page with Limit zero has no limit. Checkpoint cursors are positions, not offsets: items added or
//     deleted meanwhile never shift a later page.
//   - Lists of associations are in the creation order of the entities listed (grants of an organization
//     in grant order, organizations of a grant in organization order). Listing for an unknown
//     organization or grant is ErrNotFound.
//   - DeleteClientGrant of an unknown id is ErrNotFound (the tenant answers 204 regardless).
//   - AddOrganizationClientGrant accepts a nil check, and calls check only once organization and grant
//     exist. RemoveOrganizationClientGrant is ErrNotFound for an unknown organization and no error for
//     an unknown or unassociated grant.
//   - RotateSigningKeys refuses a new key of another algorithm.
//   - A session expires at its ExpiresAt: GetSession at that instant is ErrNotFound, and
//     DeleteExpiredSessions at that instant deletes it. DeleteAdmin of an unknown id is ErrNotFound.
//   - Version grows with every successful write, tenant secrets only when first stored, and stays put
//     on reads, session writes and writes that fail or that an update or check function aborts;
//     Committed is the highest version a Store value committed itself.
//   - Every write records the entries it changes, cascades included (Changes), and Changes leads to
//     the current version; versions further back than the limit, or not recorded, are ErrChangesGone.
//   - The people half: writes of connections, users, members, roles, organization connections and
//     invitations bump the version and record no change; writes of login sessions, authorization codes
//     and refresh tokens, and RecordUserLogin, bump nothing. Deletions of a user, a connection, a role,
//     an organization, a client and an API take what depends on them along.
//   - Lists of people's associations are in the creation order of the entities listed (a connection's
//     clients in client order, a user's roles in role order, an organization's connections in
//     connection order), except members and a user's organizations, in join order, and invitations,
//     by creation time (offset pages only). Nil and empty metadata, roles and option documents read
//     back as nil; a user's blocked stays nil until set. Delete* of an unknown user, connection, role or
//     invitation, and removing an organization connection that is not there, are ErrNotFound; removing
//     members, roles and permissions that are not there is no error.
//   - An invitation, authorization code, login session or refresh token expires at its expiry instant;
//     DeleteExpired* at that instant deletes it.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Run runs the conformance suite. newStore returns a fresh, empty store for each sub-test; Run closes
// it when the sub-test ends. The suite's groups run in parallel, so newStore must be safe to call
// concurrently.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	open := func(t *testing.T) *fixture {
		s := newStore(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
		return &fixture{t: t, s: s, ctx: t.Context()}
	}
	groups := []struct {
		name string
		run  func(*testing.T, opener)
	}{
		{"resource servers", testResourceServers},
		{"clients", testClients},
		{"client grants", testClientGrants},
		{"client credentials", testClientCredentials},
		{"organizations", testOrganizations},
		{"organization search", testSearchOrganizations},
		{"organization client grants", testOrganizationClientGrants},
		{"every organization client grant", testEachOrganizationClientGrant},
		{"unknown ids", testUnknownIDs},
		{"paging", testPaging},
		{"tenant", testTenant},
		{"signing keys", testSigningKeys},
		{"bootstrap", testBootstrap},
		{"admins", testAdmins},
		{"sessions", testSessions},
		{"connections", testConnections},
		{"users", testUsers},
		{"user search", testSearchUsers},
		{"members", testMembers},
		{"roles", testRoles},
		{"organization connections", testOrganizationConnections},
		{"invitations", testInvitations},
		{"login sessions", testLoginSessions},
		{"login transactions", testLoginTransactions},
		{"authorization codes", testAuthorizationCodes},
		{"refresh tokens", testRefreshTokens},
		{"people writes", testPeopleWrites},
		{"version", testVersion},
		{"changes", testChanges},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			// Every sub-test has stores of its own, so the groups can run side by side; that hides the
			// time a backend spends creating stores (a PostgreSQL schema each).
			t.Parallel()
			g.run(t, open)
		})
	}
}

// opener gives a sub-test its own store.
type opener func(t *testing.T) *fixture

// errBoom is what update and check functions return to abort.
var errBoom = errors.New("boom")

// fixture builds entities with unique ids and distinct, millisecond-precise UTC times, and creates them.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	n   int
}

// next returns a number not used before in this fixture.
func (f *fixture) next() int {
	f.n++
	return f.n
}

// at returns a time n seconds after a fixed UTC instant, with a millisecond part.
func at(n int) time.Time {
	return time.Date(2025, 6, 1, 12, 0, 0, 123_000_000, time.UTC).Add(time.Duration(n) * time.Second)
}

// inZone is an instant with a millisecond part in a zone other than UTC, as a caller may pass it.
func inZone() time.Time {
	return time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.FixedZone("IST", 5*3600+1800))
}

func (f *fixture) newResourceServer() store.ResourceServer {
	n := f.next()
	return store.ResourceServer{
		ID:            fmt.Sprintf("%024x", n),
		Identifier:    fmt.Sprintf("https://api%d.example.com/", n),
		Name:          fmt.Sprintf("API %d", n),
		Scopes:        []store.Scope{{Value: "read:things", Description: "Read things"}},
		SigningAlg:    "RS256",
		TokenLifetime: 86400,
		TokenDialect:  store.DialectAccessToken,
		CreatedAt:     at(n),
		UpdatedAt:     at(n),
	}
}

func (f *fixture) newClient() store.Client {
	n := f.next()
	return store.Client{
		ClientID:                fmt.Sprintf("client%026d", n),
		Name:                    fmt.Sprintf("App %d", n),
		AppType:                 "non_interactive",
		GrantTypes:              []string{"client_credentials"},
		TokenEndpointAuthMethod: "client_secret_post",
		SecretHash:              []byte{byte(n), 1, 2, 3},
		IDTokenLifetime:         3600,
		RefreshToken:            store.DefaultRefreshTokenConfig(),
		CreatedAt:               at(n),
		UpdatedAt:               at(n),
	}
}

func (f *fixture) newClientGrant(clientID, audience string) store.ClientGrant {
	n := f.next()
	return store.ClientGrant{
		ID:                fmt.Sprintf("cgr_%016d", n),
		ClientID:          clientID,
		Audience:          audience,
		Scope:             []string{"read:things"},
		OrganizationUsage: store.UsageAllow,
		SubjectType:       "client",
		CreatedAt:         at(n),
		UpdatedAt:         at(n),
	}
}

func (f *fixture) newOrganization() store.Organization {
	n := f.next()
	return store.Organization{
		ID:          fmt.Sprintf("org_%016d", n),
		Name:        fmt.Sprintf("org-%d", n),
		DisplayName: fmt.Sprintf("Organization %d", n),
		CreatedAt:   at(n),
		UpdatedAt:   at(n),
	}
}

func (f *fixture) newSigningKey(alg, state string) store.SigningKey {
	n := f.next()
	return store.SigningKey{
		KID:        fmt.Sprintf("kid-%d", n),
		Alg:        alg,
		PrivateKey: []byte(fmt.Sprintf("private key %d", n)),
		State:      state,
		CreatedAt:  at(n),
	}
}

func (f *fixture) resourceServer() store.ResourceServer {
	f.t.Helper()
	rs := f.newResourceServer()
	must(f.t, f.s.CreateResourceServer(f.ctx, rs))
	return rs
}

func (f *fixture) client() store.Client {
	f.t.Helper()
	c := f.newClient()
	must(f.t, f.s.CreateClient(f.ctx, c))
	return c
}

func (f *fixture) clientGrant(clientID, audience string) store.ClientGrant {
	f.t.Helper()
	g := f.newClientGrant(clientID, audience)
	must(f.t, f.s.CreateClientGrant(f.ctx, g))
	return g
}

// grant creates a client grant with its own new client and API.
func (f *fixture) grant() store.ClientGrant {
	f.t.Helper()
	return f.clientGrant(f.client().ClientID, f.resourceServer().Identifier)
}

func (f *fixture) organization() store.Organization {
	f.t.Helper()
	o := f.newOrganization()
	must(f.t, f.s.CreateOrganization(f.ctx, o))
	return o
}

func (f *fixture) associate(org, grant string) {
	f.t.Helper()
	must(f.t, f.s.AddOrganizationClientGrant(f.ctx, org, grant, nil))
}

func (f *fixture) has(org, grant string) bool {
	f.t.Helper()
	ok, err := f.s.HasOrganizationClientGrant(f.ctx, org, grant)
	must(f.t, err)
	return ok
}

// orgGrantIDs lists the ids of all grants associated with an organization.
func (f *fixture) orgGrantIDs(org string) []string {
	f.t.Helper()
	l, err := f.s.ListOrganizationClientGrants(f.ctx, org, store.ClientGrantFilter{}, store.Page{})
	must(f.t, err)
	return ids(l.Items, grantID)
}

// grantOrgIDs lists the ids of all organizations a grant is associated with.
func (f *fixture) grantOrgIDs(grant string) []string {
	f.t.Helper()
	l, err := f.s.ListClientGrantOrganizations(f.ctx, grant, store.Page{})
	must(f.t, err)
	return ids(l.Items, orgID)
}

func rsID(rs store.ResourceServer) string { return rs.ID }
func clientID(c store.Client) string      { return c.ClientID }
func grantID(g store.ClientGrant) string  { return g.ID }
func orgID(o store.Organization) string   { return o.ID }
func keyID(k store.SigningKey) string     { return k.KID }
func ptr[T any](v T) *T                   { return &v }

// ids maps items to their ids; nil for no items, so that it compares equal to an empty want.
func ids[T any](items []T, id func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr fails unless err matches target.
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// equal compares deeply, so times must match in instant and location (UTC), and nil differs from empty.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

// show prints a value with pointers followed and times with their zone.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}
