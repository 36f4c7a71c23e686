package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

// TestWatchDeletesExpiredInvitations: the server's periodic job deletes the invitations expired more
// than 30 days ago, at once when it starts, and keeps the younger ones readable.
func TestWatchDeletesExpiredInvitations(t *testing.T) {
	in := start(t, "", "")
	ctx := t.Context()
	st := in.srv.store
	now := time.Now().UTC()
	org, err := in.srv.tenant.CreateOrganization(ctx, tenant.OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	client := store.Client{ClientID: "portal0000000000000000000000000x", Name: "Portal", AppType: "regular_web",
		RefreshToken: store.DefaultRefreshTokenConfig(), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateClient(ctx, client); err != nil {
		t.Fatal(err)
	}
	invitation := func(id, email, ticket string, expired time.Duration) store.Invitation {
		inv := store.Invitation{ID: id, OrganizationID: org.ID, InviterName: "Ada", InviteeEmail: email, ClientID: client.ClientID,
			TicketID: ticket, CreatedAt: now.Add(-expired - time.Hour), ExpiresAt: now.Add(-expired)}
		if err := st.CreateInvitation(ctx, inv, false); err != nil {
			t.Fatal(err)
		}
		return inv
	}
	old := invitation("uinv_old0000000000000", "old@example.com", "oldticket00000000000000000000000", tenant.InvitationRetention+time.Hour)
	recent := invitation("uinv_recent000000000", "recent@example.com", "recentticket00000000000000000000", tenant.InvitationRetention-time.Hour)

	watchCtx, stop := context.WithCancel(context.Background())
	defer stop()
	go in.srv.Watch(watchCtx)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := st.GetInvitation(ctx, org.ID, old.ID)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the invitation expired %v ago is still there (%v)", tenant.InvitationRetention+time.Hour, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := st.GetInvitation(ctx, org.ID, recent.ID); err != nil {
		t.Fatalf("the invitation expired %v ago was deleted: %v", tenant.InvitationRetention-time.Hour, err)
	}
}
