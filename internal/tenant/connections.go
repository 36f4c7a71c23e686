package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// Connection rules (SPEC-users §7).
const (
	maxConnectionName        = 128
	maxConnectionDisplayName = 128
	maxConnectionMetadata    = 10
	maxRealms                = 10
	// MaxConnectionClientChanges bounds the body of PATCH /connections/{id}/clients.
	MaxConnectionClientChanges = 50
	// maxEnabledClients bounds the enabled_clients of a create or a PATCH.
	maxEnabledClients = 1000
	// DefaultConnectionName is the database connection orgauth creates on its first start.
	DefaultConnectionName = "Username-Password-Authentication"
)

// Strategies are the connection strategies orgauth has.
var Strategies = []string{store.StrategyAuth0, store.StrategyOIDC, store.StrategySAMLP}

var (
	connectionName = regexp.MustCompile(`^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`)

	errConnectionNotFound = notFound("The connection does not exist", "inexistent_connection")
	errConnectionConflict = &Error{Kind: KindConflict, Message: "A connection with the same name already exists",
		Code: "connection_conflict", Property: "name"}
)

// ConnectionInput creates a connection.
type ConnectionInput struct {
	Name     string
	Strategy string
	// Options are the strategy's options as a JSON object; nil: none given (the defaults).
	Options            json.RawMessage
	DisplayName        *string
	EnabledClients     *[]string
	ShowAsButton       *bool
	Realms             *[]string
	Metadata           map[string]string
	IsDomainConnection *bool
}

// ConnectionPatch changes a connection; its name and strategy are immutable.
type ConnectionPatch struct {
	// Options, when not nil, replace the options as a whole (a secret option left out keeps its value:
	// reads never show it); nil keeps them.
	Options     json.RawMessage
	DisplayName *string
	// EnabledClients, when not nil, are the clients the connection is enabled for from now on.
	EnabledClients     *[]string
	ShowAsButton       *bool
	Realms             *[]string
	Metadata           map[string]string // when not nil, replaces the metadata (empty: none)
	IsDomainConnection *bool
}

// ConnectionClientChange enables (Enabled) or disables a connection for a client.
type ConnectionClientChange struct {
	ClientID string
	Enabled  bool
}

// ConnectionDetails is a connection with the clients it is enabled for, as one connection is shown.
type ConnectionDetails struct {
	Connection
	EnabledClients []string
}

// CreateConnection creates a connection, enabled for the clients named.
func (s *Service) CreateConnection(ctx context.Context, in ConnectionInput) (ConnectionDetails, error) {
	c := store.Connection{
		ID: newConnectionID(), Name: in.Name, Strategy: in.Strategy, ShowAsButton: true,
		Realms: []string{in.Name}, Metadata: in.Metadata, CreatedAt: s.now(),
	}
	c.UpdatedAt = c.CreatedAt
	if err := checkText("name", in.Name, 1, maxConnectionName, false); err != nil {
		return ConnectionDetails{}, err
	}
	if !connectionName.MatchString(in.Name) {
		return ConnectionDetails{}, invalid("name", "String does not match pattern: %s", connectionName)
	}
	if err := checkEnum("strategy", in.Strategy, Strategies...); err != nil {
		return ConnectionDetails{}, err
	}
	applyConnectionFields(&c, in.DisplayName, in.ShowAsButton, in.Realms, in.Metadata, in.IsDomainConnection)
	if err := validateConnection(c); err != nil {
		return ConnectionDetails{}, err
	}
	var clients []string
	if in.EnabledClients != nil {
		clients = *in.EnabledClients
		if err := checkConnectionClients("enabled_clients", clients); err != nil {
			return ConnectionDetails{}, err
		}
	}
	opts, err := checkOptions(c.Strategy, in.Options, s.optionsContext(nil))
	if err != nil {
		return ConnectionDetails{}, err
	}
	if err := s.checkClientsExist(ctx, "enabled_clients", clients); err != nil {
		return ConnectionDetails{}, err
	}
	if err := s.checkDomainAliases(ctx, c.ID, opts.domainAliases); err != nil {
		return ConnectionDetails{}, err
	}
	if c.Options, err = s.storedOptions(c.ID, opts, nil); err != nil {
		return ConnectionDetails{}, err
	}
	if err := s.store.CreateConnection(ctx, c, clients); err != nil {
		return ConnectionDetails{}, storeError(err, errEnabledClientMissing, errConnectionConflict, "create connection")
	}
	return ConnectionDetails{Connection: publicConnection(c), EnabledClients: nonNilStrings(clients)}, nil
}

