package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

const adminCols = `id, email, password_hash, created_at, updated_at`

func scanAdmin(sc sqlstore.Scanner) (store.Admin, error) {
	var a store.Admin
	if err := sc.Scan(&a.ID, &a.Email, &a.PasswordHash, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return a, err
	}
	a.CreatedAt, a.UpdatedAt = utc(a.CreatedAt), utc(a.UpdatedAt)
	return a, nil
}

// getAdmin reads the admin whose column col (id or email) equals v; lock adds FOR UPDATE.
func getAdmin(ctx context.Context, q querier, col, v string, lock bool) (store.Admin, error) {
	return scanAdmin(q.QueryRow(ctx, "SELECT "+adminCols+" FROM admins WHERE "+col+" = $1"+forUpdate(lock), v))
}

// CreateAdmin stores a; ErrConflict when its id or email is taken.
func (s *Store) CreateAdmin(ctx context.Context, a store.Admin) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO admins ("+adminCols+") VALUES ($1, $2, $3, $4, $5)",
			a.ID, a.Email, a.PasswordHash, a.CreatedAt, a.UpdatedAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: create admin %s: %w", a.ID, classify(err))
	}
	return nil
}

// GetAdmin finds an admin by id.
func (s *Store) GetAdmin(ctx context.Context, id string) (store.Admin, error) {
	a, err := getAdmin(ctx, s.pool, "id", id, false)
	if err != nil {
		return a, fmt.Errorf("postgres: get admin %s: %w", id, classify(err))
	}
	return a, nil
}

// GetAdminByEmail finds an admin by its exact email.
func (s *Store) GetAdminByEmail(ctx context.Context, email string) (store.Admin, error) {
	a, err := getAdmin(ctx, s.pool, "email", email, false)
	if err != nil {
		return a, fmt.Errorf("postgres: get admin by email: %w", classify(err))
	}
	return a, nil
}

// ListAdmins lists every admin in creation order.
func (s *Store) ListAdmins(ctx context.Context) ([]store.Admin, error) {
	l, err := list(ctx, s.pool, listSpec{cols: adminCols, from: "admins", seq: "seq"}, store.Page{}, scanAdmin)
	if err != nil {
		return nil, fmt.Errorf("postgres: list admins: %w", classify(err))
	}
	return l.Items, nil
}

// UpdateAdmin applies fn to the stored admin. Its id and creation time are kept whatever fn does;
// ErrConflict when fn changes the email to a taken one.
func (s *Store) UpdateAdmin(ctx context.Context, id string, fn func(*store.Admin) error) (store.Admin, error) {
	a, err := update(ctx, s,
		func(q querier) (store.Admin, error) { return getAdmin(ctx, q, "id", id, true) },
		fn,
		func(q querier, a store.Admin) error {
			_, err := q.Exec(ctx, "UPDATE admins SET email = $1, password_hash = $2, updated_at = $3 WHERE id = $4",
				a.Email, a.PasswordHash, a.UpdatedAt, id)
			return err
		})
	if err != nil {
		return a, fmt.Errorf("postgres: update admin %s: %w", id, classify(err))
	}
	return a, nil
}

// DeleteAdmin deletes an admin; the foreign key deletes its sessions. ErrNotFound when there is no such
// admin.
func (s *Store) DeleteAdmin(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		return mustAffect(tx.Exec(ctx, "DELETE FROM admins WHERE id = $1", id))
	})
	if err != nil {
		return fmt.Errorf("postgres: delete admin %s: %w", id, classify(err))
	}
	return nil
}
