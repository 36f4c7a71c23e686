package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

// Invitations (SPEC-users §9): a person is invited, by email, to join an organization through one
// application; the invitation URL takes them to that application's login route, which forwards the
// ticket to /authorize. orgauth sends no email: the caller delivers the URL.

// Invitation rules.
const (
	DefaultInvitationTTL   = 7 * 24 * time.Hour
	MaxInvitationTTLSec    = 2592000 // 30 days
	MaxInvitationRoles     = 50
	maxInviterNameLength   = 300
	invitationTicketLength = 32
	// InvitationRetention is how long an expired invitation stays readable before DeleteExpiredInvitations
	// deletes it.
	InvitationRetention = 30 * 24 * time.Hour
)

var (
	errInvitationNotFound = notFound("The invitation does not exist.", "inexistent_invitation")
	errInvitationClient   = invalidMessage("client_id", "The specified client_id does not exist.")
	errInvitationDenied   = invalidMessage("client_id",
		"The specified client does not allow organizations: set its organization_usage to allow or require first.")
	errInvitationConnection = invalidMessage("connection_id", "The specified connection does not exist.")
	errConnectionNotEnabled = invalidMessage("connection_id", "The specified connection is not enabled for this organization.")
	errNoLoginRoute         = invalidMessage("client_id", "A default login route is required to generate the invitation url.")
)

// InvitationInput creates an invitation. The metadata are JSON objects whose values are raw JSON; an
// empty object is the same as none.
type InvitationInput struct {
	InviterName         string
	InviteeEmail        string
	ClientID            string
	ConnectionID        *string
	Roles               *[]string
	AppMetadata         map[string]json.RawMessage
	UserMetadata        map[string]json.RawMessage
	TTLSec              *int // nil or 0: DefaultInvitationTTL
	SendInvitationEmail *bool
}

// OrganizationInvitation is an invitation with its URL, built when it is read from the application's
// login route (or the tenant's default) of that moment; "" when neither gives one any more.
type OrganizationInvitation struct {
	Invitation
	URL string
}

func newInvitationID() string { return "uinv_" + randomAlphanumeric(16) }

// CreateInvitation invites a person to join an organization. An outstanding invitation of the
// organization for the same email is replaced.
func (s *Service) CreateInvitation(ctx context.Context, orgID string, in InvitationInput) (OrganizationInvitation, error) {
	now := s.now().Truncate(time.Millisecond) // as answers show it, so that a read gives back the same
	inv := Invitation{
		ID: newInvitationID(), OrganizationID: orgID, InviterName: in.InviterName,
		InviteeEmail: strings.ToLower(in.InviteeEmail), ClientID: in.ClientID,
		TicketID: randomAlphanumeric(invitationTicketLength), SendInvitationEmail: true, CreatedAt: now,
	}
	if in.ConnectionID != nil {
		inv.ConnectionID = *in.ConnectionID
	}
	if in.Roles != nil {
		for _, id := range *in.Roles { // a role named twice is given once, as the store keeps it
			if !slices.Contains(inv.Roles, id) {
				inv.Roles = append(inv.Roles, id)
			}
		}
	}
	if len(in.AppMetadata) > 0 {
		inv.AppMetadata = in.AppMetadata
	}
	if len(in.UserMetadata) > 0 {
		inv.UserMetadata = in.UserMetadata
	}
	if in.SendInvitationEmail != nil {
		inv.SendInvitationEmail = *in.SendInvitationEmail
	}
	ttl := DefaultInvitationTTL
	if in.TTLSec != nil && *in.TTLSec != 0 {
		ttl = time.Duration(*in.TTLSec) * time.Second
	}
	inv.ExpiresAt = now.Add(ttl)
	if err := validateInvitation(in); err != nil { // the body first, as Auth0: 400 before 404
		return OrganizationInvitation{}, err
	}

	org, err := s.Organization(ctx, orgID)
	if err != nil {
		return OrganizationInvitation{}, err
	}
	client, err := s.store.GetClient(ctx, inv.ClientID)
	if err != nil {
		return OrganizationInvitation{}, storeError(err, errInvitationClient, nil, "check client")
	}
	if !policy.Usage(client.OrganizationUsage).AdmitsOrganizations() {
		return OrganizationInvitation{}, errInvitationDenied
	}
	if inv.ConnectionID != "" {
		if _, err := s.store.GetConnection(ctx, inv.ConnectionID); err != nil {
			return OrganizationInvitation{}, storeError(err, errInvitationConnection, nil, "check connection")
		}
		_, err := s.store.GetOrganizationConnection(ctx, orgID, inv.ConnectionID)
		if err != nil {
			return OrganizationInvitation{}, storeError(err, errConnectionNotEnabled, nil, "check organization connection")
		}
	}
	if err := s.checkRolesExist(ctx, inv.Roles); err != nil {
		return OrganizationInvitation{}, err
	}
	settings, err := s.store.GetTenantSettings(ctx)
	if err != nil {
		return OrganizationInvitation{}, fmt.Errorf("get tenant settings: %w", err)
	}
	link, ok := invitationURL(loginRoute(client, settings), inv, org)
	if !ok {
		return OrganizationInvitation{}, errNoLoginRoute
	}
	if err := s.store.CreateInvitation(ctx, inv, true); err != nil {
		// Everything it names was checked above: a missing one now was deleted meanwhile.
		return OrganizationInvitation{}, storeError(err, errInvitationClient, nil, "create invitation")
	}
	return OrganizationInvitation{Invitation: inv, URL: link}, nil
}

