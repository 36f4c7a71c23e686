package mgmt

import "github.com/orgauth/orgauth/internal/tenant"

// readClientLoginFields reads an application's settings for people's logins. null puts a setting back to
// its default: no callbacks or logout URLs, no initiate_login_uri, discovery by email, the default ID
// token lifetime and refresh-token configuration.
func readClientLoginFields(o object) (tenant.ClientLoginFields, error) {
	var f tenant.ClientLoginFields
	var err error
	lists := []struct {
		key string
		dst **[]string
		def []string
	}{
		{"callbacks", &f.Callbacks, []string{}},
		{"allowed_logout_urls", &f.AllowedLogoutURLs, []string{}},
		{"organization_discovery_methods", &f.OrganizationDiscoveryMethods, []string{"email"}},
	}
	for _, l := range lists {
		if o.null(l.key) {
			def := l.def
			*l.dst = &def
		} else if *l.dst, err = o.stringsField(l.key); err != nil {
			return f, err
		}
	}
	if o.null("initiate_login_uri") {
		f.InitiateLoginURI = new(string)
	} else if f.InitiateLoginURI, err = o.stringField("initiate_login_uri"); err != nil {
		return f, err
	}
	if o.null("jwt_configuration") {
		f.IDTokenLifetime = ptr(tenant.DefaultIDTokenLifetime)
	} else if jwt, err := o.objectField("jwt_configuration"); err != nil {
		return f, err
	} else if jwt != nil {
		if err := jwt.allow("lifetime_in_seconds"); err != nil {
			return f, err
		}
		if jwt.null("lifetime_in_seconds") {
			f.IDTokenLifetime = ptr(tenant.DefaultIDTokenLifetime)
		} else if f.IDTokenLifetime, err = jwt.intField("lifetime_in_seconds"); err != nil {
			return f, err
		}
	}
	if o.null("refresh_token") {
		f.ClearRefreshToken = true
	} else if rt, err := o.objectField("refresh_token"); err != nil {
		return f, err
	} else if rt != nil {
		if f.RefreshToken, err = readRefreshToken(*rt); err != nil {
			return f, err
		}
	}
	// orgauth is always OIDC-conformant: oidc_conformant reads true, and only true may be sent.
	conformant, err := o.boolField("oidc_conformant")
	if err != nil {
		return f, err
	}
	if conformant != nil && !*conformant {
		return f, payloadError("oidc_conformant", "orgauth is always OIDC-conformant: only true is allowed")
	}
	return f, nil
}

func readRefreshToken(o object) (*tenant.RefreshTokenPatch, error) {
	if err := o.allow("rotation_type", "expiration_type", "leeway", "token_lifetime", "idle_token_lifetime",
		"infinite_token_lifetime", "infinite_idle_token_lifetime"); err != nil {
		return nil, err
	}
	var p tenant.RefreshTokenPatch
	var err error
	if p.RotationType, err = o.stringField("rotation_type"); err != nil {
		return nil, err
	}
	if p.ExpirationType, err = o.stringField("expiration_type"); err != nil {
		return nil, err
	}
	for _, n := range []struct {
		key string
		dst **int
	}{{"leeway", &p.Leeway}, {"token_lifetime", &p.TokenLifetime}, {"idle_token_lifetime", &p.IdleTokenLifetime}} {
		if *n.dst, err = o.intField(n.key); err != nil {
			return nil, err
		}
	}
	for _, b := range []struct {
		key string
		dst **bool
	}{{"infinite_token_lifetime", &p.InfiniteTokenLifetime}, {"infinite_idle_token_lifetime", &p.InfiniteIdleTokenLifetime}} {
		if *b.dst, err = o.boolField(b.key); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func ptr[T any](v T) *T { return &v }
