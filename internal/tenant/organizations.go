package tenant

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/store"
)

// Organization rules.
const (
	maxMetadataKeys            = 25
	MaxGrantsPerOrganization   = 100
	maxMetadataValueLength     = 255
	maxMetadataKeyLength       = 255
	maxOrganizationNameLength  = 50
	maxOrganizationDisplayName = 255
)

var (
	organizationName = regexp.MustCompile(`^[a-z0-9_-]+$`)

	errOrganizationNotFound = notFound("No organization found by that id or name", "")
	errOrganizationConflict = &Error{Kind: KindConflict, Message: "An organization with this name already exists.", Code: "organization_conflict", Property: "name"}
	errAssociationConflict  = conflict("The client grant has already been added to this organization.", "client_grant_conflict")
	errTooManyGrants        = conflict(fmt.Sprintf("An organization cannot have more than %d client grants.", MaxGrantsPerOrganization), "too_many_client_grants")
	errGrantDeniesOrgs      = invalidMessage("grant_id",
		"The client grant does not allow organizations: set its organization_usage to allow or require first.")
)

func (s *Service) CreateOrganization(ctx context.Context, in OrganizationInput) (store.Organization, error) {
	o := store.Organization{ID: newOrganizationID(), Name: in.Name, Branding: in.Branding, Metadata: in.Metadata, CreatedAt: s.now()}
	o.UpdatedAt = o.CreatedAt
	if in.DisplayName != nil {
		o.DisplayName = *in.DisplayName
	}
	if err := validateOrganization(o, in.DisplayName != nil); err != nil {
		return o, err
	}
	err := s.store.CreateOrganization(ctx, o)
	if err != nil {
		return o, storeError(err, nil, errOrganizationConflict, "create organization")
	}
	return o, nil
}

func (s *Service) Organization(ctx context.Context, id string) (store.Organization, error) {
	o, err := s.store.GetOrganization(ctx, id)
	return o, storeError(err, errOrganizationNotFound, nil, "get organization")
}

func (s *Service) OrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	o, err := s.store.GetOrganizationByName(ctx, name)
	return o, storeError(err, errOrganizationNotFound, nil, "get organization by name")
}

func (s *Service) Organizations(ctx context.Context, p store.Page) (store.List[store.Organization], error) {
	l, err := s.store.ListOrganizations(ctx, p)
	return l, storeError(err, nil, nil, "list organizations")
}

// SearchOrganizations lists the organizations whose name starts with prefix (compared in lowercase, as
// names are), in creation order.
func (s *Service) SearchOrganizations(ctx context.Context, prefix string, p store.Page) (store.List[store.Organization], error) {
	l, err := s.store.SearchOrganizations(ctx, strings.ToLower(prefix), p)
	return l, storeError(err, nil, nil, "search organizations")
}

func (s *Service) UpdateOrganization(ctx context.Context, id string, in OrganizationPatch) (store.Organization, error) {
	if err := validateOrganizationPatch(in); err != nil { // the body first, as Auth0: 400 before 404
		return store.Organization{}, err
	}
	var names []string // the old name and the new: a rename changes what both look up
	o, err := s.store.UpdateOrganization(ctx, id, func(o *store.Organization) error {
		names = append(names, o.Name)
		if in.Name != nil {
			o.Name = *in.Name
			names = append(names, o.Name)
		}
		if in.DisplayName != nil {
			o.DisplayName = *in.DisplayName
		}
		if in.Branding != nil {
			o.Branding = in.Branding
		}
		if in.ClearBranding {
			o.Branding = nil
		}
		if in.Metadata != nil {
			o.Metadata = in.Metadata
		}
		o.UpdatedAt = s.now()
		return validateOrganization(*o, in.DisplayName != nil)
	})
	if err != nil {
		return o, storeError(err, errOrganizationNotFound, errOrganizationConflict, "update organization")
	}
	return o, nil
}

