package tenant

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// people is a tenant for the rules of the people half, with a clock the test moves and the store at
// hand for what no operation of this package creates (users, connections, login leftovers).
type people struct {
	t   *testing.T
	ctx context.Context
	s   *Service
	now time.Time
	n   int
}

func newPeople(t *testing.T) *people {
	t.Helper()
	p := &people{t: t, ctx: context.Background(), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s, err := Open(p.ctx, openSQLite(t), Options{Issuer: testIssuer, Now: func() time.Time { return p.now }})
	if err != nil {
		t.Fatal(err)
	}
	p.s = s
	return p
}

func (p *people) must(err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
}

func (p *people) next() int { p.n++; return p.n }

// connection creates a connection of the strategy.
func (p *people) connection(strategy string) store.Connection {
	p.t.Helper()
	n := p.next()
	c := store.Connection{ID: fmt.Sprintf("con_%016d", n), Name: fmt.Sprintf("conn-%d", n), Strategy: strategy,
		ShowAsButton: true, CreatedAt: p.now, UpdatedAt: p.now}
	p.must(p.s.store.CreateConnection(p.ctx, c, nil))
	return c
}

// user creates a user of the connection.
func (p *people) user(connectionID string) store.User {
	p.t.Helper()
	n := p.next()
	u := store.User{ID: fmt.Sprintf("auth0|%024x", n), ConnectionID: connectionID, Email: fmt.Sprintf("user%d@example.com", n),
		CreatedAt: p.now, UpdatedAt: p.now}
	p.must(p.s.store.CreateUser(p.ctx, u))
	return u
}

func (p *people) organization(name string) Organization {
	p.t.Helper()
	o, err := p.s.CreateOrganization(p.ctx, OrganizationInput{Name: name})
	p.must(err)
	return o
}

func (p *people) role(name string) Role {
	p.t.Helper()
	r, err := p.s.CreateRole(p.ctx, RoleInput{Name: name})
	p.must(err)
	return r
}

// client creates an application whose organization_usage is usage and whose login route is
// initiateLoginURI.
func (p *people) client(usage, initiateLoginURI string) Client {
	p.t.Helper()
	in := ClientInput{Name: "Portal", AppType: ptr("regular_web")}
	if usage != "" {
		in.OrganizationUsage = &usage
	}
	c, _, err := p.s.CreateClient(p.ctx, in)
	p.must(err)
	c, err = p.s.store.UpdateClient(p.ctx, c.ClientID, func(c *store.Client) error {
		c.InitiateLoginURI = initiateLoginURI
		return nil
	})
	p.must(err)
	return c
}

// refreshToken starts a refresh-token family for the user, issued with the organization.
func (p *people) refreshToken(clientID, userID, orgID string) store.RefreshToken {
	p.t.Helper()
	n := p.next()
	tok := store.RefreshToken{TokenHash: []byte(fmt.Sprintf("hash-%032d", n)), FamilyID: fmt.Sprintf("fam-%d", n),
		ClientID: clientID, UserID: userID, OrganizationID: orgID, CreatedAt: p.now}
	p.must(p.s.store.CreateRefreshToken(p.ctx, tok))
	return tok
}
