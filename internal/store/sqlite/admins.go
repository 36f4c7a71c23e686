package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const adminCols = `id, email, password_hash, created_at, updated_at`

func scanAdmin(sc sqlstore.Scanner) (store.Admin, error) {
	var (
		a                store.Admin
		created, updated int64
	)
	if err := sc.Scan(&a.ID, &a.Email, &a.PasswordHash, &created, &updated); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return a, nil
}

// getAdmin reads the admin whose column col (id or email) equals v.
func getAdmin(ctx context.Context, q querier, col, v string) (store.Admin, error) {
	a, err := scanAdmin(q.QueryRowContext(ctx, "SELECT "+adminCols+" FROM admins WHERE "+col+" = ?", v))
	return a, classify(err)
}

// CreateAdmin stores a; ErrConflict when its id or email is taken.
func (s *Store) CreateAdmin(ctx context.Context, a store.Admin) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO admins ("+adminCols+") VALUES (?, ?, ?, ?, ?)",
			a.ID, a.Email, a.PasswordHash, toMicros(a.CreatedAt), toMicros(a.UpdatedAt))
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("sqlite: create admin %s: %w", a.ID, err)
	}
	return nil
}

// GetAdmin finds an admin by id.
func (s *Store) GetAdmin(ctx context.Context, id string) (store.Admin, error) {
	a, err := getAdmin(ctx, s.r, "id", id)
	if err != nil {
		return a, fmt.Errorf("sqlite: get admin %s: %w", id, err)
	}
	return a, nil
}

// GetAdminByEmail finds an admin by its exact email.
func (s *Store) GetAdminByEmail(ctx context.Context, email string) (store.Admin, error) {
	a, err := getAdmin(ctx, s.r, "email", email)
	if err != nil {
		return a, fmt.Errorf("sqlite: get admin by email: %w", err)
	}
	return a, nil
}

// ListAdmins lists every admin in creation order.
func (s *Store) ListAdmins(ctx context.Context) ([]store.Admin, error) {
	var admins []store.Admin
	err := s.read(ctx, func(tx *sql.Tx) error {
		l, err := list(ctx, tx, listSpec{cols: adminCols, from: "admins", seq: "seq"}, store.Page{}, scanAdmin)
		admins = l.Items
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: list admins: %w", err)
	}
	return admins, nil
}

// UpdateAdmin applies fn to the stored admin. Its id and creation time are kept whatever fn does;
// ErrConflict when fn changes the email to a taken one.
func (s *Store) UpdateAdmin(ctx context.Context, id string, fn func(*store.Admin) error) (store.Admin, error) {
	a, err := update(ctx, s,
		func(q querier) (store.Admin, error) { return getAdmin(ctx, q, "id", id) },
		fn,
		func(q querier, a store.Admin) error {
			_, err := q.ExecContext(ctx, "UPDATE admins SET email = ?, password_hash = ?, updated_at = ? WHERE id = ?",
				a.Email, a.PasswordHash, toMicros(a.UpdatedAt), id)
			return classify(err)
		})
	if err != nil {
		return a, fmt.Errorf("sqlite: update admin %s: %w", id, err)
	}
	return a, nil
}

// DeleteAdmin deletes an admin; the foreign key deletes its sessions. ErrNotFound when there is no such
// admin.
func (s *Store) DeleteAdmin(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return mustAffect(tx.ExecContext(ctx, "DELETE FROM admins WHERE id = ?", id))
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete admin %s: %w", id, err)
	}
	return nil
}
