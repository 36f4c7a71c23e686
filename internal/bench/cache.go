package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/config"
	"github.com/orgauth/orgauth/internal/kek"
	"github.com/orgauth/orgauth/internal/server"
)

// seeded is a store ready for the load: where it is and what it holds.
type seeded struct {
	db       string // what the server's --db gets
	kekFile  string // what the server's --key-encryption-key-file gets
	manifest *manifest
	seedTime time.Duration // 0 when a cached store was reused
}

// prepareStore returns a seeded store for the scale: the cached one when an earlier run seeded it and
// it still holds what it did, else a freshly seeded one. db is "sqlite" (a file in cacheDir) or a
// PostgreSQL URL naming an empty database that the bench may fill.
func prepareStore(ctx context.Context, db, cacheDir string, sc Scale, reseed bool, workers int, log io.Writer) (seeded, error) {
	key := fmt.Sprintf("o%d-a%d-p%d-f%d", sc.Orgs, sc.Apps, sc.AppsPerOrg, seedFormat)
	postgres := (config.Config{DB: db}).IsPostgres()
	var manifestPath string
	if postgres {
		sum := sha256.Sum256([]byte(db))
		manifestPath = filepath.Join(cacheDir, "postgres-"+hex.EncodeToString(sum[:6])+"-"+key+".json")
	} else {
		db = filepath.Join(cacheDir, "sqlite-"+key+".db")
		manifestPath = strings.TrimSuffix(db, ".db") + ".json"
	}
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return seeded{}, fmt.Errorf("cache directory: %w", err)
	}
	// One key-encryption key for every store the bench seeds, kept beside them for the server.
	kekFile := filepath.Join(cacheDir, "bench.kek")
	benchKEK, err := kek.Load(kekFile)
	if errors.Is(err, fs.ErrNotExist) {
		benchKEK, err = kek.Create(kekFile)
	}
	if err != nil {
		return seeded{}, err
	}
	if !reseed {
		m, err := reuse(ctx, db, manifestPath)
		if err == nil {
			fmt.Fprintf(log, "reusing the seeded store (%s)\n", manifestPath)
			return seeded{db: db, kekFile: kekFile, manifest: m}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			if postgres {
				return seeded{}, fmt.Errorf("the database no longer holds what the bench seeded (%v): give it an empty database", err)
			}
			fmt.Fprintf(log, "seeding again: the cached store is unusable: %v\n", err)
		}
	}
	os.Remove(manifestPath)
	if !postgres {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(db + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return seeded{}, fmt.Errorf("remove the old seeded store: %w", err)
			}
		}
	}
	fmt.Fprintf(log, "seeding %d organizations, %d applications, %d associations\n", sc.Orgs, sc.Apps, sc.Associations())
	start := time.Now()
	st, err := server.OpenStore(ctx, db)
	if err != nil {
		return seeded{}, err
	}
	m, err := seed(ctx, st, benchKEK, sc, workers, log)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close the seeded store: %w", cerr)
	}
	if err != nil {
		return seeded{}, err
	}
	took := time.Since(start)
	if err := saveManifest(manifestPath, m); err != nil {
		return seeded{}, err
	}
	fmt.Fprintf(log, "seeded in %s\n", took.Round(time.Millisecond))
	return seeded{db: db, kekFile: kekFile, manifest: m, seedTime: took}, nil
}

// reuse loads the manifest at path and checks the store against it; fs.ErrNotExist when there is none.
func reuse(ctx context.Context, db, path string) (*manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	st, err := server.OpenStore(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := m.verify(ctx, st); err != nil {
		return nil, err
	}
	return &m, nil
}

// saveManifest writes m atomically: a manifest exists only for a store whose seeding completed. It
// holds client secrets, so only its owner may read it.
func saveManifest(path string, m *manifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}
