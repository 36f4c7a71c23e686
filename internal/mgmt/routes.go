package mgmt

import (
	"net/http"
)

// Mount registers every Management API route on mux, each behind the scope Auth0 requires for it, and
// answers any other path under /api/v2/ with an Auth0-shaped 404.
func (h *Handler) Mount(mux *http.ServeMux) {
	route := func(pattern string, fn handlerFunc, scopes ...string) {
		mux.Handle(pattern, h.authorize(scopes, fn))
	}

	// {id...} also takes an identifier whose slashes were sent unescaped; escaped ones (%2F, as the SDKs
	// send them) arrive decoded in a single segment either way.
	route("POST /api/v2/resource-servers", h.createResourceServer, "create:resource_servers")
	route("GET /api/v2/resource-servers", h.listResourceServers, "read:resource_servers")
	route("GET /api/v2/resource-servers/{id...}", h.getResourceServer, "read:resource_servers")
	route("PATCH /api/v2/resource-servers/{id...}", h.updateResourceServer, "update:resource_servers")
	route("DELETE /api/v2/resource-servers/{id...}", h.deleteResourceServer, "delete:resource_servers")

	route("POST /api/v2/clients", h.createClient, "create:clients")
	route("GET /api/v2/clients", h.listClients, "read:clients")
	route("GET /api/v2/clients/{id}", h.getClient, "read:clients")
	route("PATCH /api/v2/clients/{id}", h.updateClient, "update:clients")
	route("DELETE /api/v2/clients/{id}", h.deleteClient, "delete:clients")
	route("POST /api/v2/clients/{id}/rotate-secret", h.rotateClientSecret, "update:client_keys")
	route("POST /api/v2/clients/{id}/credentials", h.createClientCredential, "create:client_credentials")
	route("GET /api/v2/clients/{id}/credentials", h.listClientCredentials, "read:client_credentials")
	route("GET /api/v2/clients/{id}/credentials/{credential_id}", h.getClientCredential, "read:client_credentials")
	route("PATCH /api/v2/clients/{id}/credentials/{credential_id}", h.updateClientCredential, "update:client_credentials")
	route("DELETE /api/v2/clients/{id}/credentials/{credential_id}", h.deleteClientCredential, "delete:client_credentials")

	route("POST /api/v2/client-grants", h.createClientGrant, "create:client_grants")
	route("GET /api/v2/client-grants", h.listClientGrants, "read:client_grants")
	route("GET /api/v2/client-grants/{id}", h.getClientGrant, "read:client_grants")
	route("PATCH /api/v2/client-grants/{id}", h.updateClientGrant, "update:client_grants")
	route("DELETE /api/v2/client-grants/{id}", h.deleteClientGrant, "delete:client_grants")
	route("GET /api/v2/client-grants/{id}/organizations", h.listClientGrantOrganizations, "read:organization_client_grants")

	route("POST /api/v2/organizations", h.createOrganization, "create:organizations")
	route("GET /api/v2/organizations", h.listOrganizations, "read:organizations")
	route("GET /api/v2/organizations/{id}", h.getOrganization, "read:organizations")
	route("PATCH /api/v2/organizations/{id}", h.updateOrganization, "update:organizations")
	route("DELETE /api/v2/organizations/{id}", h.deleteOrganization, "delete:organizations")
	mux.Handle("GET /api/v2/organizations/{id}/{sub}", h.organizationSubresource(
		h.authorize([]string{"read:organizations"}, h.getOrganizationByName),
		map[string]http.Handler{
			"client-grants":       h.authorize([]string{"read:organization_client_grants"}, h.listOrganizationClientGrants),
			"members":             h.authorize([]string{"read:organization_members"}, h.listOrganizationMembers),
			"enabled_connections": h.authorize([]string{"read:organization_connections"}, h.listEnabledConnections),
			"invitations":         h.authorize([]string{"read:organization_invitations"}, h.listInvitations),
		},
	))
	route("POST /api/v2/organizations/{id}/client-grants", h.addOrganizationClientGrant, "create:organization_client_grants")
	route("DELETE /api/v2/organizations/{id}/client-grants/{grant_id}", h.removeOrganizationClientGrant, "delete:organization_client_grants")

	// Members, roles, organization connections and invitations (SPEC-users §8-§10); the organizations'
	// lists are routed by organizationSubresource above.
	route("POST /api/v2/organizations/{id}/members", h.addOrganizationMembers, "create:organization_members")
	route("DELETE /api/v2/organizations/{id}/members", h.removeOrganizationMembers, "delete:organization_members")
	route("GET /api/v2/users/{id}/organizations", h.listUserOrganizations, "read:organizations")
	route("POST /api/v2/organizations/{id}/members/{user_id}/roles", h.assignMemberRoles, "create:organization_member_roles")
	route("GET /api/v2/organizations/{id}/members/{user_id}/roles", h.listMemberRoles, "read:organization_member_roles")
	route("DELETE /api/v2/organizations/{id}/members/{user_id}/roles", h.removeMemberRoles, "delete:organization_member_roles")
	route("POST /api/v2/roles", h.createRole, "create:roles")
	route("GET /api/v2/roles", h.listRoles, "read:roles")
	route("GET /api/v2/roles/{id}", h.getRole, "read:roles")
	route("PATCH /api/v2/roles/{id}", h.updateRole, "update:roles")
	route("DELETE /api/v2/roles/{id}", h.deleteRole, "delete:roles")
	route("POST /api/v2/roles/{id}/permissions", h.addRolePermissions, "update:roles")
	route("GET /api/v2/roles/{id}/permissions", h.listRolePermissions, "read:roles")
	route("DELETE /api/v2/roles/{id}/permissions", h.removeRolePermissions, "update:roles")
	route("GET /api/v2/users/{id}/roles", h.listUserRoles, "read:users") // and read:roles
	route("POST /api/v2/users/{id}/roles", h.assignUserRoles, "update:users")
	route("DELETE /api/v2/users/{id}/roles", h.removeUserRoles, "update:users")
	route("POST /api/v2/organizations/{id}/enabled_connections", h.addEnabledConnection, "create:organization_connections")
	route("GET /api/v2/organizations/{id}/enabled_connections/{connection_id}", h.getEnabledConnection, "read:organization_connections")
	route("PATCH /api/v2/organizations/{id}/enabled_connections/{connection_id}", h.updateEnabledConnection, "update:organization_connections")
	route("DELETE /api/v2/organizations/{id}/enabled_connections/{connection_id}", h.removeEnabledConnection, "delete:organization_connections")
	route("POST /api/v2/organizations/{id}/invitations", h.createInvitation, "create:organization_invitations")
	route("GET /api/v2/organizations/{id}/invitations/{invitation_id}", h.getInvitation, "read:organization_invitations")
	route("DELETE /api/v2/organizations/{id}/invitations/{invitation_id}", h.deleteInvitation, "delete:organization_invitations")

	route("GET /api/v2/tenants/settings", h.getTenantSettings, "read:tenant_settings")
	route("PATCH /api/v2/tenants/settings", h.updateTenantSettings, "update:tenant_settings")

	route("POST /api/v2/connections", h.createConnection, "create:connections")
	route("GET /api/v2/connections", h.listConnections, "read:connections")
	route("GET /api/v2/connections/{id}", h.getConnection, "read:connections")
	route("PATCH /api/v2/connections/{id}", h.updateConnection, "update:connections")
	route("DELETE /api/v2/connections/{id}", h.deleteConnection, "delete:connections")
	route("GET /api/v2/connections/{id}/clients", h.listConnectionClients, "read:connections")
	route("PATCH /api/v2/connections/{id}/clients", h.updateConnectionClients, "update:connections")

	// A user id has a | (auth0|…); the SDKs escape it, and ServeMux decodes the segment either way.
	route("POST /api/v2/users", h.createUser, "create:users")
	route("GET /api/v2/users", h.listUsers, "read:users")
	route("GET /api/v2/users/{id}", h.getUser, "read:users")
	// update:users_app_metadata suffices for a body with app_metadata alone; updateUser checks.
	route("PATCH /api/v2/users/{id}", h.updateUser, "update:users", "update:users_app_metadata")
	route("DELETE /api/v2/users/{id}", h.deleteUser, "delete:users")
	route("GET /api/v2/users-by-email", h.usersByEmail, "read:users")

	route("GET /api/v2/keys/signing", h.listSigningKeys, "read:signing_keys")
	route("POST /api/v2/keys/signing/rotate", h.rotateSigningKeys, "create:signing_keys", "update:signing_keys")

	mux.Handle("/api/v2/", http.HandlerFunc(notFound))
}

// organizationSubresource serves GET /api/v2/organizations/{a}/{b}. ServeMux cannot hold both
// /organizations/name/{name} and /organizations/{id}/client-grants (neither is more specific: both match
// /organizations/name/client-grants), so one pattern takes both, and the organization's lists (subs, by
// their last segment). "name" is never an organization id (ids start with org_), and "client-grants" or
// "members" are valid organization names, so "name" decides first.
func (h *Handler) organizationSubresource(byName http.Handler, subs map[string]http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "name" {
			r.SetPathValue("name", r.PathValue("sub"))
			byName.ServeHTTP(w, r)
			return
		}
		if sub, ok := subs[r.PathValue("sub")]; ok {
			sub.ServeHTTP(w, r)
			return
		}
		notFound(w, r)
	})
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, &Error{StatusCode: http.StatusNotFound, Message: "Not Found"})
}
