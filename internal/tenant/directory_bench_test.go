package tenant

import "testing"

func BenchmarkSnapshot(b *testing.B) {
	s := openService(b, openSQLite(b))
	r := newTokenRequest(b, s)
	d := s.Directory()
	b.Run("AuthenticateClient", func(b *testing.B) {
		snap := snapshot(b, s)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := snap.AuthenticateClient(r.clientID, r.secret); !ok {
				b.Fatal("refused")
			}
		}
	})
	// A token request's whole use of the tenant, from all cores at once: taking the snapshot,
	// authenticating, and every lookup of the decision.
	b.Run("token request/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				snap, err := d.Snapshot(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.decide(snap, r.orgID); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