// Connection finds a connection by id, with the clients it is enabled for.
func (s *Service) Connection(ctx context.Context, id string) (ConnectionDetails, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return ConnectionDetails{}, storeError(err, errConnectionNotFound, nil, "get connection")
	}
	return s.connectionDetails(ctx, c)
}

// ConnectionByName finds a connection by its name.
func (s *Service) ConnectionByName(ctx context.Context, name string) (Connection, error) {
	c, err := s.store.GetConnectionByName(ctx, name)
	return publicConnection(c), storeError(err, errConnectionNotFound, nil, "get connection by name")
}

func (s *Service) connectionDetails(ctx context.Context, c store.Connection) (ConnectionDetails, error) {
	l, err := s.store.ListConnectionClients(ctx, c.ID, store.Page{})
	if err != nil {
		return ConnectionDetails{}, storeError(err, errConnectionNotFound, nil, "list the clients of a connection")
	}
	return ConnectionDetails{Connection: publicConnection(c), EnabledClients: nonNilStrings(l.Items)}, nil
}

// Connections lists the connections f selects, in creation order.
func (s *Service) Connections(ctx context.Context, f ConnectionFilter, p Page) (List[Connection], error) {
	l, err := s.store.ListConnections(ctx, f, p)
	for i := range l.Items {
		l.Items[i] = publicConnection(l.Items[i])
	}
	return l, storeError(err, nil, nil, "list connections")
}

// UpdateConnection changes a connection. Its options are checked against its strategy once it is found.
func (s *Service) UpdateConnection(ctx context.Context, id string, in ConnectionPatch) (ConnectionDetails, error) {
	if err := validateConnectionPatch(in); err != nil { // the body first, as Auth0: 400 before 404
		return ConnectionDetails{}, err
	}
	current, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return ConnectionDetails{}, storeError(err, errConnectionNotFound, nil, "get connection")
	}
	var opts *checkedOptions
	if in.Options != nil {
		o, err := checkOptions(current.Strategy, in.Options, s.optionsContext(current.Options))
		if err != nil {
			return ConnectionDetails{}, err
		}
		if err := s.checkDomainAliases(ctx, id, o.domainAliases); err != nil {
			return ConnectionDetails{}, err
		}
		opts = &o
	}
	var enable, disable []string
	if in.EnabledClients != nil {
		if err := s.checkClientsExist(ctx, "enabled_clients", *in.EnabledClients); err != nil {
			return ConnectionDetails{}, err
		}
		l, err := s.store.ListConnectionClients(ctx, id, store.Page{})
		if err != nil {
			return ConnectionDetails{}, storeError(err, errConnectionNotFound, nil, "list the clients of a connection")
		}
		enable = without(*in.EnabledClients, l.Items)
		disable = without(l.Items, *in.EnabledClients)
	}
	c, err := s.store.UpdateConnection(ctx, id, func(c *store.Connection) error {
		applyConnectionFields(c, in.DisplayName, in.ShowAsButton, in.Realms, in.Metadata, in.IsDomainConnection)
		if opts != nil {
			var err error
			if c.Options, err = s.storedOptions(c.ID, *opts, c.Options); err != nil {
				return err
			}
		}
		c.UpdatedAt = s.now()
		return validateConnection(*c)
	})
	if err != nil {
		return ConnectionDetails{}, storeError(err, errConnectionNotFound, nil, "update connection")
	}
	if len(enable) > 0 || len(disable) > 0 {
		if err := s.store.UpdateConnectionClients(ctx, id, enable, disable); err != nil {
			return ConnectionDetails{}, storeError(err, errEnabledClientMissing, nil, "update the clients of a connection")
		}
	}
	return s.connectionDetails(ctx, c)
}

// DeleteConnection deletes a connection, at once, with its users (and their sessions, refresh tokens and
// memberships) and its organization entries. deleted is false when there was no such connection.
func (s *Service) DeleteConnection(ctx context.Context, id string) (deleted bool, err error) {
	err = s.store.DeleteConnection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete connection %s: %w", id, err)
	}
	return true, nil
}

// ClientConnections lists the connections enabled for a client, in their creation order (the login
// page's connections when no organization is in play).
func (s *Service) ClientConnections(ctx context.Context, clientID string, p Page) (List[Connection], error) {
	l, err := s.store.ListClientConnections(ctx, clientID, p)
	for i := range l.Items {
		l.Items[i] = publicConnection(l.Items[i])
	}
	return l, storeError(err, errClientNotFound, nil, "list the connections of a client")
}

// ConnectionClients lists the ids of the clients a connection is enabled for, in their creation order.
func (s *Service) ConnectionClients(ctx context.Context, id string, p Page) (List[string], error) {
	l, err := s.store.ListConnectionClients(ctx, id, p)
	return l, storeError(err, errConnectionNotFound, nil, "list the clients of a connection")
}

