package policy

import "testing"

// BenchmarkDecide decides the token endpoint's common case: a grant that requires an organization,
// asked for by id, associated.
func BenchmarkDecide(b *testing.B) {
	ten := tenantWith(&Grant{ID: grantID, Usage: UsageRequire, Scopes: []string{"read:data", "write:data"}}, true)
	r := Request{Client: m2m, Audience: audience, Organization: acme.ID, Now: now}
	b.ReportAllocs()
	for b.Loop() {
		if tok, err := Decide(ten, r); err != nil || tok.OrganizationID() != acme.ID {
			b.Fatalf("decision %+v, %v", tok, err)
		}
	}
}
