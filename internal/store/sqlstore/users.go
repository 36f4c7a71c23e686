package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Emails are stored in lowercase, lowered here rather than by the engines, whose lower() differ beyond
// ASCII; so are the emails that lookups and filters compare.

func userSeq(ctx context.Context, c conn, id string, lock bool) (int64, error) {
	return seqOf(ctx, c, "user", "users", "id", id, lock)
}

// userCols are qualified with u, the alias every query on users uses.
const userCols = `u.id, u.connection_id, u.email, u.email_verified, u.name, u.given_name, u.family_name, u.nickname,
	u.picture, u.blocked, u.app_metadata, u.user_metadata, u.password_hash, u.created_at, u.updated_at, u.last_login,
	u.last_password_reset, u.logins_count`

func scanUser(sc scanner) (store.User, error) {
	var (
		u                         store.User
		appMetadata, userMetadata *string
	)
	if err := sc.Scan(&u.ID, &u.ConnectionID, &u.Email, &u.EmailVerified, &u.Name, &u.GivenName, &u.FamilyName,
		&u.Nickname, &u.Picture, &u.Blocked, &appMetadata, &userMetadata, &u.PasswordHash, utc{&u.CreatedAt},
		utc{&u.UpdatedAt}, utc{&u.LastLogin}, utc{&u.LastPasswordReset}, &u.LoginsCount); err != nil {
		return u, err
	}
	var err error
	if u.AppMetadata, err = decodeObject(appMetadata); err != nil {
		return u, fmt.Errorf("decode app_metadata: %w", err)
	}
	if u.UserMetadata, err = decodeObject(userMetadata); err != nil {
		return u, fmt.Errorf("decode user_metadata: %w", err)
	}
	return u, nil
}

// getUser reads a user; lock locks its row.
func getUser(ctx context.Context, c conn, id string, lock bool) (store.User, error) {
	return scanUser(c.row(ctx, "SELECT "+userCols+" FROM users u WHERE u.id = ?"+c.forUpdate(lock), id))
}

// userArgs are the values of the columns that an update writes, in the order of userUpdate.
func userArgs(u store.User) ([]any, error) {
	appMetadata, err := encodeObject(u.AppMetadata)
	if err != nil {
		return nil, fmt.Errorf("encode app_metadata: %w", err)
	}
	userMetadata, err := encodeObject(u.UserMetadata)
	if err != nil {
		return nil, fmt.Errorf("encode user_metadata: %w", err)
	}
	return []any{strings.ToLower(u.Email), u.EmailVerified, u.Name, u.GivenName, u.FamilyName, u.Nickname, u.Picture,
		u.Blocked, appMetadata, userMetadata, u.PasswordHash, u.UpdatedAt, nullTime(u.LastLogin),
		nullTime(u.LastPasswordReset), u.LoginsCount}, nil
}

// userUpdate sets the columns of userArgs.
const userUpdate = `email = ?, email_verified = ?, name = ?, given_name = ?, family_name = ?, nickname = ?, picture = ?,
	blocked = ?, app_metadata = ?, user_metadata = ?, password_hash = ?, updated_at = ?, last_login = ?,
	last_password_reset = ?, logins_count = ?`

// CreateUser stores u with its email in lowercase. ErrConflict when its id is taken or its connection
// has a user with the email; ErrNotFound when the connection does not exist.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	args, err := userArgs(u)
	if err == nil {
		err = s.write(ctx, func(c conn) error {
			_, err := c.exec(ctx, `INSERT INTO users (id, connection_id, created_at, email, email_verified, name,
				given_name, family_name, nickname, picture, blocked, app_metadata, user_metadata, password_hash, updated_at,
				last_login, last_password_reset, logins_count) VALUES (?, ?, ?, `+placeholders(len(args))+`)`,
				append([]any{u.ID, u.ConnectionID, u.CreatedAt}, args...)...)
			return err
		})
	}
	return s.fail(err, "create user %s", u.ID)
}

// GetUser finds a user by id.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := getUser(ctx, s.reader(), id, false)
	return u, s.fail(err, "get user %s", id)
}

// GetUserByEmail finds the user of a connection with the email, compared in lowercase; no user has the
// empty email.
func (s *Store) GetUserByEmail(ctx context.Context, connectionID, email string) (store.User, error) {
	var (
		u   store.User
		err error = store.ErrNotFound
	)
	if email != "" {
		u, err = scanUser(s.reader().row(ctx, "SELECT "+userCols+" FROM users u WHERE u.email = ? AND u.connection_id = ?",
			strings.ToLower(email), connectionID))
	}
	return u, s.fail(err, "get user of connection %s by email", connectionID)
}

// ListUsersByEmail lists the users with the email, compared in lowercase, in creation order.
func (s *Store) ListUsersByEmail(ctx context.Context, email string) ([]store.User, error) {
	if email == "" {
		return nil, nil
	}
	l, err := s.ListUsers(ctx, store.UserFilter{Email: email}, store.Page{})
	return l.Items, err
}

// ListUsers lists the users that match f, in creation order.
func (s *Store) ListUsers(ctx context.Context, f store.UserFilter, p store.Page) (store.List[store.User], error) {
	spec := listSpec{cols: userCols, from: "users u", seq: "u.seq"}
	if f.Email != "" {
		email := strings.ToLower(f.Email)
		if s.holds(email) {
			spec.and("u.email = ?", email)
		} else {
			spec.and("FALSE")
		}
	}
	if f.ConnectionID != "" {
		if s.holds(f.ConnectionID) {
			spec.and("u.connection_id = ?", f.ConnectionID)
		} else {
			spec.and("FALSE")
		}
	}
	var out store.List[store.User]
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, spec, p, scanUser)
		return err
	})
	return out, s.fail(err, "list users")
}

// UpdateUser applies fn to the stored user. Its id, connection and creation time are kept whatever fn
// does; its email is stored in lowercase.
func (s *Store) UpdateUser(ctx context.Context, id string, fn func(*store.User) error) (store.User, error) {
	u, err := update(ctx, s,
		func(c conn) (store.User, error) { return getUser(ctx, c, id, true) },
		fn,
		func(c conn, u store.User) error {
			args, err := userArgs(u)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, "UPDATE users SET "+userUpdate+" WHERE id = ?", append(args, id)...)
			return err
		})
	return u, s.fail(err, "update user %s", id)
}

// DeleteUser deletes a user; foreign keys cascade to its memberships, roles, login sessions,
// authorization codes and refresh tokens. ErrNotFound when there is no such user.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	err := s.write(ctx, func(c conn) error {
		return mustAffect(c.exec(ctx, "DELETE FROM users WHERE id = ?", id))
	})
	return s.fail(err, "delete user %s", id)
}

// RecordUserLogin counts a login, in one statement that does not bump the version (see quiet).
func (s *Store) RecordUserLogin(ctx context.Context, id string, at time.Time) error {
	err := mustAffect(s.writer().exec(ctx, "UPDATE users SET last_login = ?, logins_count = logins_count + 1 WHERE id = ?", at, id))
	return s.fail(err, "record a login of user %s", id)
}