// validateInvitation checks the rules that need no lookup.
func validateInvitation(in InvitationInput) error {
	if err := checkText("inviter.name", in.InviterName, 1, maxInviterNameLength, false); err != nil {
		return err
	}
	if err := checkInviteeEmail("invitee.email", in.InviteeEmail); err != nil {
		return err
	}
	if err := checkText("client_id", in.ClientID, 1, MaxClientIDLength, false); err != nil {
		return err
	}
	if in.ConnectionID != nil {
		if err := checkText("connection_id", *in.ConnectionID, 1, maxReferenceLength, false); err != nil {
			return err
		}
	}
	if in.Roles != nil {
		if err := checkReferences("roles", *in.Roles, 1, MaxInvitationRoles); err != nil {
			return err
		}
	}
	if in.TTLSec != nil && (*in.TTLSec < 0 || *in.TTLSec > MaxInvitationTTLSec) {
		return invalid("ttl_sec", "Value %d is outside 0..%d", *in.TTLSec, MaxInvitationTTLSec)
	}
	if err := checkPersonMetadata("app_metadata", in.AppMetadata); err != nil {
		return err
	}
	return checkPersonMetadata("user_metadata", in.UserMetadata)
}

// checkInviteeEmail accepts a bare address (local@domain), without a display name or angle brackets.
func checkInviteeEmail(property, email string) error {
	if err := checkText(property, email, 1, maxEmailLength, true); err != nil {
		return err
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return invalid(property, "Object didn't pass validation for format email: %s", email)
	}
	return nil
}

// checkPersonMetadata checks metadata that will end up on a user: the users' own rules (checkMetadata).
func checkPersonMetadata(property string, m map[string]json.RawMessage) error {
	return checkMetadata(property, m)
}

// loginRoute is the base of a client's invitation URLs: its initiate_login_uri, or else the tenant's
// default_redirection_uri.
func loginRoute(c Client, settings TenantSettings) string {
	if c.InitiateLoginURI != "" {
		return c.InitiateLoginURI
	}
	return settings.DefaultRedirectionURI
}

// invitationURL appends the invitation's ticket and organization to base, which must be an https URL
// of a host other than localhost (or a loopback address); false when it is not.
func invitationURL(base string, inv Invitation, org Organization) (string, bool) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "", false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return "", false
	}
	q := "invitation=" + url.QueryEscape(inv.TicketID) + "&organization=" + url.QueryEscape(org.ID) +
		"&organization_name=" + url.QueryEscape(org.Name)
	if u.RawQuery == "" {
		u.RawQuery = q
	} else {
		u.RawQuery += "&" + q
	}
	u.ForceQuery = false
	return u.String(), true
}

