package tenant

import (
	"context"
	"fmt"
	"slices"

	"github.com/orgauth/orgauth/internal/store"
)

// ClientForAssertion returns a client and the credentials its private_key_jwt references (none when it
// does not use private_key_jwt), served from memory like every other lookup of the token endpoint; an
// error wrapping store.ErrNotFound when the client is unknown.
func (d *Directory) ClientForAssertion(ctx context.Context, clientID string) (store.Client, []store.ClientCredential, error) {
	c, err := cached(ctx, d, func(d *Directory) map[string]result[store.Client] { return d.clients }, clientID,
		func(ctx context.Context) (store.Client, error) { return d.store.GetClient(ctx, clientID) })
	if err != nil {
		return store.Client{}, nil, fmt.Errorf("client for assertion: %w", err)
	}
	if len(c.PrivateKeyJWTCredentials) == 0 {
		return c, nil, nil
	}
	all, err := cached(ctx, d, func(d *Directory) map[string]result[[]store.ClientCredential] { return d.creds }, clientID,
		func(ctx context.Context) ([]store.ClientCredential, error) {
			return d.store.ListClientCredentials(ctx, clientID)
		})
	if err != nil {
		return store.Client{}, nil, fmt.Errorf("credentials of client %s: %w", clientID, err)
	}
	var referenced []store.ClientCredential
	for _, cred := range all {
		if slices.Contains(c.PrivateKeyJWTCredentials, cred.ID) {
			referenced = append(referenced, cred)
		}
	}
	return c, referenced, nil
}
