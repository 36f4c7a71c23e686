package sqlstore

import (
	"context"

	"github.com/orgauth/orgauth/internal/store"
)

const adminCols = `id, email, password_hash, created_at, updated_at`

func scanAdmin(sc scanner) (store.Admin, error) {
	var a store.Admin
	err := sc.Scan(&a.ID, &a.Email, &a.PasswordHash, utc{&a.CreatedAt}, utc{&a.UpdatedAt})
	return a, err
}

// getAdmin reads the admin whose column col (id or email) equals v; lock locks its row.
func getAdmin(ctx context.Context, c conn, col, v string, lock bool) (store.Admin, error) {
	return scanAdmin(c.row(ctx, "SELECT "+adminCols+" FROM admins WHERE "+col+" = ?"+c.forUpdate(lock), v))
}

// CreateAdmin stores a; ErrConflict when its id or email is taken.
func (s *Store) CreateAdmin(ctx context.Context, a store.Admin) error {
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "INSERT INTO admins ("+adminCols+") VALUES (?, ?, ?, ?, ?)",
			a.ID, a.Email, a.PasswordHash, a.CreatedAt, a.UpdatedAt)
		return err
	})
	return s.fail(err, "create admin %s", a.ID)
}

// GetAdmin finds an admin by id.
func (s *Store) GetAdmin(ctx context.Context, id string) (store.Admin, error) {
	a, err := getAdmin(ctx, s.reader(), "id", id, false)
	return a, s.fail(err, "get admin %s", id)
}

// GetAdminByEmail finds an admin by its exact email.
func (s *Store) GetAdminByEmail(ctx context.Context, email string) (store.Admin, error) {
	a, err := getAdmin(ctx, s.reader(), "email", email, false)
	return a, s.fail(err, "get admin by email")
}

// ListAdmins lists every admin in creation order.
func (s *Store) ListAdmins(ctx context.Context) ([]store.Admin, error) {
	l, err := list(ctx, s.reader(), listSpec{cols: adminCols, from: "admins", seq: "seq"}, store.Page{}, scanAdmin)
	if err != nil {
		return nil, s.fail(err, "list admins")
	}
	return l.Items, nil
}

// UpdateAdmin applies fn to the stored admin. Its id and creation time are kept whatever fn does;
// ErrConflict when fn changes the email to a taken one.
func (s *Store) UpdateAdmin(ctx context.Context, id string, fn func(*store.Admin) error) (store.Admin, error) {
	a, err := update(ctx, s,
		func(c conn) (store.Admin, error) { return getAdmin(ctx, c, "id", id, true) },
		fn,
		func(c conn, a store.Admin) error {
			_, err := c.exec(ctx, "UPDATE admins SET email = ?, password_hash = ?, updated_at = ? WHERE id = ?",
				a.Email, a.PasswordHash, a.UpdatedAt, id)
			return err
		})
	return a, s.fail(err, "update admin %s", id)
}

// DeleteAdmin deletes an admin; the foreign key deletes its sessions. ErrNotFound when there is no such
// admin.
func (s *Store) DeleteAdmin(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		return mustAffect(c.exec(ctx, "DELETE FROM admins WHERE id = ?", id))
	})
	return s.fail(err, "delete admin %s", id)
}
