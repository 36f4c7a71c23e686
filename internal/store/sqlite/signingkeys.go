package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

func insertSigningKey(ctx context.Context, q querier, k store.SigningKey) error {
	_, err := q.ExecContext(ctx, `INSERT INTO signing_keys (kid, alg, private_key, state, created_at, retired_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		k.KID, k.Alg, k.PrivateKey, k.State, toMicros(k.CreatedAt), nullMicros(k.RetiredAt))
	return classify(err)
}

// ListSigningKeys lists every signing key in creation order.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := listSigningKeys(ctx, s.r)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list signing keys: %w", err)
	}
	return keys, nil
}

func listSigningKeys(ctx context.Context, q querier) ([]store.SigningKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT kid, alg, private_key, state, created_at, retired_at
		FROM signing_keys ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []store.SigningKey
	for rows.Next() {
		var (
			k       store.SigningKey
			created int64
			retired sql.Null[int64]
		)
		if err := rows.Scan(&k.KID, &k.Alg, &k.PrivateKey, &k.State, &created, &retired); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RetiredAt = fromMicros(created), fromNullMicros(retired)
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// InsertSigningKey stores k; ErrConflict when its kid is taken, or when k is current or next and its
// algorithm already has a key in that state.
func (s *Store) InsertSigningKey(ctx context.Context, k store.SigningKey) error {
	if err := s.write(ctx, func(tx *sql.Tx) error { return insertSigningKey(ctx, tx, k) }); err != nil {
		return fmt.Errorf("sqlite: insert signing key %s: %w", k.KID, err)
	}
	return nil
}

// RotateSigningKeys, for alg: current -> previous retired at now, next -> current, newNext inserted as
// next. newNext must be of alg; its State is ignored. ErrNotFound when alg has no next key.
func (s *Store) RotateSigningKeys(ctx context.Context, alg string, newNext store.SigningKey, now time.Time) error {
	if newNext.Alg != alg {
		return fmt.Errorf("sqlite: rotate %s signing keys: new key %s is for %s", alg, newNext.KID, newNext.Alg)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var nextSeq int64
		if err := tx.QueryRowContext(ctx, "SELECT seq FROM signing_keys WHERE alg = ? AND state = ?",
			alg, store.KeyNext).Scan(&nextSeq); err != nil {
			return fmt.Errorf("next key: %w", classify(err))
		}
		// In this order, no statement ever finds two current or two next keys for alg.
		if _, err := tx.ExecContext(ctx, "UPDATE signing_keys SET state = ?, retired_at = ? WHERE alg = ? AND state = ?",
			store.KeyPrevious, toMicros(now), alg, store.KeyCurrent); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE signing_keys SET state = ? WHERE seq = ?",
			store.KeyCurrent, nextSeq); err != nil {
			return err
		}
		newNext.State = store.KeyNext
		newNext.RetiredAt = time.Time{}
		return insertSigningKey(ctx, tx, newNext)
	})
	if err != nil {
		return fmt.Errorf("sqlite: rotate %s signing keys: %w", alg, err)
	}
	return nil
}

// DeletePreviousSigningKeys deletes the previous keys retired before retiredBefore.
func (s *Store) DeletePreviousSigningKeys(ctx context.Context, retiredBefore time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM signing_keys WHERE state = ? AND retired_at < ?",
			store.KeyPrevious, toMicros(retiredBefore))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete previous signing keys: %w", err)
	}
	return nil
}

// TrimPreviousSigningKeys keeps, for each algorithm, the keep most recently retired previous keys (the
// later inserted first among those retired at the same time) and deletes the others.
func (s *Store) TrimPreviousSigningKeys(ctx context.Context, keep int) error {
	if keep < 0 {
		return fmt.Errorf("sqlite: trim previous signing keys: negative count %d", keep)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE seq IN (
			SELECT seq FROM (
				SELECT seq, ROW_NUMBER() OVER (PARTITION BY alg ORDER BY retired_at DESC, seq DESC) AS rank
				FROM signing_keys WHERE state = ?)
			WHERE rank > ?)`, store.KeyPrevious, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: trim previous signing keys: %w", err)
	}
	return nil
}

// ResealSigningKeys runs reseal on every signing key in one transaction and stores what it returns
// (nil: unchanged). An error from reseal rolls everything back.
func (s *Store) ResealSigningKeys(ctx context.Context, reseal func(store.SigningKey) ([]byte, error)) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		keys, err := listSigningKeys(ctx, tx)
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
			if _, err := tx.ExecContext(ctx, "UPDATE signing_keys SET private_key = ? WHERE kid = ?", sealed, k.KID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: reseal signing keys: %w", err)
	}
	return nil
}
