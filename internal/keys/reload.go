package keys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Reload re-reads the keys from the store, deletes previous keys retired more than the retention period
// ago and those beyond MaxPrevious per algorithm, creates any missing current or next key, and publishes the result. On error the keys in use stay
// as they were. When nothing changed it costs one store read.
func (m *Manager) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reload(ctx)
}

// Rotate retires every algorithm's current key, promotes its next key (published since the previous
// rotation, so verifiers already have it) and adds a fresh next key. It then reloads.
func (m *Manager) Rotate(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UTC()
	var errs []error
	for _, alg := range Algorithms() {
		next, err := m.generateKey(alg, store.KeyNext, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := m.store.RotateSigningKeys(ctx, alg, next, now); err != nil {
			errs = append(errs, fmt.Errorf("rotate %s signing keys: %w", alg, err))
			continue
		}
		m.log.LogAttrs(ctx, slog.LevelInfo, "rotated signing keys", slog.String("alg", alg), slog.String("next_kid", next.KID))
	}
	// Reload even after a failure, so the snapshot shows the algorithms that did rotate.
	if err := m.reload(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// reload does Reload's work; m.mu must be held.
func (m *Manager) reload(ctx context.Context) error {
	stored, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	if stored, err = m.reseal(ctx, stored); err != nil {
		return err
	}
	if stored, err = m.prune(ctx, stored); err != nil {
		return err
	}
	if added, err := m.addMissing(ctx, stored); err != nil {
		return err
	} else if added {
		if stored, err = m.store.ListSigningKeys(ctx); err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
	}
	s, err := buildSnapshot(stored, m.snap.Load(), m.unseal)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	m.snap.Store(s)
	return nil
}

// prune deletes the previous keys retired before the retention period, then, for each algorithm, those
// beyond the MaxPrevious most recently retired, and returns the remaining ones. It writes to the store only
// when there is something to delete.
func (m *Manager) prune(ctx context.Context, stored []store.SigningKey) ([]store.SigningKey, error) {
	cutoff := m.now().UTC().Add(-m.retain)
	expired := func(sk store.SigningKey) bool {
		return sk.State == store.KeyPrevious && sk.RetiredAt.Before(cutoff)
	}
	if slices.ContainsFunc(stored, expired) {
		if err := m.store.DeletePreviousSigningKeys(ctx, cutoff); err != nil {
			return nil, fmt.Errorf("delete signing keys retired before %s: %w", cutoff.Format(time.RFC3339), err)
		}
		kept := slices.DeleteFunc(slices.Clone(stored), expired)
		m.log.LogAttrs(ctx, slog.LevelInfo, "deleted retired signing keys", slog.Int("count", len(stored)-len(kept)))
		stored = kept
	}
	if !tooManyPrevious(stored) {
		return stored, nil
	}
	// The keys trimmed were retired within the retention period: tokens they signed may still be alive.
	if err := m.store.TrimPreviousSigningKeys(ctx, MaxPrevious); err != nil {
		return nil, fmt.Errorf("delete previous signing keys beyond %d per algorithm: %w", MaxPrevious, err)
	}
	kept, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "deleted previous signing keys before their tokens expired: keys were rotated more often than the retention period allows",
		slog.Int("count", len(stored)-len(kept)), slog.Int("max_previous", MaxPrevious), slog.Duration("retention", m.retain))
	return kept, nil
}

// tooManyPrevious reports whether an algorithm has more than MaxPrevious previous keys.
func tooManyPrevious(stored []store.SigningKey) bool {
	count := map[string]int{}
	for _, sk := range stored {
		if sk.State == store.KeyPrevious {
			count[sk.Alg]++
			if count[sk.Alg] > MaxPrevious {
				return true
			}
		}
	}
	return false
}

// addMissing inserts a current and a next key for every algorithm that lacks one. Losing an insert race
// to another instance is fine: the caller re-reads the store and uses the winner's key.
func (m *Manager) addMissing(ctx context.Context, stored []store.SigningKey) (added bool, err error) {
	now := m.now().UTC()
	for _, alg := range Algorithms() {
		for _, state := range []string{store.KeyCurrent, store.KeyNext} {
			if slices.ContainsFunc(stored, func(sk store.SigningKey) bool { return sk.Alg == alg && sk.State == state }) {
				continue
			}
			k, err := m.generateKey(alg, state, now)
			if err != nil {
				return added, err
			}
			added = true
			err = m.store.InsertSigningKey(ctx, k)
			switch {
			case errors.Is(err, store.ErrConflict):
				m.log.LogAttrs(ctx, slog.LevelDebug, "another instance created the signing key first",
					slog.String("alg", alg), slog.String("state", state))
			case err != nil:
				return added, fmt.Errorf("insert %s %s signing key: %w", state, alg, err)
			default:
				m.log.LogAttrs(ctx, slog.LevelInfo, "created signing key",
					slog.String("alg", alg), slog.String("state", state), slog.String("kid", k.KID))
			}
		}
	}
	return added, nil
}
