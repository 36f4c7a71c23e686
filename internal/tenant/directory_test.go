package tenant

import (
	"context"
	"errors"
	"fmt"
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
	snap, err := s.Directory().Snapshot()
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

// failingReads is a store whose reads fail while down is set.
type failingReads struct {
	store.Store
	down atomic.Bool
}

func (f *failingReads) ListOrganizations(ctx context.Context, p store.Page) (store.List[store.Organization], error) {
	if f.down.Load() {
		return store.List[store.Organization]{}, fmt.Errorf("dial: %w", store.ErrUnavailable)
	}
	return f.Store.ListOrganizations(ctx, p)
}

// When a write committed but the snapshot could not be read again, the token endpoint is told the
// tenant is unavailable rather than served the state from before the write.
func TestSnapshotIsStaleWhenReloadingFails(t *testing.T) {
	ctx := t.Context()
	st := &failingReads{Store: openSQLite(t)}
	s := openService(t, st)
	r := newTokenRequest(t, s)

	st.down.Store(true)
	if err := s.RemoveOrganizationClientGrant(ctx, r.orgID, r.grantID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Directory().Snapshot(); !errors.Is(err, ErrStale) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Snapshot after a failed reload: %v, want ErrStale", err)
	}
	st.down.Store(false)
	if _, err := s.UpdateSettings(ctx, SettingsPatch{}); err != nil { // any write reloads
		t.Fatal(err)
	}
	if _, err := r.decide(snapshot(t, s), r.orgID); !refusedFor(err, policy.ReasonOrganizationDenied) {
		t.Fatalf("after recovering: %v", err)
	}
}