// Invitation finds an invitation of an organization. An expired one stays readable until
// DeleteExpiredInvitations deletes it.
func (s *Service) Invitation(ctx context.Context, orgID, id string) (OrganizationInvitation, error) {
	org, err := s.Organization(ctx, orgID)
	if err != nil {
		return OrganizationInvitation{}, err
	}
	inv, err := s.store.GetInvitation(ctx, orgID, id)
	if err != nil {
		return OrganizationInvitation{}, storeError(err, errInvitationNotFound, nil, "get invitation")
	}
	urls := s.invitationURLs(org)
	link, err := urls(ctx, inv)
	return OrganizationInvitation{Invitation: inv, URL: link}, err
}

// Invitations lists an organization's invitations by creation time, the newest first unless
// oldestFirst; offset pages only, stopping at MaxPagedRecords.
func (s *Service) Invitations(ctx context.Context, orgID string, oldestFirst bool, p store.Page) (store.List[OrganizationInvitation], error) {
	var out store.List[OrganizationInvitation]
	if p.Checkpoint {
		return out, invalidMessage("from", "The invitations list has no checkpoint paging.")
	}
	if err := checkPagedRecords(p); err != nil {
		return out, err
	}
	org, err := s.Organization(ctx, orgID)
	if err != nil {
		return out, err
	}
	l, err := s.store.ListInvitations(ctx, orgID, oldestFirst, p)
	if err != nil {
		return out, storeError(err, errOrganizationNotFound, nil, "list invitations")
	}
	out = store.List[OrganizationInvitation]{Items: make([]OrganizationInvitation, len(l.Items)), Total: l.Total}
	urls := s.invitationURLs(org)
	for i, inv := range l.Items {
		link, err := urls(ctx, inv)
		if err != nil {
			return out, err
		}
		out.Items[i] = OrganizationInvitation{Invitation: inv, URL: link}
	}
	return out, nil
}

// invitationURLs returns a function that builds the URLs of org's invitations, reading each client and
// the tenant settings once.
func (s *Service) invitationURLs(org Organization) func(context.Context, Invitation) (string, error) {
	routes := map[string]string{}
	var settings *TenantSettings
	return func(ctx context.Context, inv Invitation) (string, error) {
		route, ok := routes[inv.ClientID]
		if !ok {
			c, err := s.store.GetClient(ctx, inv.ClientID)
			if err != nil && !errors.Is(err, store.ErrNotFound) { // deleted meanwhile: its invitations went with it
				return "", fmt.Errorf("get client %s: %w", inv.ClientID, err)
			}
			if c.InitiateLoginURI == "" && settings == nil {
				set, err := s.store.GetTenantSettings(ctx)
				if err != nil {
					return "", fmt.Errorf("get tenant settings: %w", err)
				}
				settings = &set
			}
			var defaults TenantSettings
			if settings != nil {
				defaults = *settings
			}
			route = loginRoute(c, defaults)
			routes[inv.ClientID] = route
		}
		link, _ := invitationURL(route, inv, org)
		return link, nil
	}
}

// DeleteInvitation deletes an invitation of an organization; deleting one that does not exist is no
// error.
func (s *Service) DeleteInvitation(ctx context.Context, orgID, id string) error {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return err
	}
	err := s.store.DeleteInvitation(ctx, orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return storeError(err, nil, nil, "delete invitation")
}

// DeleteExpiredInvitations deletes the invitations that expired more than InvitationRetention ago. The
// server runs it periodically.
func (s *Service) DeleteExpiredInvitations(ctx context.Context) error {
	if err := s.store.DeleteExpiredInvitations(ctx, s.now().Add(-InvitationRetention)); err != nil {
		return fmt.Errorf("delete expired invitations: %w", err)
	}
	return nil
}
