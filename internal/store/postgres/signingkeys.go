package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orgauth/orgauth/internal/store"
)

func insertSigningKey(ctx context.Context, q querier, k store.SigningKey) error {
	_, err := q.Exec(ctx, `INSERT INTO signing_keys (kid, alg, private_key, state, created_at, retired_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		k.KID, k.Alg, k.PrivateKey, k.State, k.CreatedAt, nullTime(k.RetiredAt))
	return err
}

// ListSigningKeys lists every signing key in creation order.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := listSigningKeys(ctx, s.pool, "")
	if err != nil {
		return nil, fmt.Errorf("postgres: list signing keys: %w", classify(err))
	}
	return keys, nil
}

// listSigningKeys lists every signing key in creation order; suffix ends the query (e.g. FOR UPDATE).
func listSigningKeys(ctx context.Context, q querier, suffix string) ([]store.SigningKey, error) {
	rows, err := q.Query(ctx, `SELECT kid, alg, private_key, state, created_at, retired_at
		FROM signing_keys ORDER BY seq `+suffix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []store.SigningKey
	for rows.Next() {
		var (
			k       store.SigningKey
			retired *time.Time
		)
		if err := rows.Scan(&k.KID, &k.Alg, &k.PrivateKey, &k.State, &k.CreatedAt, &retired); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RetiredAt = utc(k.CreatedAt), fromNullTime(retired)
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// InsertSigningKey stores k; ErrConflict when its kid is taken, or when k is current or next and its
// algorithm already has a key in that state.
func (s *Store) InsertSigningKey(ctx context.Context, k store.SigningKey) error {
	if err := s.write(ctx, func(tx pgx.Tx) error { return insertSigningKey(ctx, tx, k) }); err != nil {
		return fmt.Errorf("postgres: insert signing key %s: %w", k.KID, classify(err))
	}
	return nil
}

// RotateSigningKeys, for alg: current -> previous retired at now, next -> current, newNext inserted as
// next. newNext must be of alg; its State is ignored. ErrNotFound when alg has no next key. Rotations
// take the schema's rotation lock first, so that concurrent ones, in any instance, run one after the
// other, each on the keys the one before left.
func (s *Store) RotateSigningKeys(ctx context.Context, alg string, newNext store.SigningKey, now time.Time) error {
	if newNext.Alg != alg {
		return fmt.Errorf("postgres: rotate %s signing keys: new key %s is for %s", alg, newNext.KID, newNext.Alg)
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, lockRotateKeys); err != nil {
			return err
		}
		var nextSeq int64
		if err := tx.QueryRow(ctx, "SELECT seq FROM signing_keys WHERE alg = $1 AND state = $2",
			alg, store.KeyNext).Scan(&nextSeq); err != nil {
			return fmt.Errorf("next key: %w", classify(err))
		}
		// In this order, no statement ever finds two current or two next keys for alg.
		if _, err := tx.Exec(ctx, "UPDATE signing_keys SET state = $1, retired_at = $2 WHERE alg = $3 AND state = $4",
			store.KeyPrevious, now, alg, store.KeyCurrent); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE signing_keys SET state = $1 WHERE seq = $2", store.KeyCurrent, nextSeq); err != nil {
			return err
		}
		newNext.State = store.KeyNext
		newNext.RetiredAt = time.Time{}
		return insertSigningKey(ctx, tx, newNext)
	})
	if err != nil {
		return fmt.Errorf("postgres: rotate %s signing keys: %w", alg, classify(err))
	}
	return nil
}

// DeletePreviousSigningKeys deletes the previous keys retired before retiredBefore.
func (s *Store) DeletePreviousSigningKeys(ctx context.Context, retiredBefore time.Time) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM signing_keys WHERE state = $1 AND retired_at < $2", store.KeyPrevious, retiredBefore)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: delete previous signing keys: %w", classify(err))
	}
	return nil
}

// TrimPreviousSigningKeys keeps, for each algorithm, the keep most recently retired previous keys (the
// later inserted first among those retired at the same time) and deletes the others.
func (s *Store) TrimPreviousSigningKeys(ctx context.Context, keep int) error {
	if keep < 0 {
		return fmt.Errorf("postgres: trim previous signing keys: negative count %d", keep)
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM signing_keys WHERE seq IN (
			SELECT seq FROM (
				SELECT seq, ROW_NUMBER() OVER (PARTITION BY alg ORDER BY retired_at DESC, seq DESC) AS rank
				FROM signing_keys WHERE state = $1) AS ranked
			WHERE rank > $2)`, store.KeyPrevious, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: trim previous signing keys: %w", classify(err))
	}
	return nil
}

// ResealSigningKeys runs reseal on every signing key in one transaction and stores what it returns
// (nil: unchanged). An error from reseal rolls everything back. It takes the rotation lock, so that no
// rotation inserts a key meanwhile.
func (s *Store) ResealSigningKeys(ctx context.Context, reseal func(store.SigningKey) ([]byte, error)) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, lockRotateKeys); err != nil {
			return err
		}
		keys, err := listSigningKeys(ctx, tx, "FOR UPDATE")
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
			if _, err := tx.Exec(ctx, "UPDATE signing_keys SET private_key = $1 WHERE kid = $2", sealed, k.KID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: reseal signing keys: %w", classify(err))
	}
	return nil
}
