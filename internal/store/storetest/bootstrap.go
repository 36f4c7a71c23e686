package storetest

import (
	"sync"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

// bootstrap builds what a first start creates: the Management API, the admin client and its grant.
func (f *fixture) bootstrap() store.Bootstrap {
	api := f.newResourceServer()
	api.Identifier, api.IsSystem = "https://auth.example.com/api/v2/", true
	c := f.newClient()
	return store.Bootstrap{API: api, Client: c, Grant: f.newClientGrant(c.ClientID, api.Identifier)}
}

func testBootstrap(t *testing.T, open opener) {
	t.Run("creates the API, the client and the grant", func(t *testing.T) {
		f := open(t)
		b := f.bootstrap()
		created, err := f.s.Bootstrap(f.ctx, b)
		must(t, err)
		equal(t, "created", created, true)
		api, err := f.s.GetResourceServer(f.ctx, b.API.ID)
		must(t, err)
		equal(t, "API", api, b.API)
		c, err := f.s.GetClient(f.ctx, b.Client.ClientID)
		must(t, err)
		equal(t, "client", c, b.Client)
		g, err := f.s.GetClientGrant(f.ctx, b.Grant.ID)
		must(t, err)
		equal(t, "grant", g, b.Grant)
	})

	t.Run("refuses, changing nothing, when an ordinary API has the identifier", func(t *testing.T) {
		f := open(t)
		b := f.bootstrap()
		existing := f.newResourceServer()
		existing.Identifier = b.API.Identifier
		must(t, f.s.CreateResourceServer(f.ctx, existing))

		created, err := f.s.Bootstrap(f.ctx, b)
		wantErr(t, err, store.ErrConflict)
		equal(t, "created", created, false)
		_, err = f.s.GetClient(f.ctx, b.Client.ClientID)
		wantErr(t, err, store.ErrNotFound)
		_, err = f.s.GetClientGrant(f.ctx, b.Grant.ID)
		wantErr(t, err, store.ErrNotFound)
		api, err := f.s.GetResourceServerByIdentifier(f.ctx, b.API.Identifier)
		must(t, err)
		equal(t, "API", api, existing)
		_, err = f.s.GetSystemResourceServer(f.ctx)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("the system resource server is the Management API, before and after a move", func(t *testing.T) {
		f := open(t)
		_, err := f.s.GetSystemResourceServer(f.ctx)
		wantErr(t, err, store.ErrNotFound)
		ordinary := f.newResourceServer()
		must(t, f.s.CreateResourceServer(f.ctx, ordinary))
		b := f.bootstrap()
		_, err = f.s.Bootstrap(f.ctx, b)
		must(t, err)
		api, err := f.s.GetSystemResourceServer(f.ctx)
		must(t, err)
		equal(t, "system API", api, b.API)
		moved := f.bootstrap()
		moved.API.Identifier = "https://new.example.com/api/v2/"
		_, err = f.s.Bootstrap(f.ctx, moved)
		must(t, err)
		api, err = f.s.GetSystemResourceServer(f.ctx)
		must(t, err)
		equal(t, "system API id", api.ID, b.API.ID)
		equal(t, "system API identifier", api.Identifier, moved.API.Identifier)
	})

	t.Run("refuses to move the Management API onto an ordinary API's identifier", func(t *testing.T) {
		f := open(t)
		b := f.bootstrap()
		_, err := f.s.Bootstrap(f.ctx, b)
		must(t, err)
		squatter := f.newResourceServer()
		squatter.Identifier = "https://new.example.com/api/v2/"
		must(t, f.s.CreateResourceServer(f.ctx, squatter))
		moved := f.bootstrap()
		moved.API.Identifier = squatter.Identifier

		created, err := f.s.Bootstrap(f.ctx, moved)
		wantErr(t, err, store.ErrConflict)
		equal(t, "created", created, false)
		api, err := f.s.GetResourceServer(f.ctx, b.API.ID)
		must(t, err)
		equal(t, "Management API", api, b.API)
		g, err := f.s.GetClientGrant(f.ctx, b.Grant.ID)
		must(t, err)
		equal(t, "grant audience", g.Audience, b.API.Identifier)
		got, err := f.s.GetResourceServer(f.ctx, squatter.ID)
		must(t, err)
		equal(t, "ordinary API", got, squatter)
	})

	t.Run("a second bootstrap returns false", func(t *testing.T) {
		f := open(t)
		b := f.bootstrap()
		_, err := f.s.Bootstrap(f.ctx, b)
		must(t, err)
		created, err := f.s.Bootstrap(f.ctx, f.bootstrap())
		must(t, err)
		equal(t, "created", created, false)
		l, err := f.s.ListClients(f.ctx, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "clients", l.Total, 1)
	})

	t.Run("moves the Management API and its grants when the issuer changes", func(t *testing.T) {
		f := open(t)
		b := f.bootstrap()
		_, err := f.s.Bootstrap(f.ctx, b)
		must(t, err)
		moved := f.bootstrap()
		moved.API.Identifier = "https://new.example.com/api/v2/"
		created, err := f.s.Bootstrap(f.ctx, moved)
		must(t, err)
		equal(t, "created", created, false)
		api, err := f.s.GetResourceServer(f.ctx, b.API.ID)
		must(t, err)
		equal(t, "identifier", api.Identifier, moved.API.Identifier)
		g, err := f.s.GetClientGrant(f.ctx, b.Grant.ID)
		must(t, err)
		equal(t, "grant audience", g.Audience, moved.API.Identifier)
		_, err = f.s.GetClient(f.ctx, moved.Client.ClientID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("creates all three or nothing", func(t *testing.T) {
		f := open(t)
		b := f.bootstrap()
		taken := f.newClient()
		taken.ClientID = b.Client.ClientID
		must(t, f.s.CreateClient(f.ctx, taken))
		_, err := f.s.Bootstrap(f.ctx, b)
		wantErr(t, err, store.ErrConflict)
		_, err = f.s.GetResourceServer(f.ctx, b.API.ID)
		wantErr(t, err, store.ErrNotFound)
	})

	t.Run("exactly one of concurrent callers creates", func(t *testing.T) {
		f := open(t)
		const callers = 5
		bs := make([]store.Bootstrap, callers)
		for i := range bs {
			bs[i] = f.bootstrap()
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			start   = make(chan struct{})
		)
		for _, b := range bs {
			wg.Go(func() {
				<-start
				ok, err := f.s.Bootstrap(f.ctx, b)
				if err != nil {
					t.Errorf("bootstrap: %v", err)
				}
				if ok {
					mu.Lock()
					created++
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		equal(t, "callers that created", created, 1)
		l, err := f.s.ListClientGrants(f.ctx, store.ClientGrantFilter{}, store.Page{WantTotal: true})
		must(t, err)
		equal(t, "grants", l.Total, 1)
	})
}