// UpdateConnectionClients enables and disables a connection for clients, together. Disabling it for a
// client that does not exist, or for which it is not enabled, is no error.
func (s *Service) UpdateConnectionClients(ctx context.Context, id string, changes []ConnectionClientChange) error {
	if len(changes) > MaxConnectionClientChanges {
		return &Error{Kind: KindInvalid, Code: "invalid_body", Message: fmt.Sprintf(
			"Payload validation error: 'Array is too long (%d), maximum %d'.", len(changes), MaxConnectionClientChanges)}
	}
	var enable, disable, all []string
	for i, ch := range changes {
		property := fmt.Sprintf("[%d].client_id", i)
		if err := checkText(property, ch.ClientID, 1, MaxClientIDLength, false); err != nil {
			return err
		}
		all = append(all, ch.ClientID)
		if ch.Enabled {
			enable = append(enable, ch.ClientID)
		} else {
			disable = append(disable, ch.ClientID)
		}
	}
	if err := checkUnique("client_id", all); err != nil {
		return err
	}
	if _, err := s.store.GetConnection(ctx, id); err != nil {
		return storeError(err, errConnectionNotFound, nil, "get connection")
	}
	if err := s.checkClientsExist(ctx, "client_id", enable); err != nil {
		return err
	}
	err := s.store.UpdateConnectionClients(ctx, id, enable, disable)
	// The connection was found above: a missing entity now is a client to enable deleted meanwhile.
	return storeError(err, errEnabledClientMissing, nil, "update the clients of a connection")
}

// errEnabledClientMissing: a client to enable was deleted between the check and the write.
var errEnabledClientMissing = invalidMessage("enabled_clients", "One or more of the specified clients do not exist.")

// checkClientsExist refuses, before a write, a client id that names no client (400, not 404: it is in
// the body); the store's foreign key closes the race with a concurrent delete.
func (s *Service) checkClientsExist(ctx context.Context, property string, ids []string) error {
	for _, id := range ids {
		if ClientIDTooLong(id) {
			return invalidMessage(property, fmt.Sprintf("The client %s does not exist.", id[:MaxClientIDLength]+"…"))
		}
		_, err := s.store.GetClient(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return invalidMessage(property, fmt.Sprintf("The client %s does not exist.", id))
		}
		if err != nil {
			return fmt.Errorf("check client %s: %w", id, err)
		}
	}
	return nil
}

// checkDomainAliases refuses a domain alias another connection has (SPEC-users §13: an email domain
// leads to one connection). The check reads before the write: two concurrent writes may both pass.
func (s *Service) checkDomainAliases(ctx context.Context, connectionID string, aliases []string) error {
	if len(aliases) == 0 {
		return nil
	}
	p := store.Page{Checkpoint: true, Limit: 100}
	for {
		l, err := s.store.ListConnections(ctx, store.ConnectionFilter{Strategies: []string{store.StrategyOIDC, store.StrategySAMLP}}, p)
		if err != nil {
			return fmt.Errorf("check domain aliases: %w", err)
		}
		for _, c := range l.Items {
			if c.ID == connectionID {
				continue
			}
			var o struct {
				DomainAliases []string `json:"domain_aliases"`
			}
			if len(c.Options) > 0 && json.Unmarshal(c.Options, &o) == nil {
				for _, a := range aliases {
					if slices.Contains(o.DomainAliases, a) {
						return &Error{Kind: KindConflict, Code: "domain_alias_conflict", Property: "options.domain_aliases",
							Message: fmt.Sprintf("The domain alias %s belongs to the connection %s already.", a, c.Name)}
					}
				}
			}
		}
		if l.Next == "" {
			return nil
		}
		p.From = l.Next
	}
}

// optionsContext is what options are checked against: orgauth's issuer, and the secrets stored.
func (s *Service) optionsContext(stored json.RawMessage) optionsContext {
	oc := optionsContext{
		plainHTTPLoopback: strings.HasPrefix(s.issuer, "http://"),
		httpsIssuer:       strings.HasPrefix(s.issuer, "https://"),
		storedSecrets:     map[string]bool{},
	}
	var doc map[string]json.RawMessage
	if len(stored) > 0 && json.Unmarshal(stored, &doc) == nil {
		for k := range doc {
			if option, ok := strings.CutSuffix(k, sealedSuffix); ok {
				oc.storedSecrets[option] = true
			}
		}
	}
	return oc
}

