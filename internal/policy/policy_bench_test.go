package policy

import "testing"

// BenchmarkDecide decides the token endpoint's common case: a grant that requires an organization,
// asked for by id, associated.
func BenchmarkDecide(b *testing.B) {
	r := Request{
		Audience:                 "https://api.example.com/",
		ClientCredentialsAllowed: true,
		APIExists:                true,
		Grant:                    &Grant{Usage: UsageRequire, Scopes: []string{"read:data", "write:data"}},
		Organization:             &Organization{Value: orgAcme.ID, Found: true, ID: orgAcme.ID, Name: orgAcme.Name, Associated: true},
	}
	b.ReportAllocs()
	for b.Loop() {
		if d, err := Decide(r); err != nil || d.OrganizationID != orgAcme.ID {
			b.Fatalf("decision %+v, %v", d, err)
		}
	}
}
