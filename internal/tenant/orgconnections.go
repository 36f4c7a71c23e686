package tenant

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// Organization connections (SPEC-users §10, "Enabled connections"): the connections an organization's
// members log in with, each with how login treats it there.

// MaxConnectionsPerOrganization bounds the connections enabled for one organization.
const MaxConnectionsPerOrganization = 10

var (
	errOrgConnectionNotFound = notFound("No connection found by that id", "")
	errUnknownConnection     = notFound("The connection does not exist", "inexistent_connection")
	errOrgConnectionConflict = conflict("The organization connection already exists.", "organization_connection_conflict")
	errTooManyOrgConnections = conflict(fmt.Sprintf("An organization cannot have more than %d connections.", MaxConnectionsPerOrganization),
		"too_many_connections")
	errSignupNeedsMembership = invalidMessage("is_signup_enabled",
		"Only database connections with assign_membership_on_login = true support is_signup_enabled = true.")
)

// OrganizationConnectionInput enables a connection for an organization; nil takes the default
// (assign_membership_on_login false, is_signup_enabled false, show_as_button true).
type OrganizationConnectionInput struct {
	ConnectionID            string
	AssignMembershipOnLogin *bool
	IsSignupEnabled         *bool
	ShowAsButton            *bool
}

// OrganizationConnectionPatch changes a connection's entry in an organization.
type OrganizationConnectionPatch struct {
	AssignMembershipOnLogin *bool
	IsSignupEnabled         *bool
	ShowAsButton            *bool
}

// EnabledConnection is a connection's entry in an organization, with the connection itself.
type EnabledConnection struct {
	OrganizationConnection
	Connection store.Connection
}

// IsDatabase reports whether the connection is the database (strategy auth0): only its entries have
// is_signup_enabled.
func (e EnabledConnection) IsDatabase() bool { return e.Connection.Strategy == store.StrategyAuth0 }

// AddOrganizationConnection enables a connection for an organization, at most
// MaxConnectionsPerOrganization.
func (s *Service) AddOrganizationConnection(ctx context.Context, orgID string, in OrganizationConnectionInput) (EnabledConnection, error) {
	oc := OrganizationConnection{OrganizationID: orgID, ConnectionID: in.ConnectionID, ShowAsButton: true}
	applyOrgConnectionPatch(&oc, in.patch())
	if err := checkText("connection_id", in.ConnectionID, 1, maxReferenceLength, false); err != nil {
		return EnabledConnection{}, err
	}
	if err := checkSignup(oc); err != nil { // the body first, as Auth0: 400 before 404
		return EnabledConnection{}, err
	}
	if _, err := s.Organization(ctx, orgID); err != nil {
		return EnabledConnection{}, err
	}
	c, err := s.store.GetConnection(ctx, in.ConnectionID)
	if err != nil {
		return EnabledConnection{}, storeError(err, errUnknownConnection, nil, "get connection")
	}
	e := EnabledConnection{OrganizationConnection: oc, Connection: c}
	if err := checkSignupStrategy(e); err != nil {
		return e, err
	}
	err = s.store.AddOrganizationConnection(ctx, oc, func(count int) error {
		if count > MaxConnectionsPerOrganization {
			return errTooManyOrgConnections
		}
		return nil
	})
	// The organization and the connection were checked above: a missing one now was deleted meanwhile.
	return e, storeError(err, errUnknownConnection, errOrgConnectionConflict, "add organization connection")
}

func (in OrganizationConnectionInput) patch() OrganizationConnectionPatch {
	return OrganizationConnectionPatch{
		AssignMembershipOnLogin: in.AssignMembershipOnLogin, IsSignupEnabled: in.IsSignupEnabled, ShowAsButton: in.ShowAsButton,
	}
}

// OrganizationConnection finds a connection's entry in an organization.
func (s *Service) OrganizationConnection(ctx context.Context, orgID, connectionID string) (EnabledConnection, error) {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return EnabledConnection{}, err
	}
	oc, err := s.store.GetOrganizationConnection(ctx, orgID, connectionID)
	if err != nil {
		return EnabledConnection{}, storeError(err, errOrgConnectionNotFound, nil, "get organization connection")
	}
	return s.withConnection(ctx, oc)
}

