package tenant

import "github.com/orgauth/orgauth/internal/store"

// The records the tenant's operations take and return, and the paging of its lists, under the tenant's
// name: they are the faces' whole vocabulary (the Management API, the dashboard, the token endpoint,
// and the organization-scoped API to come), so that no face imports the store. They are aliases, not
// copies: a tenant.Client is a store.Client, and the operations' signatures are the store's types.

// ResourceServer is an API: its Identifier is the access token audience.
type ResourceServer = store.ResourceServer

// Scope is one permission an API defines.
type Scope = store.Scope

// Client is an application (an OAuth client).
type Client = store.Client

// ClientCredential is a public key with which a client signs its private_key_jwt assertions.
type ClientCredential = store.ClientCredential

// DefaultOrganization is the organization a client's token requests get when they name none.
type DefaultOrganization = store.DefaultOrganization

// ClientGrant permits one client to call one API through the client-credentials flow.
type ClientGrant = store.ClientGrant

// Organization is one of the provider's business customers.
type Organization = store.Organization

// Branding is an organization's look on hosted pages.
type Branding = store.Branding

// BrandingColors are an organization's hex colors, such as "#0059d6".
type BrandingColors = store.BrandingColors

// TenantSettings are the tenant-wide switches.
type TenantSettings = store.TenantSettings

// Page selects a page of a list: offset paging (Offset, Limit) or checkpoint paging (Checkpoint, From, Limit).
type Page = store.Page

// List is one page of a list, with the total (Page.WantTotal) or the cursor of the next page (List.Next).
type List[T any] = store.List[T]

// ClientGrantFilter narrows ClientGrants and OrganizationClientGrants; zero fields match all.
type ClientGrantFilter = store.ClientGrantFilter

// The organization usage of a client grant (ClientGrant.OrganizationUsage); "" means unset and behaves as UsageDeny.
const (
	UsageDeny    = store.UsageDeny
	UsageAllow   = store.UsageAllow
	UsageRequire = store.UsageRequire
)

// Member is a user in an organization, with the time they joined it.
type Member = store.Member

// UserOrganization is an organization a user is a member of, with the time they joined it.
type UserOrganization = store.UserOrganization

// Role is a named set of permissions, assigned to users in the tenant or as members of organizations.
type Role = store.Role

// Permission is a scope of an API that a role grants.
type Permission = store.Permission

// OrganizationConnection is a connection's entry in an organization: the connection enabled for it.
type OrganizationConnection = store.OrganizationConnection