// DeleteOrganization deletes an organization with its associations and clears the default organization
// of every application that pointed at it.
func (s *Service) DeleteOrganization(ctx context.Context, id string) error {
	err := s.store.DeleteOrganization(ctx, id)
	if err != nil {
		return storeError(err, errOrganizationNotFound, nil, "delete organization")
	}
	return nil
}

// AddOrganizationClientGrant associates a client grant with an organization, so that the grant's
// application may get tokens for that organization.
func (s *Service) AddOrganizationClientGrant(ctx context.Context, orgID, grantID string) (store.ClientGrant, error) {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return store.ClientGrant{}, err
	}
	var grant store.ClientGrant
	err := s.store.AddOrganizationClientGrant(ctx, orgID, grantID, func(g store.ClientGrant, count int) error {
		grant = g
		if !policy.Usage(g.OrganizationUsage).AdmitsOrganizations() {
			return errGrantDeniesOrgs
		}
		if count >= MaxGrantsPerOrganization {
			return errTooManyGrants
		}
		return nil
	})
	if err != nil {
		// The organization was checked above: a missing entity now is the grant (or a concurrent delete).
		return grant, storeError(err, errClientGrantNotFound, errAssociationConflict, "add organization client grant")
	}
	return grant, nil
}

func (s *Service) OrganizationClientGrants(ctx context.Context, orgID string, f store.ClientGrantFilter, p store.Page) (store.List[store.ClientGrant], error) {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return store.List[store.ClientGrant]{}, err
	}
	l, err := s.store.ListOrganizationClientGrants(ctx, orgID, f, p)
	return l, storeError(err, errOrganizationNotFound, nil, "list organization client grants")
}

// RemoveOrganizationClientGrant removes an association; removing one that does not exist is no error.
func (s *Service) RemoveOrganizationClientGrant(ctx context.Context, orgID, grantID string) error {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return err
	}
	err := s.store.RemoveOrganizationClientGrant(ctx, orgID, grantID)
	if err != nil {
		return fmt.Errorf("remove client grant %s from organization %s: %w", grantID, orgID, err)
	}
	return nil
}

// validateOrganization checks the fields; display_name is checked when given (it is optional).
func validateOrganization(o store.Organization, displayNameGiven bool) error {
	p := OrganizationPatch{Name: &o.Name, Branding: o.Branding, Metadata: o.Metadata}
	if displayNameGiven || o.DisplayName != "" {
		p.DisplayName = &o.DisplayName
	}
	return validateOrganizationPatch(p)
}

// validateOrganizationPatch checks each property given; every rule of an organization (its name's
// uniqueness aside, which the store enforces) concerns one property, so a patch is checked whole before
// the organization is even looked up.
func validateOrganizationPatch(p OrganizationPatch) error {
	if p.Name != nil {
		if err := checkLength("name", *p.Name, 1, maxOrganizationNameLength); err != nil {
			return err
		}
		if !organizationName.MatchString(*p.Name) {
			return invalid("name", "String does not match pattern: ^[a-z0-9_-]+$")
		}
	}
	if p.DisplayName != nil {
		if err := checkText("display_name", *p.DisplayName, 1, maxOrganizationDisplayName, false); err != nil {
			return err
		}
	}
	if b := p.Branding; b != nil {
		if b.LogoURL != "" {
			if err := checkHTTPSURL("branding.logo_url", b.LogoURL); err != nil {
				return err
			}
		}
		if c := b.Colors; c != nil {
			if err := checkHexColor("branding.colors.primary", c.Primary); err != nil {
				return err
			}
			if err := checkHexColor("branding.colors.page_background", c.PageBackground); err != nil {
				return err
			}
		}
	}
	if len(p.Metadata) > maxMetadataKeys {
		return invalid("metadata", "Too many properties defined (%d), maximum %d", len(p.Metadata), maxMetadataKeys)
	}
	for k, v := range p.Metadata {
		if err := checkText("metadata", k, 1, maxMetadataKeyLength, false); err != nil {
			return err
		}
		if err := checkLength("metadata."+k, v, 0, maxMetadataValueLength); err != nil {
			return err
		}
	}
	return nil
}
