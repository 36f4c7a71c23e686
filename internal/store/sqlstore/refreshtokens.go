package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Refresh tokens come in families (see migrations/0005_people.sql): the family's row holds what its
// tokens share, the latest counter (the current token) and the revocation, and is what a rotation
// locks; a token's row is its hash, counter and issue time, never changed. So revoking a family, or
// all of a user's, is an update of family rows, and a used token is one whose counter is below the
// latest.

// refreshTokenCols read a token with its family: t is the token, f its family.
const refreshTokenCols = `t.token_hash, f.family_id, t.counter, f.client_id, f.user_id, f.organization_id, f.audience,
	f.scopes, f.session_hash, t.created_at, f.expires_at, f.idle_expires_at, f.latest_counter, f.revoked_at`

// refreshTokenRow is a token as read, with its family's latest counter.
type refreshTokenRow struct {
	t      store.RefreshToken
	latest int
}

func scanRefreshToken(sc scanner) (refreshTokenRow, error) {
	var (
		r             refreshTokenRow
		orgID, scopes *string
	)
	t := &r.t
	if err := sc.Scan(&t.TokenHash, &t.FamilyID, &t.Counter, &t.ClientID, &t.UserID, &orgID, &t.Audience, &scopes,
		&t.SessionIDHash, utc{&t.CreatedAt}, utc{&t.ExpiresAt}, utc{&t.IdleExpiresAt}, &r.latest, utc{&t.RevokedAt}); err != nil {
		return r, err
	}
	t.OrganizationID = fromNullString(orgID)
	t.SessionIDHash = fromNullBytes(t.SessionIDHash)
	t.Used = t.Counter < r.latest
	var err error
	if t.Scopes, err = decodeStrings(scopes); err != nil {
		return r, fmt.Errorf("decode scopes: %w", err)
	}
	return r, nil
}

