package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// organizationCols are qualified with o, the alias every query on organizations uses.
const organizationCols = `o.id, o.name, o.display_name, o.branding, o.metadata, o.created_at, o.updated_at`

func scanOrganization(sc sqlstore.Scanner) (store.Organization, error) {
	var (
		o                  store.Organization
		branding, metadata *string
		created, updated   int64
	)
	if err := sc.Scan(&o.ID, &o.Name, &o.DisplayName, &branding, &metadata, &created, &updated); err != nil {
		return o, err
	}
	var err error
	if o.Branding, err = sqlstore.DecodeBranding(branding); err != nil {
		return o, fmt.Errorf("decode branding: %w", err)
	}
	if o.Metadata, err = sqlstore.DecodeMetadata(metadata); err != nil {
		return o, fmt.Errorf("decode metadata: %w", err)
	}
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return o, nil
}

// getOrganization reads the organization whose column col (id or name) equals v.
func getOrganization(ctx context.Context, q querier, col, v string) (store.Organization, error) {
	o, err := scanOrganization(q.QueryRowContext(ctx,
		"SELECT "+organizationCols+" FROM organizations o WHERE o."+col+" = ?", v))
	return o, classify(err)
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
		err = s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, name, display_name, branding, metadata,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				o.ID, o.Name, o.DisplayName, branding, metadata, toMicros(o.CreatedAt), toMicros(o.UpdatedAt))
			return classify(err)
		})
	}
	if err != nil {
		return fmt.Errorf("sqlite: create organization %s: %w", o.ID, err)
	}
	return nil
}

// GetOrganization finds an organization by id.
func (s *Store) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	o, err := getOrganization(ctx, s.r, "id", id)
	if err != nil {
		return o, fmt.Errorf("sqlite: get organization %s: %w", id, err)
	}
	return o, nil
}

// GetOrganizationByName finds an organization by its exact name.
func (s *Store) GetOrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	o, err := getOrganization(ctx, s.r, "name", name)
	if err != nil {
		return o, fmt.Errorf("sqlite: get organization named %s: %w", name, err)
	}
	return o, nil
}

// ListOrganizations lists organizations in creation order.
func (s *Store) ListOrganizations(ctx context.Context, p store.Page) (store.List[store.Organization], error) {
	return s.SearchOrganizations(ctx, "", p)
}

// SearchOrganizations lists the organizations whose name starts with namePrefix. The name index serves
// the range: names compare byte by byte (BINARY), and every string that starts with the prefix sorts
// below the prefix followed by U+10FFFF, the largest character.
func (s *Store) SearchOrganizations(ctx context.Context, namePrefix string, p store.Page) (store.List[store.Organization], error) {
	var out store.List[store.Organization]
	spec := listSpec{cols: organizationCols, from: "organizations o", seq: "o.seq"}
	if namePrefix != "" {
		spec.and("o.name >= ? AND o.name < ?", namePrefix, namePrefix+"\U0010FFFF")
	}
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = list(ctx, tx, spec, p, scanOrganization)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("sqlite: search organizations %q: %w", namePrefix, err)
	}
	return out, nil
}

// UpdateOrganization applies fn to the stored organization. Its id and creation time are kept whatever
// fn does; ErrConflict when fn renames it to a taken name.
func (s *Store) UpdateOrganization(ctx context.Context, id string, fn func(*store.Organization) error) (store.Organization, error) {
	o, err := update(ctx, s,
		func(q querier) (store.Organization, error) { return getOrganization(ctx, q, "id", id) },
		fn,
		func(q querier, o store.Organization) error {
			branding, metadata, err := organizationJSON(o)
			if err != nil {
				return err
			}
			_, err = q.ExecContext(ctx, `UPDATE organizations SET name = ?, display_name = ?, branding = ?,
				metadata = ?, updated_at = ? WHERE id = ?`,
				o.Name, o.DisplayName, branding, metadata, toMicros(o.UpdatedAt), id)
			return classify(err)
		})
	if err != nil {
		return o, fmt.Errorf("sqlite: update organization %s: %w", id, err)
	}
	return o, nil
}

// DeleteOrganization deletes an organization; foreign keys delete its associations and clear the
// default organization of the clients that pointed at it.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, "DELETE FROM organizations WHERE id = ?", id))
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete organization %s: %w", id, err)
	}
	return nil
}
