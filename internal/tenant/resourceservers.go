package tenant

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// Resource server rules.
const (
	DefaultTokenLifetime = 86400
	MaxTokenLifetime     = 2592000
	DefaultSigningAlg    = "RS256"
	maxScopes            = 1000
)

// maxIdentifierLength bounds an API's identifier (the audience), in characters.
const maxIdentifierLength = 600

// SigningAlgs are the algorithms an API may sign its tokens with.
var SigningAlgs = []string{"RS256", "PS256", "ES256"}

// TokenDialects are the token_dialect values an API may have: access_token_authz adds the permissions
// claim to user tokens. Auth0's rfc9068_profile dialects are refused.
var TokenDialects = []string{store.DialectAccessToken, store.DialectAccessTokenAuthz}

var (
	errResourceServerNotFound = notFound("The resource server does not exist", "inexistent_resource_server")
	errResourceServerConflict = conflict("A resource server with the same identifier already exists", "resource_server_conflict")
	errSystemResourceServer   = &Error{Kind: KindForbidden, Message: "The Management API cannot be changed or deleted.", Code: "operation_not_supported"}
	resourceServerIDPattern   = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

func (s *Service) CreateResourceServer(ctx context.Context, in ResourceServerInput) (store.ResourceServer, error) {
	rs := store.ResourceServer{
		ID:            newResourceServerID(),
		Identifier:    in.Identifier,
		Name:          in.Identifier,
		SigningAlg:    DefaultSigningAlg,
		TokenLifetime: DefaultTokenLifetime,
		TokenDialect:  store.DialectAccessToken,
		CreatedAt:     s.now(),
	}
	rs.UpdatedAt = rs.CreatedAt
	if err := checkText("identifier", in.Identifier, 1, maxIdentifierLength, false); err != nil {
		return rs, err
	}
	if strings.TrimSpace(in.Identifier) != in.Identifier {
		return rs, invalid("identifier", "String must not start or end with whitespace")
	}
	applyResourceServerPatch(&rs, ResourceServerPatch{
		Name: in.Name, Scopes: in.Scopes, SigningAlg: in.SigningAlg,
		TokenLifetime: in.TokenLifetime, AllowOfflineAccess: in.AllowOfflineAccess,
		EnforcePolicies: in.EnforcePolicies, TokenDialect: in.TokenDialect,
	})
	if err := validateResourceServer(rs); err != nil {
		return rs, err
	}
	err := s.store.CreateResourceServer(ctx, rs)
	if err != nil {
		return rs, storeError(err, nil, errResourceServerConflict, "create resource server")
	}
	return rs, nil
}

// ResourceServer finds an API by id or by identifier.
func (s *Service) ResourceServer(ctx context.Context, idOrIdentifier string) (store.ResourceServer, error) {
	if resourceServerIDPattern.MatchString(idOrIdentifier) {
		rs, err := s.store.GetResourceServer(ctx, idOrIdentifier)
		if !errors.Is(err, store.ErrNotFound) {
			return rs, storeError(err, errResourceServerNotFound, nil, "get resource server")
		}
	}
	rs, err := s.store.GetResourceServerByIdentifier(ctx, idOrIdentifier)
	return rs, storeError(err, errResourceServerNotFound, nil, "get resource server")
}

func (s *Service) ResourceServers(ctx context.Context, p store.Page) (store.List[store.ResourceServer], error) {
	l, err := s.store.ListResourceServers(ctx, p)
	return l, storeError(err, nil, nil, "list resource servers")
}

func (s *Service) UpdateResourceServer(ctx context.Context, idOrIdentifier string, in ResourceServerPatch) (store.ResourceServer, error) {
	if err := validateResourceServerPatch(in); err != nil { // the body first, as Auth0: 400 before 404
		return store.ResourceServer{}, err
	}
	current, err := s.ResourceServer(ctx, idOrIdentifier)
	if err != nil {
		return current, err
	}
	rs, err := s.store.UpdateResourceServer(ctx, current.ID, func(rs *store.ResourceServer) error {
		if rs.IsSystem {
			return errSystemResourceServer
		}
		applyResourceServerPatch(rs, in)
		rs.UpdatedAt = s.now()
		return validateResourceServer(*rs)
	})
	if err != nil {
		return rs, storeError(err, errResourceServerNotFound, nil, "update resource server")
	}
	return rs, nil
}

// DeleteResourceServer deletes an API with its client grants and their organization associations.
func (s *Service) DeleteResourceServer(ctx context.Context, idOrIdentifier string) error {
	rs, err := s.ResourceServer(ctx, idOrIdentifier)
	if err != nil {
		return err
	}
	if rs.IsSystem {
		return errSystemResourceServer
	}
	err = s.store.DeleteResourceServer(ctx, rs.ID)
	if err != nil {
		return storeError(err, errResourceServerNotFound, nil, "delete resource server")
	}
	return nil
}

func applyResourceServerPatch(rs *store.ResourceServer, in ResourceServerPatch) {
	if in.Name != nil {
		rs.Name = *in.Name
	}
	if in.Scopes != nil {
		rs.Scopes = *in.Scopes
	}
	if in.SigningAlg != nil {
		rs.SigningAlg = *in.SigningAlg
	}
	if in.TokenLifetime != nil {
		rs.TokenLifetime = *in.TokenLifetime
	}
	if in.AllowOfflineAccess != nil {
		rs.AllowOfflineAccess = *in.AllowOfflineAccess
	}
	if in.EnforcePolicies != nil {
		rs.EnforcePolicies = *in.EnforcePolicies
	}
	if in.TokenDialect != nil {
		rs.TokenDialect = *in.TokenDialect
	}
}

func validateResourceServer(rs store.ResourceServer) error {
	p := ResourceServerPatch{Name: &rs.Name, Scopes: &rs.Scopes, SigningAlg: &rs.SigningAlg, TokenLifetime: &rs.TokenLifetime}
	if rs.TokenDialect != "" { // "": an API stored before dialects, which reads as access_token
		p.TokenDialect = &rs.TokenDialect
	}
	return validateResourceServerPatch(p)
}

// validateResourceServerPatch checks each property given; every rule of an API concerns one property,
// so a patch is checked whole before the API is even looked up.
func validateResourceServerPatch(p ResourceServerPatch) error {
	if p.Name != nil {
		if err := checkText("name", *p.Name, 1, 200, true); err != nil {
			return err
		}
	}
	if p.SigningAlg != nil {
		if err := checkEnum("signing_alg", *p.SigningAlg, SigningAlgs...); err != nil {
			return err
		}
	}
	if p.TokenLifetime != nil && (*p.TokenLifetime < 1 || *p.TokenLifetime > MaxTokenLifetime) {
		return invalid("token_lifetime", "Value %d is outside 1..%d", *p.TokenLifetime, MaxTokenLifetime)
	}
	if p.TokenDialect != nil {
		if strings.HasPrefix(*p.TokenDialect, "rfc9068_profile") {
			return invalid("token_dialect", "The %s dialect is not supported (allowed: %s)", *p.TokenDialect, strings.Join(TokenDialects, ", "))
		}
		if err := checkEnum("token_dialect", *p.TokenDialect, TokenDialects...); err != nil {
			return err
		}
	}
	if p.Scopes == nil {
		return nil
	}
	scopes := *p.Scopes
	if len(scopes) > maxScopes {
		return invalid("scopes", "Array is too long (%d), maximum %d", len(scopes), maxScopes)
	}
	values := make([]string, len(scopes))
	for i, sc := range scopes {
		if err := checkScopeValue("scopes.value", sc.Value); err != nil {
			return err
		}
		if err := checkText("scopes.description", sc.Description, 0, 500, false); err != nil {
			return err
		}
		values[i] = sc.Value
	}
	return checkUnique("scopes", values)
}

// checkScopeValue: a scope is a non-empty printable token without spaces (RFC 6749 §3.3 scope-token).
func checkScopeValue(property, value string) error {
	if err := checkLength(property, value, 1, 280); err != nil {
		return err
	}
	for _, r := range value {
		if r <= ' ' || r == '"' || r == '\\' || r == 0x7f {
			return invalid(property, "String does not match pattern: ^[\\x21\\x23-\\x5B\\x5D-\\x7E\\x80-\\uFFFF]+$")
		}
	}
	return nil
}
