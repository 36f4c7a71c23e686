package bench

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

func TestPrepareStoreReusesTheSeededStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sc := Scale{Orgs: 3, Apps: 2, AppsPerOrg: 1}
	first, err := prepareStore(ctx, "sqlite", dir, sc, false, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if first.seedTime == 0 || len(first.manifest.Orgs) != 3 || len(first.manifest.Apps) != 2 {
		t.Fatalf("first: seed time %s, manifest %+v", first.seedTime, first.manifest)
	}
	if filepath.Dir(first.db) != dir {
		t.Errorf("store %s is not in the cache directory %s", first.db, dir)
	}

	again, err := prepareStore(ctx, "sqlite", dir, sc, false, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if again.seedTime != 0 || again.db != first.db || again.manifest.Orgs[2] != first.manifest.Orgs[2] {
		t.Errorf("second call seeded again: seed time %s, orgs %v, want %v", again.seedTime, again.manifest.Orgs, first.manifest.Orgs)
	}

	other, err := prepareStore(ctx, "sqlite", dir, Scale{Orgs: 4, Apps: 2, AppsPerOrg: 1}, false, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if other.seedTime == 0 || other.db == first.db {
		t.Errorf("another scale reused %s", other.db)
	}

	reseeded, err := prepareStore(ctx, "sqlite", dir, sc, true, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if reseeded.seedTime == 0 || reseeded.manifest.Orgs[0] == first.manifest.Orgs[0] {
		t.Error("reseed reused the store")
	}
}
