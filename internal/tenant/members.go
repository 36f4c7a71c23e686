package tenant

import (
	"context"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// Organization members (SPEC-users §8): users in an organization, with the roles they hold there.

// Member rules.
const (
	// MaxMembersPerRequest bounds the users one request adds or removes, as Auth0 does.
	MaxMembersPerRequest = 10
	// MaxPagedRecords is where offset paging stops on the lists of people (members, invitations):
	// a page that reaches past it is refused; checkpoint paging, where a list has it, has no limit.
	MaxPagedRecords = 1000
	// maxReferenceLength bounds an id a request names (a user, a role, a connection): no stored id is
	// longer, so a longer one is refused before any lookup.
	maxReferenceLength = 1024
)

var (
	errUnknownUser        = notFound("The user does not exist.", "inexistent_user")
	errBeyondPagedRecords = &Error{Kind: KindInvalid, Code: "invalid_paging", Property: "page",
		Message: fmt.Sprintf("Requesting page exceeds the allowed maximum of %d records", MaxPagedRecords)}
)

// OrganizationMember is a member of an organization and, when the list was asked for them, the roles
// the member holds there.
type OrganizationMember struct {
	Member
	Roles []Role // nil unless asked for
}

// AddOrganizationMembers makes the users (1 to MaxMembersPerRequest) members of the organization and
// returns those who were not members yet; existing members are left as they are. An unknown user adds
// no one. (The login flow adds members through EnsureMember and AcceptInvitation.)
func (s *Service) AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string) ([]string, error) {
	if err := checkReferences("members", userIDs, 1, MaxMembersPerRequest); err != nil {
		return nil, err
	}
	if _, err := s.Organization(ctx, orgID); err != nil {
		return nil, err
	}
	added, err := s.store.AddOrganizationMembers(ctx, orgID, userIDs, s.now())
	if err != nil {
		// The organization was checked above: a missing entity now is a user (or a concurrent delete).
		return nil, storeError(err, errUnknownUser, nil, "add organization members")
	}
	for _, id := range added { // as the login flow logs its additions (reasons auto_membership, invitation)
		s.log.InfoContext(ctx, "organization_member_added", "organization_id", orgID, "user_id", id, "reason", "api")
	}
	return added, nil
}

// RemoveOrganizationMembers removes the users (1 to MaxMembersPerRequest) from the organization, with
// their roles in it, and revokes the refresh tokens issued to them with it. Users who are not members,
// or do not exist, are no error; the users themselves stay.
func (s *Service) RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error {
	if err := checkReferences("members", userIDs, 1, MaxMembersPerRequest); err != nil {
		return err
	}
	if _, err := s.Organization(ctx, orgID); err != nil {
		return err
	}
	err := s.store.RemoveOrganizationMembers(ctx, orgID, userIDs, s.now())
	return storeError(err, errOrganizationNotFound, nil, "remove organization members")
}

// OrganizationMembers lists an organization's members in join order, each with its roles there when
// withRoles. Offset pages stop at MaxPagedRecords.
func (s *Service) OrganizationMembers(ctx context.Context, orgID string, p store.Page, withRoles bool) (store.List[OrganizationMember], error) {
	var out store.List[OrganizationMember]
	if err := checkPagedRecords(p); err != nil {
		return out, err
	}
	l, err := s.store.ListOrganizationMembers(ctx, orgID, p)
	if err != nil {
		return out, storeError(err, errOrganizationNotFound, nil, "list organization members")
	}
	out = store.List[OrganizationMember]{Items: make([]OrganizationMember, len(l.Items)), Total: l.Total, Next: l.Next}
	for i, m := range l.Items {
		out.Items[i].Member = m
		if !withRoles {
			continue
		}
		roles, err := s.store.ListMemberRoles(ctx, orgID, m.User.ID, store.Page{})
		if err != nil {
			return out, storeError(err, nil, nil, "list organization member roles")
		}
		out.Items[i].Roles = roles.Items
		if out.Items[i].Roles == nil {
			out.Items[i].Roles = []Role{}
		}
	}
	return out, nil
}

// UserMemberships lists the organizations a user is a member of, with the time they joined each, in join
// order (GET /users/{id}/organizations; the login flow's UserOrganizations is its short list).
func (s *Service) UserMemberships(ctx context.Context, userID string, p store.Page) (store.List[UserOrganization], error) {
	l, err := s.store.ListUserOrganizations(ctx, userID, p)
	return l, storeError(err, errUnknownUser, nil, "list user organizations")
}

// checkPagedRecords refuses an offset page that reaches past MaxPagedRecords.
func checkPagedRecords(p store.Page) error {
	if !p.Checkpoint && p.Limit > 0 && p.Offset+p.Limit > MaxPagedRecords {
		return errBeyondPagedRecords
	}
	return nil
}

// checkReferences checks a list of ids a request names: min to max of them, each 1 to
// maxReferenceLength characters without control characters (which no id has, and which PostgreSQL
// cannot even look up).
func checkReferences(property string, ids []string, min, max int) error {
	if len(ids) < min {
		return invalid(property, "Array is too short (%d), minimum %d", len(ids), min)
	}
	if len(ids) > max {
		return invalid(property, "Array is too long (%d), maximum %d", len(ids), max)
	}
	for i, id := range ids {
		if err := checkText(fmt.Sprintf("%s[%d]", property, i), id, 1, maxReferenceLength, false); err != nil {
			return err
		}
	}
	return nil
}
