package tenant

// validateClientPatch checks, before the application or its default organization is looked up, each
// property the patch gives on its own, so that a malformed body gets its 400 even when it names objects
// that do not exist (Auth0 validates the whole body first). The checks are validateClient's, property by
// property; rules that need the stored application still run in validateClient, on the patched record.
func validateClientPatch(in ClientPatch) error {
	if in.Name != nil {
		if err := checkText("name", *in.Name, 1, 200, true); err != nil {
			return err
		}
	}
	if in.Description != nil {
		if err := checkText("description", *in.Description, 0, 140, false); err != nil {
			return err
		}
	}
	if in.AppType != nil && *in.AppType != "" {
		if err := checkEnum("app_type", *in.AppType, AppTypes...); err != nil {
			return err
		}
	}
	if in.TokenEndpointAuthMethod != nil && *in.TokenEndpointAuthMethod != "" { // null: private_key_jwt, checked on the record
		if err := checkEnum("token_endpoint_auth_method", *in.TokenEndpointAuthMethod, TokenEndpointAuthMethod...); err != nil {
			return err
		}
	}
	if in.GrantTypes != nil {
		if len(*in.GrantTypes) > maxGrantTypes {
			return invalid("grant_types", "Array is too long (%d), maximum %d", len(*in.GrantTypes), maxGrantTypes)
		}
		for _, g := range *in.GrantTypes {
			if err := checkEnum("grant_types", g, GrantTypes...); err != nil {
				return err
			}
		}
		if err := checkUnique("grant_types", *in.GrantTypes); err != nil {
			return err
		}
	}
	if in.OrganizationUsage != nil && *in.OrganizationUsage != "" {
		if err := checkEnum("organization_usage", *in.OrganizationUsage, ClientOrganizationUsages...); err != nil {
			return err
		}
	}
	if in.OrganizationRequireBehavior != nil && *in.OrganizationRequireBehavior != "" {
		if err := checkEnum("organization_require_behavior", *in.OrganizationRequireBehavior, OrganizationRequireBehavior...); err != nil {
			return err
		}
	}
	if in.DefaultOrganization != nil {
		if err := validateDefaultOrganization(*in.DefaultOrganization); err != nil {
			return err
		}
	}
	return validateClientLoginPatch(in.ClientLoginFields)
}
