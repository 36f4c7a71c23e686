package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// organizationCols are qualified with o, the alias every query on organizations uses.
const organizationCols = `o.id, o.name, o.display_name, o.branding, o.metadata, o.created_at, o.updated_at`

func scanOrganization(sc sqlstore.Scanner) (store.Organization, error) {
	var (
		o                  store.Organization
		branding, metadata *string
	)
	if err := sc.Scan(&o.ID, &o.Name, &o.DisplayName, &branding, &metadata, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return o, err
	}
	var err error
	if o.Branding, err = sqlstore.DecodeBranding(branding); err != nil {
		return o, fmt.Errorf("decode branding: %w", err)
	}
	if o.Metadata, err = sqlstore.DecodeMetadata(metadata); err != nil {
		return o, fmt.Errorf("decode metadata: %w", err)
	}
	o.CreatedAt, o.UpdatedAt = utc(o.CreatedAt), utc(o.UpdatedAt)
	return o, nil
}

// getOrganization reads the organization whose column col (id or name) equals v; lock adds FOR UPDATE.
func getOrganization(ctx context.Context, q querier, col, v string, lock bool) (store.Organization, error) {
	return scanOrganization(q.QueryRow(ctx,
		"SELECT "+organizationCols+" FROM organizations o WHERE o."+col+" = $1"+forUpdate(lock), v))
}

// organizationJSON encodes the JSON columns of o.
func organizationJSON(o store.Organization) (branding, metadata any, err error) {
	if branding, err = sqlstore.EncodeBranding(o.Branding); err != nil {
		return nil, nil, err
	}
	if metadata, err = sqlstore.EncodeMetadata(o.Metadata); err != nil {
		return nil, nil, err
	}
	return branding, metadata, nil
}

// CreateOrganization stores o; ErrConflict when its id or name is taken.
func (s *Store) CreateOrganization(ctx context.Context, o store.Organization) error {
	branding, metadata, err := organizationJSON(o)
	if err == nil {
		err = s.write(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO organizations (id, name, display_name, branding, metadata,
				created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				o.ID, o.Name, o.DisplayName, branding, metadata, o.CreatedAt, o.UpdatedAt)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("postgres: create organization %s: %w", o.ID, classify(err))
	}
	return nil
}

// GetOrganization finds an organization by id.
func (s *Store) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	o, err := getOrganization(ctx, s.pool, "id", id, false)
	if err != nil {
		return o, fmt.Errorf("postgres: get organization %s: %w", id, classify(err))
	}
	return o, nil
}

// GetOrganizationByName finds an organization by its exact name.
func (s *Store) GetOrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	o, err := getOrganization(ctx, s.pool, "name", name, false)
	if err != nil {
		return o, fmt.Errorf("postgres: get organization named %s: %w", name, classify(err))
	}
	return o, nil
}

// ListOrganizations lists organizations in creation order.
func (s *Store) ListOrganizations(ctx context.Context, p store.Page) (store.List[store.Organization], error) {
	return s.SearchOrganizations(ctx, "", p)
}

// SearchOrganizations lists the organizations whose name starts with namePrefix. LIKE with the
// pattern-ops index serves the prefix whatever the database's collation; the prefix's own wildcard
// characters are escaped.
func (s *Store) SearchOrganizations(ctx context.Context, namePrefix string, p store.Page) (store.List[store.Organization], error) {
	var out store.List[store.Organization]
	if !storable(namePrefix) {
		return out, nil // PostgreSQL cannot hold such text, so no name starts with it
	}
	spec := listSpec{cols: organizationCols, from: "organizations o", seq: "o.seq"}
	if namePrefix != "" {
		pattern := likeEscaper.Replace(namePrefix) + "%"
		spec.where = append(spec.where, "o.name LIKE "+spec.arg(pattern)+` ESCAPE '\'`)
	}
	err := s.read(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = list(ctx, tx, spec, p, scanOrganization)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("postgres: search organizations %q: %w", namePrefix, classify(err))
	}
	return out, nil
}

// likeEscaper makes a string match itself in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// UpdateOrganization applies fn to the stored organization. Its id and creation time are kept whatever
// fn does; ErrConflict when fn renames it to a taken name.
func (s *Store) UpdateOrganization(ctx context.Context, id string, fn func(*store.Organization) error) (store.Organization, error) {
	o, err := update(ctx, s,
		func(q querier) (store.Organization, error) { return getOrganization(ctx, q, "id", id, true) },
		fn,
		func(q querier, o store.Organization) error {
			branding, metadata, err := organizationJSON(o)
			if err != nil {
				return err
			}
			_, err = q.Exec(ctx, `UPDATE organizations SET name = $1, display_name = $2, branding = $3,
				metadata = $4, updated_at = $5 WHERE id = $6`,
				o.Name, o.DisplayName, branding, metadata, o.UpdatedAt, id)
			return err
		})
	if err != nil {
		return o, fmt.Errorf("postgres: update organization %s: %w", id, classify(err))
	}
	return o, nil
}

// DeleteOrganization deletes an organization; foreign keys delete its associations and clear the
// default organization of the clients that pointed at it.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		return mustAffect(tx.Exec(ctx, "DELETE FROM organizations WHERE id = $1", id))
	})
	if err != nil {
		return fmt.Errorf("postgres: delete organization %s: %w", id, classify(err))
	}
	return nil
}