// OrganizationConnections lists the connections enabled for an organization, in the connections'
// creation order.
func (s *Service) OrganizationConnections(ctx context.Context, orgID string, p store.Page) (store.List[EnabledConnection], error) {
	l, err := s.store.ListOrganizationConnections(ctx, orgID, p)
	if err != nil {
		return store.List[EnabledConnection]{}, storeError(err, errOrganizationNotFound, nil, "list organization connections")
	}
	out := store.List[EnabledConnection]{Items: make([]EnabledConnection, 0, len(l.Items)), Total: l.Total, Next: l.Next}
	for _, oc := range l.Items {
		e, err := s.withConnection(ctx, oc)
		if errors.Is(err, errOrgConnectionNotFound) { // the connection was deleted since, and its entries with it
			continue
		}
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, e)
	}
	return out, nil
}

// UpdateOrganizationConnection changes a connection's entry in an organization; the entry that results
// must keep the is_signup_enabled rules.
func (s *Service) UpdateOrganizationConnection(ctx context.Context, orgID, connectionID string, in OrganizationConnectionPatch) (EnabledConnection, error) {
	if in.IsSignupEnabled != nil && *in.IsSignupEnabled && in.AssignMembershipOnLogin != nil && !*in.AssignMembershipOnLogin {
		return EnabledConnection{}, errSignupNeedsMembership // the body alone breaks the rule: 400 before 404
	}
	if _, err := s.Organization(ctx, orgID); err != nil {
		return EnabledConnection{}, err
	}
	c, err := s.store.GetConnection(ctx, connectionID)
	if err != nil {
		return EnabledConnection{}, storeError(err, errOrgConnectionNotFound, nil, "get connection")
	}
	oc, err := s.store.UpdateOrganizationConnection(ctx, orgID, connectionID, func(oc *OrganizationConnection) error {
		applyOrgConnectionPatch(oc, in)
		if err := checkSignup(*oc); err != nil {
			return err
		}
		return checkSignupStrategy(EnabledConnection{OrganizationConnection: *oc, Connection: c})
	})
	if err != nil {
		return EnabledConnection{}, storeError(err, errOrgConnectionNotFound, nil, "update organization connection")
	}
	return EnabledConnection{OrganizationConnection: oc, Connection: c}, nil
}

// RemoveOrganizationConnection disables a connection for an organization.
func (s *Service) RemoveOrganizationConnection(ctx context.Context, orgID, connectionID string) error {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return err
	}
	err := s.store.RemoveOrganizationConnection(ctx, orgID, connectionID)
	return storeError(err, errOrgConnectionNotFound, nil, "remove organization connection")
}

// withConnection adds the connection to its entry.
func (s *Service) withConnection(ctx context.Context, oc OrganizationConnection) (EnabledConnection, error) {
	c, err := s.store.GetConnection(ctx, oc.ConnectionID)
	if err != nil {
		return EnabledConnection{}, storeError(err, errOrgConnectionNotFound, nil, "get connection")
	}
	return EnabledConnection{OrganizationConnection: oc, Connection: c}, nil
}

func applyOrgConnectionPatch(oc *OrganizationConnection, in OrganizationConnectionPatch) {
	if in.AssignMembershipOnLogin != nil {
		oc.AssignMembershipOnLogin = *in.AssignMembershipOnLogin
	}
	if in.IsSignupEnabled != nil {
		oc.IsSignupEnabled = *in.IsSignupEnabled
	}
	if in.ShowAsButton != nil {
		oc.ShowAsButton = *in.ShowAsButton
	}
}

// checkSignup: signup through an organization's entry needs membership on login.
func checkSignup(oc OrganizationConnection) error {
	if oc.IsSignupEnabled && !oc.AssignMembershipOnLogin {
		return errSignupNeedsMembership
	}
	return nil
}

// checkSignupStrategy: only the database connection has signups.
func checkSignupStrategy(e EnabledConnection) error {
	if e.IsSignupEnabled && !e.IsDatabase() {
		return errSignupNeedsMembership
	}
	return nil
}