// CreateRefreshToken starts a family with its token 0, in a quiet transaction. The family's row is
// inserted first: ErrConflict when it exists, as when a code's reuse revoked it ahead of its start.
func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	scopes, err := encodeStrings(t.Scopes)
	if err == nil {
		err = s.quiet(ctx, func(c conn) error {
			if _, err := c.exec(ctx, `INSERT INTO refresh_token_families (family_id, client_id, user_id, organization_id,
				audience, scopes, session_hash, expires_at, idle_expires_at, latest_counter, revoked_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				t.FamilyID, t.ClientID, t.UserID, nullString(t.OrganizationID), t.Audience, scopes, nullBytes(t.SessionIDHash),
				nullTime(t.ExpiresAt), nullTime(t.IdleExpiresAt), 0, nil); err != nil {
				return err
			}
			_, err := c.exec(ctx, "INSERT INTO refresh_tokens (token_hash, family_id, counter, created_at) VALUES (?, ?, ?, ?)",
				t.TokenHash, t.FamilyID, 0, t.CreatedAt)
			return err
		})
	}
	return s.fail(err, "create refresh token family %s", t.FamilyID)
}

// getRefreshToken reads a token with its family.
func getRefreshToken(ctx context.Context, c conn, tokenHash []byte) (refreshTokenRow, error) {
	return scanRefreshToken(c.row(ctx, "SELECT "+refreshTokenCols+` FROM refresh_tokens t
		JOIN refresh_token_families f ON f.family_id = t.family_id WHERE t.token_hash = ?`, tokenHash))
}

// GetRefreshToken finds a token whatever its state.
func (s *Store) GetRefreshToken(ctx context.Context, tokenHash []byte) (store.RefreshToken, error) {
	r, err := getRefreshToken(ctx, s.reader(), tokenHash)
	return r.t, s.fail(err, "get refresh token")
}

// expired reports whether t's time has come at now: a zero time never comes.
func expired(t, now time.Time) bool { return !t.IsZero() && !now.Before(t) }

// RotateRefreshToken uses a token in a quiet transaction that locks its family's row, so that the
// rotations of one family, in any instance, take turns, and each sees what the one before did: of two
// concurrent uses of the current token, the first rotates it and the second is a reuse.
func (s *Store) RotateRefreshToken(ctx context.Context, u store.RefreshTokenUse) (store.RefreshToken, error) {
	var (
		r     refreshTokenRow
		reuse *store.ReuseError
	)
	err := s.quiet(ctx, func(c conn) error {
		var familyID string
		if err := c.row(ctx, "SELECT family_id FROM refresh_tokens WHERE token_hash = ?", u.TokenHash).Scan(&familyID); err != nil {
			return err
		}
		if _, err := c.exec(ctx, "SELECT family_id FROM refresh_token_families WHERE family_id = ?"+c.forUpdate(true), familyID); err != nil {
			return err
		}
		var err error
		if r, err = getRefreshToken(ctx, c, u.TokenHash); err != nil {
			return err
		}
		t := r.t
		switch {
		case !t.RevokedAt.IsZero():
			return fmt.Errorf("family revoked at %s: %w", t.RevokedAt, store.ErrNotFound)
		case expired(t.ExpiresAt, u.Now):
			return fmt.Errorf("family expired at %s: %w", t.ExpiresAt, store.ErrNotFound)
		case t.Counter == r.latest:
			if expired(t.IdleExpiresAt, u.Now) {
				return fmt.Errorf("idle since %s: %w", t.IdleExpiresAt, store.ErrNotFound)
			}
			return advance(ctx, c, u, familyID, r.latest)
		}
		withinLeeway, err := afterRotation(ctx, c, u, familyID, t.Counter)
		if err != nil {
			return err
		}
		if withinLeeway && u.NextHash != nil {
			if expired(t.IdleExpiresAt, u.Now) {
				return fmt.Errorf("idle since %s: %w", t.IdleExpiresAt, store.ErrNotFound)
			}
			return advance(ctx, c, u, familyID, r.latest)
		}
		reuse = &store.ReuseError{FamilyID: familyID, LatestCounter: r.latest, TokenCounter: t.Counter}
		return revokeFamilies(ctx, c, u.Now, "family_id = ?", familyID)
	})
	switch {
	case err != nil:
		return store.RefreshToken{}, s.fail(err, "rotate refresh token")
	case reuse != nil:
		return store.RefreshToken{}, s.fail(reuse, "rotate refresh token")
	}
	return r.t, nil
}

// advance makes u.NextHash, when there is one, the family's current token (after latest), and moves
// the family's idle expiry.
func advance(ctx context.Context, c conn, u store.RefreshTokenUse, familyID string, latest int) error {
	if u.NextHash != nil {
		latest++
		if _, err := c.exec(ctx, "INSERT INTO refresh_tokens (token_hash, family_id, counter, created_at) VALUES (?, ?, ?, ?)",
			u.NextHash, familyID, latest, u.Now); err != nil {
			return err
		}
	}
	_, err := c.exec(ctx, "UPDATE refresh_token_families SET latest_counter = ?, idle_expires_at = ? WHERE family_id = ?",
		latest, nullTime(u.IdleExpiresAt), familyID)
	return err
}

// afterRotation reports whether the token counter of the family is the one just before the current
// one, and the current one was issued less than u.Leeway before u.Now.
func afterRotation(ctx context.Context, c conn, u store.RefreshTokenUse, familyID string, counter int) (bool, error) {
	if u.Leeway <= 0 {
		return false, nil
	}
	var rotated time.Time
	err := c.row(ctx, "SELECT created_at FROM refresh_tokens WHERE family_id = ? AND counter = ? AND counter = "+
		"(SELECT latest_counter FROM refresh_token_families WHERE family_id = ?)", familyID, counter+1, familyID).Scan(utc{&rotated})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && u.Now.Before(rotated.Add(u.Leeway)), err
}

// revokeFamilies revokes, at now, the live families where cond holds.
func revokeFamilies(ctx context.Context, c conn, now time.Time, cond string, args ...any) error {
	_, err := c.exec(ctx, "UPDATE refresh_token_families SET revoked_at = ? WHERE revoked_at IS NULL AND "+cond,
		append([]any{now}, args...)...)
	return err
}

// RevokeRefreshTokenFamily revokes a family.
func (s *Store) RevokeRefreshTokenFamily(ctx context.Context, familyID string, now time.Time) error {
	if !s.holds(familyID) {
		return nil
	}
	return s.fail(revokeFamilies(ctx, s.writer(), now, "family_id = ?", familyID), "revoke refresh token family %s", familyID)
}

// RevokeUserRefreshTokens revokes every family of a user.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	if !s.holds(userID) {
		return nil
	}
	return s.fail(revokeFamilies(ctx, s.writer(), now, "user_id = ?", userID), "revoke refresh tokens of user %s", userID)
}

// RevokeUserOrganizationRefreshTokens revokes the families of a user issued with an organization.
func (s *Store) RevokeUserOrganizationRefreshTokens(ctx context.Context, userID, orgID string, now time.Time) error {
	if !s.holds(userID, orgID) {
		return nil
	}
	err := revokeFamilies(ctx, s.writer(), now, "user_id = ? AND organization_id = ?", userID, orgID)
	return s.fail(err, "revoke refresh tokens of user %s in organization %s", userID, orgID)
}

// DeleteExpiredRefreshTokens deletes the families that no token of can be used any more since cutoff,
// and their tokens by cascade.
func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, cutoff time.Time) error {
	_, err := s.writer().exec(ctx, `DELETE FROM refresh_token_families WHERE revoked_at <= ? OR expires_at <= ?
		OR idle_expires_at <= ?`, cutoff, cutoff, cutoff)
	return s.fail(err, "delete expired refresh tokens")
}
