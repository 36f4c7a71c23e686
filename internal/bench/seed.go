package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/keys"
	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

// Scale is the size of the seeded tenant.
type Scale struct {
	Orgs int // organizations
	Apps int // machine-to-machine applications, each with a client grant for both bench APIs
	// AppsPerOrg is how many applications each organization is associated with, through both of their
	// grants: the tenant holds Orgs × AppsPerOrg × 2 organization–grant associations.
	AppsPerOrg int
}

// Associations is the number of organization–grant associations the scale seeds.
func (s Scale) Associations() int { return s.Orgs * s.AppsPerOrg * len(benchAlgs) }

func (s Scale) validate() error {
	var errs []error
	if s.Orgs < 1 || s.Apps < 1 {
		errs = append(errs, fmt.Errorf("scale: want at least 1 organization and 1 application, have %d and %d", s.Orgs, s.Apps))
	}
	if s.AppsPerOrg < 1 || s.AppsPerOrg >= s.Apps {
		// One application per organization is left unassociated for the Management write test.
		errs = append(errs, fmt.Errorf("scale: applications per organization must be between 1 and %d (applications - 1), have %d", s.Apps-1, s.AppsPerOrg))
	}
	if n := s.AppsPerOrg * len(benchAlgs); n > tenant.MaxGrantsPerOrganization {
		errs = append(errs, fmt.Errorf("scale: %d grants per organization exceed the limit of %d", n, tenant.MaxGrantsPerOrganization))
	}
	return errors.Join(errs...)
}

// benchAlgs are the signing algorithms the bench measures; the seeded tenant has one API for each.
var benchAlgs = []string{keys.RS256, keys.ES256}

// benchIssuer is the issuer the bench server runs with, whatever port it listens on; it names the
// Management API, so it must not change between the seeding and the runs that reuse the store.
const benchIssuer = "https://bench.orgauth.test/"

// audience is the identifier of the bench API whose tokens are signed with alg.
func audience(alg string) string { return "https://" + alg + ".bench.orgauth.test/" }

// benchScope is the one scope of the bench APIs, granted to every application.
const benchScope = "read:data"

// app is a seeded application and its secret.
type app struct {
	ClientID string
	Secret   string
	Grants   map[string]string // client grant id, by signing algorithm of its API
}

// manifest is what the load needs to know about a seeded store: it is saved beside the cache so that
// later runs reuse the store without seeding again.
type manifest struct {
	Format      int // seedFormat when written
	Scale       Scale
	Issuer      string
	AdminID     string // the Management API's admin application
	AdminSecret string
	Apps        []app
	Orgs        []string // organization ids, in seeding order
}

// seedFormat changes whenever the seeded content changes, so that older caches are seeded again.
const seedFormat = 1

// orgApp is the index of the j-th application organization i is associated with.
func (m *manifest) orgApp(i, j int) int { return (i + j) % m.Scale.Apps }

// seed fills an empty store through the tenant service, as the Management API would, with workers
// concurrent callers. It reports progress to log.
func seed(ctx context.Context, st store.Store, keyEncryption *kek.Key, sc Scale, workers int, log io.Writer) (*manifest, error) {
	if err := requireEmpty(ctx, st); err != nil {
		return nil, err
	}
	svc, err := tenant.Open(ctx, st, tenant.Options{})
	if err != nil {
		return nil, fmt.Errorf("seed: open tenant: %w", err)
	}
	boot, err := svc.Bootstrap(ctx, benchIssuer, "", "")
	if err != nil {
		return nil, fmt.Errorf("seed: bootstrap: %w", err)
	}
	// The keys are created now so that a server start measures a restart, not the key generation.
	if _, err := keys.Open(ctx, st, keys.Options{KEK: keyEncryption}); err != nil {
		return nil, fmt.Errorf("seed: signing keys: %w", err)
	}
	m := &manifest{Format: seedFormat, Scale: sc, Issuer: benchIssuer, AdminID: boot.ClientID, AdminSecret: boot.ClientSecret}
	for _, alg := range benchAlgs {
		_, err := svc.CreateResourceServer(ctx, tenant.ResourceServerInput{
			Identifier: audience(alg),
			SigningAlg: &alg,
			Scopes:     &[]store.Scope{{Value: benchScope}},
		})
		if err != nil {
			return nil, fmt.Errorf("seed: create %s API: %w", alg, err)
		}
	}
	if m.Apps, err = seedApps(ctx, svc, sc.Apps); err != nil {
		return nil, err
	}
	if m.Orgs, err = seedOrgs(ctx, svc, m, workers, log); err != nil {
		return nil, err
	}
	return m, nil
}

