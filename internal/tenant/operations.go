package tenant

import (
	"context"

	"github.com/orgauth/orgauth/internal/store"
)

// Operations are the tenant's operations on its configuration, written once here and offered alike by
// every face: the Management API, the dashboard, and the organization-scoped API to come. A face
// declares its own interface as Operations plus what only it needs (Management token audiences,
// dashboard sign-in), so no face holds a copy of this list.
type Operations interface {
	CreateResourceServer(ctx context.Context, in ResourceServerInput) (store.ResourceServer, error)
	ResourceServer(ctx context.Context, idOrIdentifier string) (store.ResourceServer, error)
	ResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error)
	UpdateResourceServer(ctx context.Context, idOrIdentifier string, in ResourceServerPatch) (store.ResourceServer, error)
	DeleteResourceServer(ctx context.Context, idOrIdentifier string) error

	CreateClient(ctx context.Context, in ClientInput) (store.Client, string, error)
	Client(ctx context.Context, clientID string) (store.Client, error)
	Clients(ctx context.Context, p store.Page) (store.List[store.Client], error)
	UpdateClient(ctx context.Context, clientID string, in ClientPatch) (store.Client, error)
	DeleteClient(ctx context.Context, clientID string) error
	RotateClientSecret(ctx context.Context, clientID string) (store.Client, string, error)

	CreateClientCredential(ctx context.Context, clientID string, in ClientCredentialInput) (store.ClientCredential, error)
	ClientCredentials(ctx context.Context, clientID string) ([]store.ClientCredential, error)
	ClientCredential(ctx context.Context, clientID, id string) (store.ClientCredential, error)
	UpdateClientCredential(ctx context.Context, clientID, id string, in ClientCredentialPatch) (store.ClientCredential, error)
	DeleteClientCredential(ctx context.Context, clientID, id string) error

	CreateClientGrant(ctx context.Context, in ClientGrantInput) (store.ClientGrant, error)
	ClientGrant(ctx context.Context, id string) (store.ClientGrant, error)
	ClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error)
	UpdateClientGrant(ctx context.Context, id string, in ClientGrantPatch) (store.ClientGrant, error)
	DeleteClientGrant(ctx context.Context, id string) error
	ClientGrantOrganizations(ctx context.Context, grantID string, p store.Page) (store.List[store.Organization], error)

	CreateOrganization(ctx context.Context, in OrganizationInput) (store.Organization, error)
	Organization(ctx context.Context, id string) (store.Organization, error)
	OrganizationByName(ctx context.Context, name string) (store.Organization, error)
	Organizations(ctx context.Context, p store.Page) (store.List[store.Organization], error)
	SearchOrganizations(ctx context.Context, namePrefix string, p store.Page) (store.List[store.Organization], error)
	UpdateOrganization(ctx context.Context, id string, in OrganizationPatch) (store.Organization, error)
	DeleteOrganization(ctx context.Context, id string) error

	AddOrganizationClientGrant(ctx context.Context, orgID, grantID string) (store.ClientGrant, error)
	OrganizationClientGrants(ctx context.Context, orgID string, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error)
	RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error

	AddOrganizationMembers(ctx context.Context, orgID string, userIDs []string) (added []string, err error)
	RemoveOrganizationMembers(ctx context.Context, orgID string, userIDs []string) error
	OrganizationMembers(ctx context.Context, orgID string, p store.Page, withRoles bool) (store.List[OrganizationMember], error)
	UserMemberships(ctx context.Context, userID string, p store.Page) (store.List[UserOrganization], error)

	CreateRole(ctx context.Context, in RoleInput) (Role, error)
	Role(ctx context.Context, id string) (Role, error)
	Roles(ctx context.Context, nameFilter string, p store.Page) (store.List[Role], error)
	UpdateRole(ctx context.Context, id string, in RolePatch) (Role, error)
	DeleteRole(ctx context.Context, id string) error
	AddRolePermissions(ctx context.Context, roleID string, perms []Permission) error
	RemoveRolePermissions(ctx context.Context, roleID string, perms []Permission) error
	RolePermissions(ctx context.Context, roleID string, p store.Page) (store.List[RolePermission], error)
	AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error
	RemoveUserRoles(ctx context.Context, userID string, roleIDs []string) error
	UserRoles(ctx context.Context, userID string, p store.Page) (store.List[Role], error)
	AssignMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string) error
	RemoveMemberRoles(ctx context.Context, orgID, userID string, roleIDs []string) error
	MemberRoles(ctx context.Context, orgID, userID string, p store.Page) (store.List[Role], error)

	AddOrganizationConnection(ctx context.Context, orgID string, in OrganizationConnectionInput) (EnabledConnection, error)
	OrganizationConnection(ctx context.Context, orgID, connectionID string) (EnabledConnection, error)
	OrganizationConnections(ctx context.Context, orgID string, p store.Page) (store.List[EnabledConnection], error)
	UpdateOrganizationConnection(ctx context.Context, orgID, connectionID string, in OrganizationConnectionPatch) (EnabledConnection, error)
	RemoveOrganizationConnection(ctx context.Context, orgID, connectionID string) error

	CreateInvitation(ctx context.Context, orgID string, in InvitationInput) (OrganizationInvitation, error)
	Invitation(ctx context.Context, orgID, id string) (OrganizationInvitation, error)
	Invitations(ctx context.Context, orgID string, oldestFirst bool, p store.Page) (store.List[OrganizationInvitation], error)
	DeleteInvitation(ctx context.Context, orgID, id string) error

	Settings(ctx context.Context) (store.TenantSettings, error)
	UpdateSettings(ctx context.Context, in SettingsPatch) (store.TenantSettings, error)

	// Connections and their users (connections.go, users.go, usersearch.go).
	CreateConnection(ctx context.Context, in ConnectionInput) (ConnectionDetails, error)
	Connection(ctx context.Context, id string) (ConnectionDetails, error)
	Connections(ctx context.Context, f ConnectionFilter, p Page) (List[Connection], error)
	UpdateConnection(ctx context.Context, id string, in ConnectionPatch) (ConnectionDetails, error)
	DeleteConnection(ctx context.Context, id string) (deleted bool, err error)
	ConnectionClients(ctx context.Context, id string, p Page) (List[string], error)
	UpdateConnectionClients(ctx context.Context, id string, changes []ConnectionClientChange) error

	CreateUser(ctx context.Context, in UserInput) (UserProfile, error)
	UserProfile(ctx context.Context, id string) (UserProfile, error)
	SearchUsers(ctx context.Context, in UserSearchInput, p Page) (List[UserProfile], error)
	UsersByEmail(ctx context.Context, email string) ([]UserProfile, error)
	UpdateUser(ctx context.Context, id string, in UserPatch) (UserProfile, error)
	DeleteUser(ctx context.Context, id string) error
}

var _ Operations = (*Service)(nil)
