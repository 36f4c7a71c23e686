package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

// GrantOrganizationUsages are the organization_usage values of a client grant ("" = unset, as deny).
var GrantOrganizationUsages = []string{store.UsageDeny, store.UsageAllow, store.UsageRequire}

var (
	errClientGrantNotFound     = notFound("The grant does not exist.", "inexistent_client_grant")
	errClientGrantConflict     = conflict("A client grant for this client and audience already exists.", "client_grant_conflict")
	errGrantClientMissing      = notFound("The client does not exist", "inexistent_client")
	errGrantAudienceMissing    = notFound("No resource server found by that identifier", "inexistent_resource_server")
	errSystemOrganizationUsage = invalidMessage("organization_usage",
		"The Management API cannot be called on behalf of an organization: organization_usage must be deny.")
)

func (s *Service) CreateClientGrant(ctx context.Context, in ClientGrantInput) (store.ClientGrant, error) {
	g := store.ClientGrant{
		ID:          newClientGrantID(),
		ClientID:    in.ClientID,
		Audience:    in.Audience,
		Scope:       in.Scope,
		SubjectType: "client",
		CreatedAt:   s.now(),
	}
	g.UpdatedAt = g.CreatedAt
	if in.OrganizationUsage != nil {
		g.OrganizationUsage = *in.OrganizationUsage
	}
	if in.AllowAnyOrganization != nil {
		g.AllowAnyOrganization = *in.AllowAnyOrganization
	}
	if in.SubjectType != nil {
		if err := checkEnum("subject_type", *in.SubjectType, "client"); err != nil {
			return g, err
		}
	}
	if err := checkText("client_id", g.ClientID, 1, MaxClientIDLength, false); err != nil {
		return g, err
	}
	if err := checkText("audience", g.Audience, 1, maxIdentifierLength, false); err != nil {
		return g, err
	}
	if err := validateClientGrantBody(g.OrganizationUsage, g.Scope); err != nil { // before the lookups, as Auth0
		return g, err
	}
	if _, err := s.store.GetClient(ctx, g.ClientID); err != nil {
		return g, storeError(err, errGrantClientMissing, nil, "check client")
	}
	api, err := s.store.GetResourceServerByIdentifier(ctx, g.Audience)
	if err != nil {
		return g, storeError(err, errGrantAudienceMissing, nil, "check audience")
	}
	if err := validateClientGrant(g, api, true); err != nil {
		return g, err
	}
	err = s.store.CreateClientGrant(ctx, g)
	if err != nil {
		// ErrNotFound here means the client or API was deleted since the checks above.
		return g, storeError(err, errGrantClientMissing, errClientGrantConflict, "create client grant")
	}
	return g, nil
}

func (s *Service) ClientGrant(ctx context.Context, id string) (store.ClientGrant, error) {
	g, err := s.store.GetClientGrant(ctx, id)
	return g, storeError(err, errClientGrantNotFound, nil, "get client grant")
}

func (s *Service) ClientGrants(ctx context.Context, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	l, err := s.store.ListClientGrants(ctx, f, p)
	return l, storeError(err, nil, nil, "list client grants")
}

// UpdateClientGrant changes scope, organization_usage and allow_any_organization. Switching a grant to
// deny keeps its organization associations; they are inert while it is deny.
func (s *Service) UpdateClientGrant(ctx context.Context, id string, in ClientGrantPatch) (store.ClientGrant, error) {
	var usage string
	if in.OrganizationUsage != nil {
		usage = *in.OrganizationUsage
	}
	var scope []string
	if in.Scope != nil {
		scope = *in.Scope
	}
	if err := validateClientGrantBody(usage, scope); err != nil { // the body first, as Auth0: 400 before 404
		return store.ClientGrant{}, err
	}
	current, err := s.ClientGrant(ctx, id)
	if err != nil {
		return current, err
	}
	api, err := s.store.GetResourceServerByIdentifier(ctx, current.Audience)
	if err != nil {
		return current, fmt.Errorf("update client grant %s: load API: %w", id, err)
	}
	if api.IsSystem && in.Scope != nil {
		err := s.keepAnAdministrator(ctx, current.ClientID, func(c store.Client, g store.ClientGrant) bool {
			g.Scope = *in.Scope
			return administers(c, g)
		})
		if err != nil {
			return current, err
		}
	}
	g, err := s.store.UpdateClientGrant(ctx, id, func(g *store.ClientGrant) error {
		if in.Scope != nil {
			g.Scope = *in.Scope
		}
		if in.OrganizationUsage != nil {
			g.OrganizationUsage = *in.OrganizationUsage
		}
		if in.AllowAnyOrganization != nil {
			g.AllowAnyOrganization = *in.AllowAnyOrganization
		}
		g.UpdatedAt = s.now()
		return validateClientGrant(*g, api, in.Scope != nil)
	})
	if err != nil {
		return g, storeError(err, errClientGrantNotFound, nil, "update client grant")
	}
	return g, nil
}

// DeleteClientGrant deletes a grant and its organization associations; deleting an unknown grant is no error.
func (s *Service) DeleteClientGrant(ctx context.Context, id string) error {
	if g, err := s.store.GetClientGrant(ctx, id); err == nil {
		system, err := s.isManagementGrant(ctx, g)
		if err != nil {
			return fmt.Errorf("delete client grant %s: %w", id, err)
		}
		if system {
			if err := s.keepAdministratorOnDelete(ctx, g.ClientID); err != nil {
				return err
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete client grant %s: %w", id, err)
	}
	err := s.store.DeleteClientGrant(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete client grant %s: %w", id, err)
	}
	return nil
}

// ClientGrantOrganizations lists the organizations a grant is associated with.
func (s *Service) ClientGrantOrganizations(ctx context.Context, grantID string, p store.Page) (store.List[store.Organization], error) {
	if _, err := s.ClientGrant(ctx, grantID); err != nil {
		return store.List[store.Organization]{}, err
	}
	l, err := s.store.ListClientGrantOrganizations(ctx, grantID, p)
	return l, storeError(err, errClientGrantNotFound, nil, "list client grant organizations")
}

// validateClientGrant checks a grant against the API it is for: a known usage, no organizations for the
// Management API and, when newScopes, only scopes the API defines (an API may drop a scope later
// without making its grants unchangeable).
func validateClientGrant(g store.ClientGrant, api store.ResourceServer, newScopes bool) error {
	if err := validateClientGrantBody(g.OrganizationUsage, g.Scope); err != nil {
		return err
	}
	if api.IsSystem && (policy.Usage(g.OrganizationUsage).AdmitsOrganizations() || g.AllowAnyOrganization) {
		return errSystemOrganizationUsage
	}
	if !newScopes {
		return nil
	}
	for _, sc := range g.Scope {
		if !slices.ContainsFunc(api.Scopes, func(d store.Scope) bool { return d.Value == sc }) {
			return invalidMessage("scope", fmt.Sprintf("Scope %q is not defined by the API %q.", sc, api.Identifier))
		}
	}
	return nil
}

// validateClientGrantBody checks the rules that need neither the client nor the API: a known usage
// ("" is unset) and no repeated scope.
func validateClientGrantBody(usage string, scope []string) error {
	if usage != "" {
		if err := checkEnum("organization_usage", usage, GrantOrganizationUsages...); err != nil {
			return err
		}
	}
	return checkUnique("scope", scope)
}