// requireEmpty refuses to seed a store that already holds organizations: the bench never mixes its
// data with someone else's.
func requireEmpty(ctx context.Context, st store.Store) error {
	orgs, err := st.ListOrganizations(ctx, store.Page{Limit: 1})
	if err != nil {
		return fmt.Errorf("seed: list organizations: %w", err)
	}
	if len(orgs.Items) > 0 {
		return errors.New("seed: the store already holds organizations; give the bench an empty database")
	}
	return nil
}

func seedApps(ctx context.Context, svc *tenant.Service, n int) ([]app, error) {
	grantTypes := []string{"client_credentials"}
	appType, auth, usage := "non_interactive", "client_secret_basic", store.UsageRequire
	apps := make([]app, n)
	for i := range apps {
		c, secret, err := svc.CreateClient(ctx, tenant.ClientInput{
			Name:                    fmt.Sprintf("bench-app-%04d", i),
			AppType:                 &appType,
			GrantTypes:              &grantTypes,
			TokenEndpointAuthMethod: &auth,
		})
		if err != nil {
			return nil, fmt.Errorf("seed: create application: %w", err)
		}
		apps[i] = app{ClientID: c.ClientID, Secret: secret, Grants: map[string]string{}}
		for _, alg := range benchAlgs {
			g, err := svc.CreateClientGrant(ctx, tenant.ClientGrantInput{
				ClientID:          c.ClientID,
				Audience:          audience(alg),
				Scope:             []string{benchScope},
				OrganizationUsage: &usage,
			})
			if err != nil {
				return nil, fmt.Errorf("seed: create client grant: %w", err)
			}
			apps[i].Grants[alg] = g.ID
		}
	}
	return apps, nil
}

// seedOrgs creates the organizations and their associations, workers at a time.
func seedOrgs(ctx context.Context, svc *tenant.Service, m *manifest, workers int, log io.Writer) ([]string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	orgs := make([]string, m.Scale.Orgs)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(orgs) {
					return
				}
				id, err := seedOrg(ctx, svc, m, i)
				if err != nil {
					cancel(err)
					return
				}
				orgs[i] = id
				done.Add(1)
			}
		})
	}
	stop := reportProgress(log, "organizations", &done, len(orgs))
	wg.Wait()
	stop()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return orgs, nil
}

func seedOrg(ctx context.Context, svc *tenant.Service, m *manifest, i int) (string, error) {
	o, err := svc.CreateOrganization(ctx, tenant.OrganizationInput{Name: fmt.Sprintf("bench-org-%07d", i)})
	if err != nil {
		return "", fmt.Errorf("seed: create organization %d: %w", i, err)
	}
	for j := range m.Scale.AppsPerOrg {
		a := m.Apps[m.orgApp(i, j)]
		for _, alg := range benchAlgs {
			if _, err := svc.AddOrganizationClientGrant(ctx, o.ID, a.Grants[alg]); err != nil {
				return "", fmt.Errorf("seed: associate organization %d with a grant: %w", i, err)
			}
		}
	}
	return o.ID, nil
}

// reportProgress prints how far a long step got every few seconds, until the returned stop is called.
func reportProgress(log io.Writer, what string, done *atomic.Int64, total int) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		start := time.Now()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				n := done.Load()
				fmt.Fprintf(log, "  seeded %d/%d %s (%.0f/s)\n", n, total, what, float64(n)/time.Since(start).Seconds())
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}

// verify checks that a store still holds what m describes: every application authenticates with its
// secret and the organizations are all there.
func (m *manifest) verify(ctx context.Context, st store.Store) error {
	if m.Format != seedFormat {
		return fmt.Errorf("seeded with format %d, want %d", m.Format, seedFormat)
	}
	svc, err := tenant.Open(ctx, st, tenant.Options{})
	if err != nil {
		return fmt.Errorf("open tenant: %w", err)
	}
	snap, err := svc.Directory().Snapshot(ctx)
	if err != nil {
		return err
	}
	for _, a := range slices.Concat([]app{{ClientID: m.AdminID, Secret: m.AdminSecret}}, m.Apps) {
		if _, ok := snap.AuthenticateClient(a.ClientID, a.Secret); !ok {
			return fmt.Errorf("application %s does not authenticate with its secret", a.ClientID)
		}
	}
	orgs, err := st.ListOrganizations(ctx, store.Page{Limit: 1, WantTotal: true})
	if err != nil {
		return fmt.Errorf("count organizations: %w", err)
	}
	if orgs.Total != len(m.Orgs) || len(m.Orgs) != m.Scale.Orgs {
		return fmt.Errorf("%d organizations, want %d", orgs.Total, m.Scale.Orgs)
	}
	for _, id := range []string{m.Orgs[0], m.Orgs[len(m.Orgs)-1]} {
		if _, err := st.GetOrganization(ctx, id); err != nil {
			return fmt.Errorf("organization %s: %w", id, err)
		}
	}
	return nil
}