// storedOptions is the document to store for checked options: the options, with each secret given
// sealed, and each secret left out kept from the stored document.
func (s *Service) storedOptions(connectionID string, o checkedOptions, stored json.RawMessage) (json.RawMessage, error) {
	b, err := json.Marshal(o.doc)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	var old map[string]json.RawMessage
	if len(stored) > 0 {
		_ = json.Unmarshal(stored, &old)
	}
	for k, v := range old {
		if option, ok := strings.CutSuffix(k, sealedSuffix); ok && !slices.Contains(o.clearSecrets, option) {
			doc[k] = v
		}
	}
	for option, secret := range o.secrets {
		sealed, err := s.sealSecret(connectionID, option, secret)
		if err != nil {
			return nil, fmt.Errorf("seal the %s of connection %s: %w", option, connectionID, err)
		}
		doc[option+sealedSuffix], _ = json.Marshal(sealed)
	}
	return json.Marshal(doc)
}

func applyConnectionFields(c *store.Connection, displayName *string, showAsButton *bool, realms *[]string,
	metadata map[string]string, isDomainConnection *bool) {
	if displayName != nil {
		c.DisplayName = *displayName
	}
	if showAsButton != nil {
		c.ShowAsButton = *showAsButton
	}
	if realms != nil {
		c.Realms = *realms
	}
	if metadata != nil {
		c.Metadata = metadata
	}
	if isDomainConnection != nil {
		c.IsDomainConnection = *isDomainConnection
	}
}

func validateConnection(c store.Connection) error {
	p := ConnectionPatch{Realms: &c.Realms, Metadata: c.Metadata, IsDomainConnection: &c.IsDomainConnection}
	if c.DisplayName != "" {
		p.DisplayName = &c.DisplayName
	}
	return validateConnectionPatch(p)
}

// validateConnectionPatch checks each property given on its own, before the connection is looked up.
func validateConnectionPatch(p ConnectionPatch) error {
	if p.DisplayName != nil {
		if err := checkText("display_name", *p.DisplayName, 1, maxConnectionDisplayName, false); err != nil {
			return err
		}
	}
	if p.Realms != nil {
		realms := *p.Realms
		if len(realms) < 1 || len(realms) > maxRealms {
			return invalid("realms", "Array has %d items: 1 to %d are allowed", len(realms), maxRealms)
		}
		for _, r := range realms {
			if err := checkText("realms", r, 1, maxConnectionName, false); err != nil {
				return err
			}
		}
		if err := checkUnique("realms", realms); err != nil {
			return err
		}
	}
	if len(p.Metadata) > maxConnectionMetadata {
		return invalid("metadata", "Too many properties defined (%d), maximum %d", len(p.Metadata), maxConnectionMetadata)
	}
	for k, v := range p.Metadata {
		if err := checkText("metadata", k, 1, maxMetadataKeyLength, false); err != nil {
			return err
		}
		if err := checkLength("metadata."+k, v, 0, maxMetadataValueLength); err != nil {
			return err
		}
	}
	if p.IsDomainConnection != nil && *p.IsDomainConnection {
		return invalid("is_domain_connection", "Domain connections are not supported: only false is allowed")
	}
	if p.EnabledClients != nil {
		return checkConnectionClients("enabled_clients", *p.EnabledClients)
	}
	return nil
}

func checkConnectionClients(property string, ids []string) error {
	if len(ids) > maxEnabledClients {
		return invalid(property, "Array is too long (%d), maximum %d", len(ids), maxEnabledClients)
	}
	for _, id := range ids {
		if err := checkText(property, id, 1, MaxClientIDLength, false); err != nil {
			return err
		}
	}
	return checkUnique(property, ids)
}

// without returns the items of a that are not in b, in a's order.
func without(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// createDefaultConnection creates the database connection of a new tenant, Username-Password-Authentication,
// with signups disabled and no enabled clients. A connection of that name already there (one created
// meanwhile by another instance, or by an administrator) is no error.
func (s *Service) createDefaultConnection(ctx context.Context) error {
	o := DatabaseOptions{
		PasswordPolicy:            "good",
		PasswordComplexityOptions: PasswordComplexityOptions{MinLength: 8},
		DisableSignup:             true,
		BruteForceProtection:      true,
	}
	options, err := json.Marshal(o)
	if err != nil {
		return err
	}
	now := s.now()
	c := store.Connection{ID: newConnectionID(), Name: DefaultConnectionName, Strategy: store.StrategyAuth0,
		Options: options, ShowAsButton: true, Realms: []string{DefaultConnectionName}, CreatedAt: now, UpdatedAt: now}
	err = s.store.CreateConnection(ctx, c, nil)
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("create the %s connection: %w", DefaultConnectionName, err)
	}
	return nil
}
