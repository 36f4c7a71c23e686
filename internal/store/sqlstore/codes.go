package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

const codeCols = `code_hash, client_id, redirect_uri, code_challenge, code_challenge_method, user_id, session_hash,
	organization_id, audience, scopes, nonce, auth_time, created_at, expires_at, used_at, family_id`

func scanCode(sc scanner) (store.AuthorizationCode, error) {
	var (
		ac                      store.AuthorizationCode
		orgID, scopes, familyID *string
	)
	if err := sc.Scan(&ac.CodeHash, &ac.ClientID, &ac.RedirectURI, &ac.CodeChallenge, &ac.CodeChallengeMethod,
		&ac.UserID, &ac.SessionIDHash, &orgID, &ac.Audience, &scopes, &ac.Nonce, utc{&ac.AuthTime}, utc{&ac.CreatedAt},
		utc{&ac.ExpiresAt}, utc{&ac.UsedAt}, &familyID); err != nil {
		return ac, err
	}
	ac.SessionIDHash = fromNullBytes(ac.SessionIDHash)
	ac.OrganizationID, ac.FamilyID = fromNullString(orgID), fromNullString(familyID)
	var err error
	if ac.Scopes, err = decodeStrings(scopes); err != nil {
		return ac, fmt.Errorf("decode scopes: %w", err)
	}
	return ac, nil
}

// nullString is the column value of an optional reference: NULL when empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// fromNullString reads a column that nullString wrote.
func fromNullString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateAuthorizationCode stores a code; ErrNotFound when its client, user or organization does not
// exist, ErrConflict when its hash is taken.
func (s *Store) CreateAuthorizationCode(ctx context.Context, ac store.AuthorizationCode) error {
	scopes, err := encodeStrings(ac.Scopes)
	if err == nil {
		_, err = s.writer().exec(ctx, "INSERT INTO authorization_codes ("+codeCols+") VALUES ("+placeholders(16)+")",
			ac.CodeHash, ac.ClientID, ac.RedirectURI, ac.CodeChallenge, ac.CodeChallengeMethod, ac.UserID,
			nullBytes(ac.SessionIDHash), nullString(ac.OrganizationID), ac.Audience, scopes, ac.Nonce, ac.AuthTime,
			ac.CreatedAt, ac.ExpiresAt, nil, nil)
	}
	return s.fail(err, "create authorization code for client %s", ac.ClientID)
}

// RedeemAuthorizationCode redeems a code in a quiet transaction that locks its row first, so that of
// concurrent redemptions, in any instance, the first marks it used and the others see it used.
//
// A reuse revokes the family the first redemption recorded, in the same transaction: it marks the
// family's row revoked, inserting it (from the code) when no refresh token started it yet, so that the
// first redeemer's CreateRefreshToken, which inserts that row, fails instead of starting a live family.
func (s *Store) RedeemAuthorizationCode(ctx context.Context, codeHash []byte, now time.Time, familyID string) (store.AuthorizationCode, error) {
	var ac store.AuthorizationCode
	reused := false
	err := s.quiet(ctx, func(c conn) (err error) {
		ac, err = scanCode(c.row(ctx, "SELECT "+codeCols+" FROM authorization_codes WHERE code_hash = ?"+c.forUpdate(true), codeHash))
		switch {
		case err != nil:
			return err
		case !ac.UsedAt.IsZero():
			reused = true
			if ac.FamilyID == "" {
				return nil
			}
			scopes, err := encodeStrings(ac.Scopes)
			if err != nil {
				return err
			}
			_, err = c.exec(ctx, `INSERT INTO refresh_token_families (family_id, client_id, user_id, organization_id,
				audience, scopes, session_hash, expires_at, idle_expires_at, latest_counter, revoked_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (family_id) DO UPDATE SET revoked_at = COALESCE(refresh_token_families.revoked_at, excluded.revoked_at)`,
				ac.FamilyID, ac.ClientID, ac.UserID, nullString(ac.OrganizationID), ac.Audience, scopes,
				nullBytes(ac.SessionIDHash), now, now, 0, now)
			return err
		case !now.Before(ac.ExpiresAt):
			return fmt.Errorf("expired at %s: %w", ac.ExpiresAt, store.ErrNotFound)
		}
		ac.UsedAt, ac.FamilyID = now.UTC(), familyID
		_, err = c.exec(ctx, "UPDATE authorization_codes SET used_at = ?, family_id = ? WHERE code_hash = ?",
			now, nullString(familyID), codeHash)
		return err
	})
	switch {
	case err != nil:
		return store.AuthorizationCode{}, s.fail(err, "redeem authorization code")
	case reused:
		return ac, s.fail(fmt.Errorf("used at %s, family %q revoked: %w", ac.UsedAt, ac.FamilyID, store.ErrReused),
			"redeem authorization code")
	}
	return ac, nil
}

// DeleteExpiredAuthorizationCodes deletes the codes expired by cutoff, used or not.
func (s *Store) DeleteExpiredAuthorizationCodes(ctx context.Context, cutoff time.Time) error {
	_, err := s.writer().exec(ctx, "DELETE FROM authorization_codes WHERE expires_at <= ?", cutoff)
	return s.fail(err, "delete expired authorization codes")
}
