package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func insertSigningKey(ctx context.Context, c conn, k store.SigningKey) error {
	_, err := c.exec(ctx, `INSERT INTO signing_keys (kid, alg, private_key, state, created_at, retired_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		k.KID, k.Alg, k.PrivateKey, k.State, k.CreatedAt, nullTime(k.RetiredAt))
	return err
}

// ListSigningKeys lists every signing key in creation order.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := listSigningKeys(ctx, s.reader(), false)
	return keys, s.fail(err, "list signing keys")
}

// listSigningKeys lists every signing key in creation order; lock locks their rows.
func listSigningKeys(ctx context.Context, c conn, lock bool) ([]store.SigningKey, error) {
	rows, err := c.query(ctx, `SELECT kid, alg, private_key, state, created_at, retired_at
		FROM signing_keys ORDER BY seq`+c.forUpdate(lock))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []store.SigningKey
	for rows.Next() {
		var k store.SigningKey
		if err := rows.Scan(&k.KID, &k.Alg, &k.PrivateKey, &k.State, utc{&k.CreatedAt}, utc{&k.RetiredAt}); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// InsertSigningKey stores k; ErrConflict when its kid is taken, or when k is current or next and its
// algorithm already has a key in that state.
func (s *Store) InsertSigningKey(ctx context.Context, k store.SigningKey) error {
	err := s.write(ctx, func(c conn) error { return insertSigningKey(ctx, c, k) })
	return s.fail(err, "insert signing key %s", k.KID)
}

// RotateSigningKeys, for alg: current -> previous retired at now, next -> current, newNext inserted as
// next. newNext must be of alg; its State is ignored. ErrNotFound when alg has no next key. Rotations
// take the rotation lock first, so that concurrent ones, in any instance, run one after the other, each
// on the keys the one before left.
func (s *Store) RotateSigningKeys(ctx context.Context, alg string, newNext store.SigningKey, now time.Time) error {
	if newNext.Alg != alg {
		return fmt.Errorf("%s: rotate %s signing keys: new key %s is for %s", s.d.name, alg, newNext.KID, newNext.Alg)
	}
	err := s.write(ctx, func(c conn) error {
		if err := lock(ctx, c, lockRotateKeys); err != nil {
			return err
		}
		var nextSeq int64
		if err := c.row(ctx, "SELECT seq FROM signing_keys WHERE alg = ? AND state = ?", alg, store.KeyNext).Scan(&nextSeq); err != nil {
			return fmt.Errorf("next key: %w", err)
		}
		// In this order, no statement ever finds two current or two next keys for alg.
		if _, err := c.exec(ctx, "UPDATE signing_keys SET state = ?, retired_at = ? WHERE alg = ? AND state = ?",
			store.KeyPrevious, now, alg, store.KeyCurrent); err != nil {
			return err
		}
		if _, err := c.exec(ctx, "UPDATE signing_keys SET state = ? WHERE seq = ?", store.KeyCurrent, nextSeq); err != nil {
			return err
		}
		newNext.State = store.KeyNext
		newNext.RetiredAt = time.Time{}
		return insertSigningKey(ctx, c, newNext)
	})
	return s.fail(err, "rotate %s signing keys", alg)
}

// DeletePreviousSigningKeys deletes the previous keys retired before retiredBefore.
func (s *Store) DeletePreviousSigningKeys(ctx context.Context, retiredBefore time.Time) error {
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, "DELETE FROM signing_keys WHERE state = ? AND retired_at < ?", store.KeyPrevious, retiredBefore)
		return err
	})
	return s.fail(err, "delete previous signing keys")
}

// TrimPreviousSigningKeys keeps, for each algorithm, the keep most recently retired previous keys (the
// later inserted first among those retired at the same time) and deletes the others.
func (s *Store) TrimPreviousSigningKeys(ctx context.Context, keep int) error {
	if keep < 0 {
		return fmt.Errorf("%s: trim previous signing keys: negative count %d", s.d.name, keep)
	}
	err := s.write(ctx, func(c conn) error {
		_, err := c.exec(ctx, `DELETE FROM signing_keys WHERE seq IN (
			SELECT seq FROM (
				SELECT seq, ROW_NUMBER() OVER (PARTITION BY alg ORDER BY retired_at DESC, seq DESC) AS rank
				FROM signing_keys WHERE state = ?) AS ranked
			WHERE rank > ?)`, store.KeyPrevious, keep)
		return err
	})
	return s.fail(err, "trim previous signing keys")
}

// ResealSigningKeys runs reseal on every signing key in one transaction and stores what it returns
// (nil: unchanged). An error from reseal rolls everything back. It takes the rotation lock, so that no
// rotation inserts a key meanwhile.
func (s *Store) ResealSigningKeys(ctx context.Context, reseal func(store.SigningKey) ([]byte, error)) error {
	err := s.write(ctx, func(c conn) error {
		if err := lock(ctx, c, lockRotateKeys); err != nil {
			return err
		}
		keys, err := listSigningKeys(ctx, c, true)
		if err != nil {
			return err
		}
		for _, k := range keys {
			sealed, err := reseal(k)
			if err != nil {
				return err
			}
			if sealed == nil {
				continue
			}
			if _, err := c.exec(ctx, "UPDATE signing_keys SET private_key = ? WHERE kid = ?", sealed, k.KID); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(err, "reseal signing keys")
}
