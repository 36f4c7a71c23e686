package tenant

import (
	"context"
	"testing"
)

// benchDirectory is a Directory over a real store holding one application whose grant is associated
// with one organization; every lookup of a token request has been made once, so the cache is warm.
func benchDirectory(b *testing.B) (*Directory, tokenRequest) {
	b.Helper()
	s := openService(b, openSQLite(b))
	r := newTokenRequest(b, s)
	r.lookups(b, s.Directory())
	return s.Directory(), r
}

func BenchmarkDirectory(b *testing.B) {
	d, r := benchDirectory(b)
	ctx := context.Background()
	b.Run("AuthenticateClient", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.AuthenticateClient(ctx, r.clientID, r.secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Every lookup of a token request, from all cores at once: what contention on the cache costs.
	b.Run("token request lookups/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r.lookups(b, d)
			}
		})
	})
}
