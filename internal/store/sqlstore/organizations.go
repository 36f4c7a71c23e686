package sqlstore

import (
	"context"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
)

// organizationCols are qualified with o, the alias every query on organizations uses.
const organizationCols = `o.id, o.name, o.display_name, o.branding, o.metadata, o.created_at, o.updated_at`

func scanOrganization(sc scanner) (store.Organization, error) {
	var (
		o                  store.Organization
		branding, metadata *string
	)
	if err := sc.Scan(&o.ID, &o.Name, &o.DisplayName, &branding, &metadata, utc{&o.CreatedAt}, utc{&o.UpdatedAt}); err != nil {
		return o, err
	}
	var err error
	if o.Branding, err = decodeBranding(branding); err != nil {
		return o, fmt.Errorf("decode branding: %w", err)
	}
	if o.Metadata, err = decodeMetadata(metadata); err != nil {
		return o, fmt.Errorf("decode metadata: %w", err)
	}
	return o, nil
}

// getOrganization reads the organization whose column col (id or name) equals v; lock locks its row.
func getOrganization(ctx context.Context, c conn, col, v string, lock bool) (store.Organization, error) {
	return scanOrganization(c.row(ctx,
		"SELECT "+organizationCols+" FROM organizations o WHERE o."+col+" = ?"+c.forUpdate(lock), v))
}

// organizationJSON encodes the JSON columns of o.
func organizationJSON(o store.Organization) (branding, metadata any, err error) {
	if branding, err = encodeBranding(o.Branding); err != nil {
		return nil, nil, err
	}
	if metadata, err = encodeMetadata(o.Metadata); err != nil {
		return nil, nil, err
	}
	return branding, metadata, nil
}

// CreateOrganization stores o; ErrConflict when its id or name is taken.
func (s *Store) CreateOrganization(ctx context.Context, o store.Organization) error {
	branding, metadata, err := organizationJSON(o)
	if err == nil {
		err = s.write(ctx, func(c conn) error {
			_, err := c.exec(ctx, `INSERT INTO organizations (id, name, display_name, branding, metadata,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				o.ID, o.Name, o.DisplayName, branding, metadata, o.CreatedAt, o.UpdatedAt)
			c.changed(store.ChangeOrganization, o.ID)
			return err
		})
	}
	return s.fail(err, "create organization %s", o.ID)
}

// GetOrganization finds an organization by id.
func (s *Store) GetOrganization(ctx context.Context, id string) (store.Organization, error) {
	o, err := getOrganization(ctx, s.reader(), "id", id, false)
	return o, s.fail(err, "get organization %s", id)
}

// GetOrganizationByName finds an organization by its exact name.
func (s *Store) GetOrganizationByName(ctx context.Context, name string) (store.Organization, error) {
	o, err := getOrganization(ctx, s.reader(), "name", name, false)
	return o, s.fail(err, "get organization named %s", name)
}

// ListOrganizations lists organizations in creation order.
func (s *Store) ListOrganizations(ctx context.Context, p store.Page) (store.List[store.Organization], error) {
	return s.SearchOrganizations(ctx, "", p)
}

// SearchOrganizations lists the organizations whose name starts with namePrefix, by the dialect's
// indexed prefix condition.
func (s *Store) SearchOrganizations(ctx context.Context, namePrefix string, p store.Page) (store.List[store.Organization], error) {
	var out store.List[store.Organization]
	if !s.holds(namePrefix) {
		return out, nil // no name can start with it
	}
	spec := listSpec{cols: organizationCols, from: "organizations o", seq: "o.seq"}
	if namePrefix != "" {
		cond, args := s.d.prefix("o.name", namePrefix)
		spec.and(cond, args...)
	}
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, spec, p, scanOrganization)
		return err
	})
	return out, s.fail(err, "search organizations %q", namePrefix)
}

// UpdateOrganization applies fn to the stored organization. Its id and creation time are kept whatever
// fn does; ErrConflict when fn renames it to a taken name.
func (s *Store) UpdateOrganization(ctx context.Context, id string, fn func(*store.Organization) error) (store.Organization, error) {
	o, err := update(ctx, s,
		func(c conn) (store.Organization, error) { return getOrganization(ctx, c, "id", id, true) },
		fn,
		func(c conn, o store.Organization) error {
			branding, metadata, err := organizationJSON(o)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `UPDATE organizations SET name = ?, display_name = ?, branding = ?,
				metadata = ?, updated_at = ? WHERE id = ?`,
				o.Name, o.DisplayName, branding, metadata, o.UpdatedAt, id)
			c.changed(store.ChangeOrganization, id)
			return err
		})
	return o, s.fail(err, "update organization %s", id)
}

// DeleteOrganization deletes an organization; foreign keys delete its associations and clear the
// default organization of the clients that pointed at it.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		if err := c.changedRows(ctx, store.ChangeClient, "SELECT client_id FROM clients WHERE default_org_id = ?", id); err != nil {
			return err
		}
		c.changed(store.ChangeOrganization, id)
		return mustAffect(c.exec(ctx, "DELETE FROM organizations WHERE id = ?", id))
	})
	return s.fail(err, "delete organization %s", id)
}
