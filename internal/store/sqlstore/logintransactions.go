package sqlstore

import (
	"context"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Login transactions are written by single statements without bumping the tenant version, as login
// sessions are.

// CreateLoginTransaction stores a login transaction; ErrConflict when its hash is taken.
func (s *Store) CreateLoginTransaction(ctx context.Context, t store.LoginTransaction) error {
	_, err := s.writer().exec(ctx, `INSERT INTO login_transactions (id_hash, browser_hash, data, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, t.IDHash, t.BrowserHash, t.Data, t.CreatedAt, t.ExpiresAt)
	return s.fail(err, "create login transaction")
}

// GetLoginTransaction finds the live transaction with the hash.
func (s *Store) GetLoginTransaction(ctx context.Context, idHash []byte, now time.Time) (store.LoginTransaction, error) {
	var t store.LoginTransaction
	err := s.reader().row(ctx, `SELECT id_hash, browser_hash, data, created_at, expires_at FROM login_transactions
		WHERE id_hash = ? AND expires_at > ?`, idHash, now).
		Scan(&t.IDHash, &t.BrowserHash, &t.Data, utc{&t.CreatedAt}, utc{&t.ExpiresAt})
	return t, s.fail(err, "get login transaction")
}

// UpdateLoginTransaction replaces the data of the live transaction with the hash.
func (s *Store) UpdateLoginTransaction(ctx context.Context, idHash, data []byte, now time.Time) error {
	err := mustAffect(s.writer().exec(ctx, "UPDATE login_transactions SET data = ? WHERE id_hash = ? AND expires_at > ?",
		data, idHash, now))
	return s.fail(err, "update login transaction")
}

// DeleteLoginTransaction deletes the transaction with the hash, if there is one.
func (s *Store) DeleteLoginTransaction(ctx context.Context, idHash []byte) error {
	_, err := s.writer().exec(ctx, "DELETE FROM login_transactions WHERE id_hash = ?", idHash)
	return s.fail(err, "delete login transaction")
}

// DeleteExpiredLoginTransactions deletes the transactions that expired before now.
func (s *Store) DeleteExpiredLoginTransactions(ctx context.Context, now time.Time) error {
	_, err := s.writer().exec(ctx, "DELETE FROM login_transactions WHERE expires_at <= ?", now)
	return s.fail(err, "delete expired login transactions")
}
