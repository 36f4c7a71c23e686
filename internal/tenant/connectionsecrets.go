package tenant

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/store"
)

// A connection's secret options (an OIDC connection's client_secret) are kept in its stored options
// document sealed under the key-encryption key (package kek), bound to the connection's id and the
// option's name, under the option's name with sealedSuffix: "client_secret_sealed": "<base64>". The
// Management API never accepts a property with that suffix, and the tenant's reads drop those
// properties, so a secret is written once and never shown again; only ConnectionSecret opens it.

// sealedSuffix marks the stored property that holds a sealed secret option.
const sealedSuffix = "_sealed"

// secretOptions are the options of each strategy that are secrets.
var secretOptions = map[string][]string{
	store.StrategyOIDC: {"client_secret"},
}

// errNoKEK refuses a secret the tenant cannot seal.
var errNoKEK = errors.New("no key-encryption key: connection secrets can be neither stored nor read")

func secretData(connectionID, option string) []byte {
	return []byte("orgauth connection secret\x00" + connectionID + "\x00" + option)
}

// sealSecret seals a secret option of the connection connectionID for its stored document.
func (s *Service) sealSecret(connectionID, option, secret string) (string, error) {
	if s.kek == nil {
		return "", errNoKEK
	}
	return base64.StdEncoding.EncodeToString(s.kek.Seal([]byte(secret), secretData(connectionID, option))), nil
}

// openSecret opens a stored sealed value with the KEK, or a previous one, that sealed it.
func (s *Service) openSecret(connectionID, option, stored string) (string, error) {
	sealed, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return "", fmt.Errorf("connection %s: %s: not a sealed value", connectionID, option)
	}
	k, err := s.kekOf(connectionID, option, sealed)
	if err != nil {
		return "", err
	}
	plain, err := k.Open(sealed, secretData(connectionID, option))
	if err != nil {
		return "", fmt.Errorf("connection %s: %s: %w", connectionID, option, err)
	}
	return string(plain), nil
}

// kekOf is the KEK given to the tenant that sealed a value.
func (s *Service) kekOf(connectionID, option string, sealed []byte) (*kek.Key, error) {
	if s.kek == nil {
		return nil, errNoKEK
	}
	id, ok := kek.SealedWith(sealed)
	if !ok {
		return nil, fmt.Errorf("connection %s: %s: not a sealed value", connectionID, option)
	}
	for _, k := range append([]*kek.Key{s.kek}, s.oldKEKs...) {
		if k.ID() == id {
			return k, nil
		}
	}
	return nil, fmt.Errorf("the %s of connection %s is encrypted with key-encryption key %s, but orgauth was given %s: %w",
		option, connectionID, id, s.kek.ID(), kek.ErrOtherKey)
}

// ConnectionSecret returns a secret option of a connection, such as an OIDC connection's
// client_secret, for the login flow to use; "" when the connection has none.
func (s *Service) ConnectionSecret(ctx context.Context, connectionID, option string) (string, error) {
	c, err := s.store.GetConnection(ctx, connectionID)
	if err != nil {
		return "", storeError(err, errConnectionNotFound, nil, "get connection")
	}
	var doc map[string]json.RawMessage
	if len(c.Options) > 0 {
		if err := json.Unmarshal(c.Options, &doc); err != nil {
			return "", fmt.Errorf("connection %s: options: %w", connectionID, err)
		}
	}
	var stored string
	if raw, ok := doc[option+sealedSuffix]; !ok {
		return "", nil
	} else if err := json.Unmarshal(raw, &stored); err != nil {
		return "", fmt.Errorf("connection %s: %s: %w", connectionID, option, err)
	}
	return s.openSecret(connectionID, option, stored)
}

// publicOptions is a stored options document without its sealed secrets: what reads show.
func publicOptions(stored json.RawMessage) json.RawMessage {
	var doc map[string]json.RawMessage
	if len(stored) == 0 || json.Unmarshal(stored, &doc) != nil {
		return stored
	}
	sealed := false
	for k := range doc {
		if strings.HasSuffix(k, sealedSuffix) {
			delete(doc, k)
			sealed = true
		}
	}
	if !sealed {
		return stored
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return stored
	}
	return out
}

// publicConnection is c as the tenant's reads show it.
func publicConnection(c store.Connection) store.Connection {
	c.Options = publicOptions(c.Options)
	return c
}

// resealConnectionSecrets seals again under the KEK the connection secrets sealed under a previous
// one, connection by connection; a secret sealed under a KEK the tenant was not given stops the start,
// as a signing key does (keys.Open). Without a KEK it does nothing.
func (s *Service) resealConnectionSecrets(ctx context.Context) error {
	if s.kek == nil {
		return nil
	}
	var strategies []string
	for st := range secretOptions {
		strategies = append(strategies, st)
	}
	resealed := 0
	p := store.Page{Checkpoint: true, Limit: 100}
	for {
		l, err := s.store.ListConnections(ctx, store.ConnectionFilter{Strategies: strategies}, p)
		if err != nil {
			return fmt.Errorf("check the connection secrets: %w", err)
		}
		for _, c := range l.Items {
			n, err := s.resealConnection(ctx, c)
			if err != nil {
				return err
			}
			resealed += n
		}
		if l.Next == "" {
			break
		}
		p.From = l.Next
	}
	if resealed > 0 {
		s.log.LogAttrs(ctx, slog.LevelInfo, "connection secrets encrypted with the key-encryption key",
			slog.String("kek", s.kek.ID()), slog.Int("secrets", resealed))
	}
	return nil
}

// resealConnection seals c's secrets under the KEK where a previous KEK sealed them, and returns how
// many it sealed again.
func (s *Service) resealConnection(ctx context.Context, c store.Connection) (int, error) {
	var need bool
	for _, option := range secretOptions[c.Strategy] {
		stored, ok := sealedOption(c.Options, option)
		if !ok {
			continue
		}
		sealed, err := base64.StdEncoding.DecodeString(stored)
		if err != nil {
			return 0, fmt.Errorf("connection %s: %s: not a sealed value", c.ID, option)
		}
		k, err := s.kekOf(c.ID, option, sealed)
		if err != nil {
			return 0, err
		}
		need = need || k != s.kek
	}
	if !need {
		return 0, nil
	}
	n := 0
	_, err := s.store.UpdateConnection(ctx, c.ID, func(c *store.Connection) error {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(c.Options, &doc); err != nil {
			return err
		}
		for _, option := range secretOptions[c.Strategy] {
			stored, ok := sealedOption(c.Options, option)
			if !ok {
				continue
			}
			secret, err := s.openSecret(c.ID, option, stored)
			if err != nil {
				return err
			}
			resealed, err := s.sealSecret(c.ID, option, secret)
			if err != nil {
				return err
			}
			doc[option+sealedSuffix], _ = json.Marshal(resealed)
			n++
		}
		var err error
		c.Options, err = json.Marshal(doc)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("encrypt the secrets of connection %s with the key-encryption key: %w", c.ID, err)
	}
	return n, nil
}

// sealedOption is the sealed value of a secret option in a stored options document.
func sealedOption(options json.RawMessage, option string) (string, bool) {
	var doc map[string]json.RawMessage
	if len(options) == 0 || json.Unmarshal(options, &doc) != nil {
		return "", false
	}
	raw, ok := doc[option+sealedSuffix]
	if !ok {
		return "", false
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return v, true
}
