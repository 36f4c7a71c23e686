package tenant

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

const testIssuer = "https://auth.example/"

// snapshot returns s's current snapshot.
func snapshot(tb testing.TB, s *Service) *Snapshot {
	tb.Helper()
	snap, err := s.Directory().Snapshot(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return snap
}

// tokenRequest is an org-scoped token request: an application associated with an organization.
type tokenRequest struct {
	clientID, secret, audience, orgID, grantID string
}

// newTokenRequest sets up an API, an application with a grant for it, and an organization the grant is
// associated with.
func newTokenRequest(tb testing.TB, s *Service) tokenRequest {
	tb.Helper()
	ctx := context.Background()
	api, err := s.CreateResourceServer(ctx, ResourceServerInput{Identifier: "https://api.example", Scopes: &[]store.Scope{{Value: "read"}}})
	if err != nil {
		tb.Fatal(err)
	}
	c, secret, err := s.CreateClient(ctx, ClientInput{Name: "bot", AppType: ptr("non_interactive")})
	if err != nil {
		tb.Fatal(err)
	}
	g, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: c.ClientID, Audience: api.Identifier, Scope: []string{"read"},
		OrganizationUsage: ptr(store.UsageRequire)})
	if err != nil {
		tb.Fatal(err)
	}
	org, err := s.CreateOrganization(ctx, OrganizationInput{Name: "warm"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.AddOrganizationClientGrant(ctx, org.ID, g.ID); err != nil {
		tb.Fatal(err)
	}
	return tokenRequest{clientID: c.ClientID, secret: secret, audience: api.Identifier, orgID: org.ID, grantID: g.ID}
}

// decide authenticates the request's client and decides its token on snap, as the token endpoint does.
func (r tokenRequest) decide(snap *Snapshot, organization string) (policy.AccessToken, error) {
	c, ok := snap.AuthenticateClient(r.clientID, r.secret)
	if !ok {
		return policy.AccessToken{}, errors.New("the client does not authenticate")
	}
	return policy.Decide(snap, policy.Request{Client: c.Policy, Audience: r.audience, Organization: organization, Now: time.Now()})
}

// refusedFor reports whether err is a refusal for reason.
func refusedFor(err error, reason policy.Reason) bool {
	r, ok := errors.AsType[*policy.Refusal](err)
	return ok && r.Reason == reason
}

// Every write of the tenant reaches the token endpoint's next snapshot.
func TestSnapshotFollowsWrites(t *testing.T) {
	ctx := t.Context()
	s := newService(t)
	r := newTokenRequest(t, s)
	if tok, err := r.decide(snapshot(t, s), r.orgID); err != nil || tok.OrganizationID() != r.orgID || tok.Issuer() != testIssuer {
		t.Fatalf("token = %+v, %v", tok, err)
	}

	t.Run("the association removed, then added again", func(t *testing.T) {
		if err := s.RemoveOrganizationClientGrant(ctx, r.orgID, r.grantID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.decide(snapshot(t, s), r.orgID); !refusedFor(err, policy.ReasonOrganizationDenied) {
			t.Fatalf("after the removal: %v", err)
		}
		if _, err := s.AddOrganizationClientGrant(ctx, r.orgID, r.grantID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.decide(snapshot(t, s), r.orgID); err != nil {
			t.Fatalf("after the association: %v", err)
		}
	})
	t.Run("a rename, and names allowed", func(t *testing.T) {
		if _, err := s.UpdateOrganization(ctx, r.orgID, OrganizationPatch{Name: ptr("renamed")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateSettings(ctx, SettingsPatch{AllowOrganizationNameInAuthenticationAPI: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		snap := snapshot(t, s)
		if _, ok := snap.OrganizationByName("warm"); ok {
			t.Error("the old name still finds it")
		}
		if tok, err := r.decide(snap, "Renamed"); err != nil || tok.OrganizationName() != "renamed" {
			t.Fatalf("by the new name: %+v, %v", tok, err)
		}
	})
	t.Run("the grant narrowed to deny", func(t *testing.T) {
		if _, err := s.UpdateClientGrant(ctx, r.grantID, ClientGrantPatch{OrganizationUsage: ptr(store.UsageDeny)}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.decide(snapshot(t, s), r.orgID); !refusedFor(err, policy.ReasonOrganizationNotAllowed) {
			t.Fatalf("after deny: %v", err)
		}
		if _, err := s.UpdateClientGrant(ctx, r.grantID, ClientGrantPatch{OrganizationUsage: ptr(store.UsageRequire)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a rotated secret", func(t *testing.T) {
		_, secret, err := s.RotateClientSecret(ctx, r.clientID)
		if err != nil {
			t.Fatal(err)
		}
		snap := snapshot(t, s)
		if _, ok := snap.AuthenticateClient(r.clientID, r.secret); ok {
			t.Error("the old secret still authenticates")
		}
		if _, ok := snap.AuthenticateClient(r.clientID, secret); !ok {
			t.Error("the new secret does not authenticate")
		}
		r.secret = secret
	})
	t.Run("the organization deleted", func(t *testing.T) {
		if err := s.DeleteOrganization(ctx, r.orgID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.decide(snapshot(t, s), r.orgID); !refusedFor(err, policy.ReasonOrganizationDenied) {
			t.Fatalf("after the deletion: %v", err)
		}
	})
	t.Run("the API deleted", func(t *testing.T) {
		if err := s.DeleteResourceServer(ctx, r.audience); err != nil {
			t.Fatal(err)
		}
		if _, err := r.decide(snapshot(t, s), ""); !refusedFor(err, policy.ReasonUnknownAudience) {
			t.Fatalf("after the deletion: %v", err)
		}
	})
	t.Run("the client deleted", func(t *testing.T) {
		if err := s.DeleteClient(ctx, r.clientID); err != nil {
			t.Fatal(err)
		}
		if _, ok := snapshot(t, s).Client(r.clientID); ok {
			t.Fatal("the deleted client is still there")
		}
	})
}

// A request's snapshot does not change under it: a write makes a new snapshot, and the old one still
// shows the state the request began with, every lookup of it.
func TestSnapshotIsOneStateOfTheTenant(t *testing.T) {
	ctx := t.Context()
	s := newService(t)
	r := newTokenRequest(t, s)
	before := snapshot(t, s)

	if err := s.RemoveOrganizationClientGrant(ctx, r.orgID, r.grantID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateOrganization(ctx, r.orgID, OrganizationPatch{Name: ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RotateClientSecret(ctx, r.clientID); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, s)
	if after == before || after.Version() <= before.Version() {
		t.Fatalf("versions %d then %d: the writes made no new snapshot", before.Version(), after.Version())
	}
	if tok, err := r.decide(before, r.orgID); err != nil || tok.OrganizationID() != r.orgID {
		t.Errorf("the earlier snapshot changed: %+v, %v", tok, err)
	}
	if o, ok := before.OrganizationByName("warm"); !ok || o.ID != r.orgID {
		t.Errorf("the earlier snapshot lost the old name: %+v", o)
	}
	if _, ok := after.AuthenticateClient(r.clientID, r.secret); ok {
		t.Error("the new snapshot accepts the old secret")
	}
	if after.Associated(r.orgID, r.grantID) {
		t.Error("the new snapshot keeps the association")
	}
}

// What does not exist costs a lookup nothing: no allocation, whatever the key's length.
func TestSnapshotLookupsOfUnknownKeysAllocateNothing(t *testing.T) {
	s := newService(t)
	r := newTokenRequest(t, s)
	snap := snapshot(t, s)
	long := strings.Repeat("x", 500_000)
	allocs := testing.AllocsPerRun(100, func() {
		snap.AuthenticateClient(long, "secret")
		snap.AuthenticateClient(r.clientID, long)
		snap.Client(long)
		snap.API(long)
		snap.ClientGrant(r.clientID, long)
		snap.OrganizationByID(long)
		snap.OrganizationByName(long)
		snap.Associated(long, r.grantID)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run of unknown lookups, want 0", allocs)
	}
}

// failingChanges is a store whose change record cannot be read while down is set.
type failingChanges struct {
	store.Store
	down atomic.Bool
}

func (f *failingChanges) Changes(ctx context.Context, after int64, limit int) (store.ChangeSet, error) {
	if f.down.Load() {
		return store.ChangeSet{}, fmt.Errorf("dial: %w", store.ErrUnavailable)
	}
	return f.Store.Changes(ctx, after, limit)
}

// When a write committed but the snapshot could not catch up with it, the token endpoint is told the
// tenant is unavailable rather than served the state from before the write; it recovers by itself.
func TestSnapshotIsStaleWhenCatchingUpFails(t *testing.T) {
	ctx := t.Context()
	st := &failingChanges{Store: openSQLite(t)}
	s := openService(t, st)
	r := newTokenRequest(t, s)

	st.down.Store(true)
	if err := s.RemoveOrganizationClientGrant(ctx, r.orgID, r.grantID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Directory().Snapshot(ctx); !errors.Is(err, ErrStale) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Snapshot after a failed catch-up: %v, want ErrStale", err)
	}
	st.down.Store(false)
	if _, err := s.Directory().Snapshot(ctx); !errors.Is(err, ErrStale) {
		t.Fatalf("Snapshot right after the failure: %v, want ErrStale at once, without waiting for the store", err)
	}
	time.Sleep(retryDelay)
	if _, err := r.decide(snapshot(t, s), r.orgID); !refusedFor(err, policy.ReasonOrganizationDenied) {
		t.Fatalf("after recovering: %v", err)
	}
}

// A snapshot brought up to date by the change record equals one read whole, after every kind of write:
// each write recorded what it changed, and applying the record reads it again correctly.
func TestAppliedChangesEqualAFullLoad(t *testing.T) {
	ctx := t.Context()
	s := newService(t)
	check := func(step string) {
		t.Helper()
		applied := snapshot(t, s)
		full, err := loadSnapshot(ctx, s.store, testIssuer, s.secrets)
		if err != nil {
			t.Fatal(err)
		}
		if diff := compareSnapshots(applied, full); diff != "" {
			t.Fatalf("after %s, the applied snapshot differs from a full load: %s", step, diff)
		}
	}
	if _, err := s.Bootstrap(ctx, testIssuer, "", ""); err != nil {
		t.Fatal(err)
	}
	check("bootstrap")
	r := newTokenRequest(t, s)
	check("a token request's setup")
	other, _ := s.CreateOrganization(ctx, OrganizationInput{Name: "other"})
	if _, err := s.AddOrganizationClientGrant(ctx, other.ID, r.grantID); err != nil {
		t.Fatal(err)
	}
	check("an association")
	if _, err := s.UpdateOrganization(ctx, r.orgID, OrganizationPatch{Name: ptr("other-name")}); err != nil {
		t.Fatal(err)
	}
	check("a rename")
	if _, err := s.UpdateClient(ctx, r.clientID, ClientPatch{DefaultOrganization: &DefaultOrganization{OrganizationID: other.ID, Flows: []string{"client_credentials"}}}); err != nil {
		t.Fatal(err)
	}
	check("a default organization")
	if err := s.DeleteOrganization(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	check("an organization's deletion, clearing a default")
	if _, err := s.UpdateSettings(ctx, SettingsPatch{AllowOrganizationNameInAuthenticationAPI: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	check("the settings")
	if _, _, err := s.RotateClientSecret(ctx, r.clientID); err != nil {
		t.Fatal(err)
	}
	check("a rotated secret")
	if err := s.DeleteClientGrant(ctx, r.grantID); err != nil {
		t.Fatal(err)
	}
	check("a grant's deletion")
	if _, err := s.CreateClientGrant(ctx, ClientGrantInput{ClientID: r.clientID, Audience: r.audience, Scope: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	check("a new grant")
	if err := s.DeleteResourceServer(ctx, r.audience); err != nil {
		t.Fatal(err)
	}
	check("an API's deletion, with its grants")
	if err := s.DeleteClient(ctx, r.clientID); err != nil {
		t.Fatal(err)
	}
	check("a client's deletion")
}

// compareSnapshots describes the first difference between two snapshots, "" when they hold the same
// tenant. An organization's associations with grants that no longer exist do not count: no lookup
// reaches them (a deleted grant's id is never issued again) and an applied snapshot keeps them.
func compareSnapshots(a, b *Snapshot) string {
	switch {
	case a.version != b.version:
		return fmt.Sprintf("version %d, %d", a.version, b.version)
	case !reflect.DeepEqual(a.settings, b.settings):
		return fmt.Sprintf("settings %+v, %+v", a.settings, b.settings)
	case !reflect.DeepEqual(a.apis, b.apis) || a.managementAPI != b.managementAPI:
		return fmt.Sprintf("APIs %v (%s), %v (%s)", a.apis, a.managementAPI, b.apis, b.managementAPI)
	case !maps.Equal(maps.Collect(a.grants.all()), maps.Collect(b.grants.all())):
		return "grant index"
	case !maps.Equal(maps.Collect(a.orgNames.all()), maps.Collect(b.orgNames.all())):
		return fmt.Sprintf("organization names %v, %v", maps.Collect(a.orgNames.all()), maps.Collect(b.orgNames.all()))
	}
	if !maps.EqualFunc(maps.Collect(a.clients.all()), maps.Collect(b.clients.all()), func(x, y *TokenClient) bool {
		return reflect.DeepEqual(x, y)
	}) {
		return "clients"
	}
	live := func(o *orgEntry) orgEntry {
		out := orgEntry{org: o.org}
		for _, g := range o.grants {
			if _, ok := b.grants.get(g); ok {
				out.grants = append(out.grants, g)
			}
		}
		return out
	}
	if !maps.EqualFunc(maps.Collect(a.orgs.all()), maps.Collect(b.orgs.all()), func(x, y *orgEntry) bool {
		return reflect.DeepEqual(live(x), live(y))
	}) {
		return "organizations"
	}
	return ""
}
