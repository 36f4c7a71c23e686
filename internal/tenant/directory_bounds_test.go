package tenant

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/orgauth/orgauth/internal/store"
)

// A key longer than anything the tenant accepts is not found without a store read or a cache entry.
func TestDirectoryRefusesOverlongKeysBeforeAnyLookup(t *testing.T) {
	ctx := t.Context()
	s, cs := newCountingService(t)
	d := s.Directory()
	r := newTokenRequest(t, s)
	long := func(n int) string { return strings.Repeat("a", n) }
	lookups := map[string]func() error{
		"client id of 65 characters": func() error {
			_, err := d.AuthenticateClient(ctx, long(MaxClientIDLength+1), "secret")
			return err
		},
		"client id of 500 KB": func() error {
			_, err := d.AuthenticateClient(ctx, long(500_000), "secret")
			return err
		},
		"client id of 65 two-byte characters": func() error {
			_, err := d.AuthenticateClient(ctx, strings.Repeat("é", MaxClientIDLength+1), "secret")
			return err
		},
		"audience of 601 characters": func() error {
			_, err := d.ResourceServerByIdentifier(ctx, long(maxIdentifierLength+1))
			return err
		},
		"grant for an audience of 601 characters": func() error {
			_, err := d.ClientGrantFor(ctx, r.clientID, long(maxIdentifierLength+1))
			return err
		},
		"grant for a client id of 65 characters": func() error {
			_, err := d.ClientGrantFor(ctx, long(MaxClientIDLength+1), r.audience)
			return err
		},
		"organization id of 65 characters": func() error {
			_, err := d.OrganizationByID(ctx, "org_"+long(maxIDLength-3))
			return err
		},
		"organization name of 51 characters": func() error {
			_, err := d.OrganizationByName(ctx, long(maxOrganizationNameLength+1))
			return err
		},
	}
	for name, lookup := range lookups {
		t.Run(name, func(t *testing.T) {
			reads, entries := cs.reads.Load(), d.entries
			if err := lookup(); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("got %v, want store.ErrNotFound", err)
			}
			if n := cs.reads.Load() - reads; n != 0 {
				t.Errorf("%d store reads", n)
			}
			if d.entries != entries {
				t.Errorf("%d entries cached", d.entries-entries)
			}
		})
	}
	t.Run("keys at the limits are looked up", func(t *testing.T) {
		reads := cs.reads.Load()
		if _, err := d.AuthenticateClient(ctx, strings.Repeat("é", MaxClientIDLength), "secret"); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := d.ResourceServerByIdentifier(ctx, long(maxIdentifierLength)); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := d.OrganizationByName(ctx, long(maxOrganizationNameLength)); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if n := cs.reads.Load() - reads; n != 3 {
			t.Errorf("%d store reads, want 3", n)
		}
	})
}

// A cached key is a copy: a short id cut from a large request body does not keep the body in memory.
func TestDirectoryKeysShareNoMemoryWithTheRequest(t *testing.T) {
	ctx := t.Context()
	s := newService(t)
	d := s.Directory()
	body := strings.Repeat("x", 1<<20)
	id, audience := body[:32], body[100:140]
	d.AuthenticateClient(ctx, id, "secret")
	d.ResourceServerByIdentifier(ctx, audience)
	d.ClientGrantFor(ctx, id, audience)
	d.OrganizationByID(ctx, "org_"+body[:16])
	inBody := func(k string) bool {
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(k))), uintptr(unsafe.Pointer(unsafe.StringData(body)))
		return p >= start && p < start+uintptr(len(body))
	}
	keys := map[string]string{}
	for k := range d.clients {
		keys["client "+k] = k
	}
	for k := range d.apis {
		keys["API "+k] = k
	}
	for k := range d.grants {
		keys["grant client "+k.clientID], keys["grant audience "+k.audience] = k.clientID, k.audience
	}
	if len(keys) != 4 {
		t.Fatalf("cached keys %v, want 4", keys)
	}
	for name, k := range keys {
		if inBody(k) {
			t.Errorf("the cached key of the %s points into the request body", name)
		}
	}
}

// Not-found results are bounded on their own, in number and in bytes: past either bound they alone are
// dropped, and what exists stays cached.
func TestDirectoryBoundsWhatWasNotFound(t *testing.T) {
	ctx := t.Context()
	for _, bound := range []string{"entries", "bytes"} {
		t.Run("past the bound in "+bound, func(t *testing.T) {
			s, cs := newCountingService(t)
			d := s.Directory()
			r := newTokenRequest(t, s)
			r.lookups(t, d)
			found := d.entries
			unknown := func(i int) string { return fmt.Sprintf("%032d", i) }
			d.AuthenticateClient(ctx, unknown(0), "secret")
			perEntry := d.missingBytes
			if perEntry <= 32 {
				t.Fatalf("one unknown client id costs %d bytes by the estimate, want more than its 32", perEntry)
			}
			if bound == "entries" {
				d.maxMissing = 10
			} else {
				d.maxMissingBytes = 10 * perEntry
			}
			for i := 1; i < 1000; i++ {
				d.AuthenticateClient(ctx, unknown(i), "secret")
				if d.missing > 10 || d.missingBytes > 10*perEntry {
					t.Fatalf("after %d unknown ids: %d not-found results of %d bytes", i+1, d.missing, d.missingBytes)
				}
				if d.entries != found+d.missing {
					t.Fatalf("after %d unknown ids: %d entries, want %d found + %d not found", i+1, d.entries, found, d.missing)
				}
			}
			reads := cs.reads.Load()
			r.lookups(t, d)
			if n := cs.reads.Load() - reads; n != 0 {
				t.Errorf("the flood of unknown ids dropped what exists: %d store reads", n)
			}
		})
	}
	t.Run("forgetting a not-found result gives back its share", func(t *testing.T) {
		s := newService(t)
		d := s.Directory()
		d.OrganizationByID(ctx, "org_0000000000000000")
		d.OrganizationByName(ctx, "acme")
		if d.missing != 2 || d.missingBytes == 0 {
			t.Fatalf("%d not-found results of %d bytes, want 2", d.missing, d.missingBytes)
		}
		d.forgetOrganization("org_0000000000000000", "acme")
		if d.missing != 0 || d.missingBytes != 0 || d.entries != 0 {
			t.Errorf("after forgetting both: %d entries, %d not found, %d bytes", d.entries, d.missing, d.missingBytes)
		}
	})
}
