package storetest

import (
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func testSearchOrganizations(t *testing.T, open opener) {
	names := func(l store.List[store.Organization]) []string {
		var out []string
		for _, o := range l.Items {
			out = append(out, o.Name)
		}
		return out
	}
	f := open(t)
	for _, name := range []string{"acme", "acme-travel", "acme_labs", "acmex", "globex", "9lives", "a%b", "ac"} {
		o := f.newOrganization()
		o.Name = name
		must(t, f.s.CreateOrganization(f.ctx, o))
	}
	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"a prefix matches in creation order", "acme", []string{"acme", "acme-travel", "acme_labs", "acmex"}},
		{"an underscore is no wildcard", "acme_", []string{"acme_labs"}},
		{"a percent sign is no wildcard", "a%", []string{"a%b"}},
		{"a whole name matches itself", "globex", []string{"globex"}},
		{"digits work", "9", []string{"9lives"}},
		{"no match is an empty page", "zzz", nil},
		{"invalid UTF-8 matches nothing", "a\xff", nil},
		{"the empty prefix matches all", "", []string{"acme", "acme-travel", "acme_labs", "acmex", "globex", "9lives", "a%b", "ac"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := f.s.SearchOrganizations(f.ctx, tt.prefix, store.Page{})
			must(t, err)
			equal(t, "names", names(l), tt.want)
		})
	}
	t.Run("checkpoint paging walks the matches", func(t *testing.T) {
		var got []string
		p := store.Page{Checkpoint: true, Limit: 3}
		for {
			l, err := f.s.SearchOrganizations(f.ctx, "a", p)
			must(t, err)
			got = append(got, names(l)...)
			if l.Next == "" {
				break
			}
			p.From = l.Next
		}
		equal(t, "names", got, []string{"acme", "acme-travel", "acme_labs", "acmex", "a%b", "ac"})
	})
}
