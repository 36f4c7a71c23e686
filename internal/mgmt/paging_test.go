package mgmt

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/orgauth/orgauth/internal/tenant"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name  string
		query string
		mode  pagingMode
		want  tenant.Page
	}{
		{"no parameters: first page of 50", "", offsetPaging, tenant.Page{Limit: 50}},
		{"page and per_page give the offset", "page=3&per_page=20", offsetPaging, tenant.Page{Offset: 60, Limit: 20}},
		{"include_totals asks for the total", "include_totals=true", offsetPaging, tenant.Page{Limit: 50, WantTotal: true}},
		{"include_totals=false does not", "include_totals=false", offsetPaging, tenant.Page{Limit: 50}},
		{"bounds are inclusive", "page=0&per_page=100", offsetPaging, tenant.Page{Limit: 100}},
		{"unknown parameters are ignored", "fields=id,name&include_fields=true&sort=name:1", offsetPaging, tenant.Page{Limit: 50}},
		{"from and take are unknown where checkpoint paging is not offered", "from=abc&take=0", offsetPaging, tenant.Page{Limit: 50}},
		{"take selects checkpoint paging", "take=10", checkpointPaging, tenant.Page{Checkpoint: true, Limit: 10}},
		{"from selects checkpoint paging with the default take", "from=abc", checkpointPaging, tenant.Page{Checkpoint: true, From: "abc", Limit: 50}},
		{"offset paging stays available", "page=1&per_page=5", checkpointPaging, tenant.Page{Offset: 5, Limit: 5}},
		{"include_totals has no effect on checkpoint paging (the v7 SDK always sends it)", "include_totals=true&take=50", checkpointPaging, tenant.Page{Checkpoint: true, Limit: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := parsePage(q, tt.mode)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParsePageRefusesOutOfRangeValues(t *testing.T) {
	tests := []struct {
		name, query, message string
	}{
		{"negative page", "page=-1", "Query validation error: 'Value -1 is less than minimum 0' on property page."},
		{"page beyond int32", "page=2147483648", "Query validation error: 'Value 2147483648 is greater than maximum 2147483647' on property page."},
		{"page beyond int64", "page=99999999999999999999", "Query validation error: 'Value 99999999999999999999 is greater than maximum 2147483647' on property page."},
		{"per_page zero", "per_page=0", "Query validation error: 'Value 0 is less than minimum 1' on property per_page."},
		{"per_page over 100", "per_page=101", "Query validation error: 'Value 101 is greater than maximum 100' on property per_page."},
		{"per_page far below int64", "per_page=-99999999999999999999", "Query validation error: 'Value -99999999999999999999 is less than minimum 1' on property per_page."},
		{"per_page not a number", "per_page=ten", "Query validation error: 'Expected type integer but found type string' on property per_page."},
		{"per_page a fraction", "per_page=1.5", "Query validation error: 'Expected type integer but found type number' on property per_page."},
		{"empty page", "page=", "Query validation error: 'Expected type integer but found type string' on property page."},
		{"include_totals not a boolean", "include_totals=yes", "Query validation error: 'Expected type boolean but found type string' on property include_totals."},
		{"take zero", "take=0", "Query validation error: 'Value 0 is less than minimum 1' on property take."},
		{"take over 100", "take=101", "Query validation error: 'Value 101 is greater than maximum 100' on property take."},
		{"checkpoint mixed with page", "from=abc&page=1", "Query validation error: 'Cannot be combined with checkpoint paging (from, take)' on property page."},
		{"checkpoint mixed with per_page", "take=5&per_page=5", "Query validation error: 'Cannot be combined with checkpoint paging (from, take)' on property per_page."},
		{"checkpoint with a non-boolean include_totals", "take=5&include_totals=1", "Query validation error: 'Expected type boolean but found type string' on property include_totals."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			_, err := parsePage(q, checkpointPaging)
			wantError(t, err, http.StatusBadRequest, tt.message)
			if e, _ := asError(err); e.ErrorCode != "invalid_query_string" {
				t.Errorf("errorCode = %q, want invalid_query_string", e.ErrorCode)
			}
		})
	}
}

func TestListBodyShapes(t *testing.T) {
	items := []string{"a", "b"}
	tests := []struct {
		name  string
		page  tenant.Page
		items []string
		next  string
		want  string
	}{
		{"bare array by default", tenant.Page{Limit: 50}, items, "", `["a","b"]`},
		{"an empty list is [] not null", tenant.Page{Limit: 50}, nil, "", `[]`},
		{"totals wrap the items", tenant.Page{Offset: 10, Limit: 5, WantTotal: true}, items, "", `{"clients":["a","b"],"limit":5,"start":10,"total":12}`},
		{"checkpoint with a next page", tenant.Page{Checkpoint: true, Limit: 2}, items, "cur", `{"clients":["a","b"],"next":"cur"}`},
		{"checkpoint on the last page has no next", tenant.Page{Checkpoint: true, Limit: 2}, items, "", `{"clients":["a","b"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(listBody(tt.page, "clients", tt.items, 12, tt.next))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	t.Run("client grants", func(t *testing.T) {
		q, _ := url.ParseQuery("audience=https://api&client_id=abc&allow_any_organization=true")
		f, err := clientGrantFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		if f.Audience != "https://api" || f.ClientID != "abc" || f.AllowAnyOrganization == nil || !*f.AllowAnyOrganization {
			t.Errorf("got %+v", f)
		}
	})
	t.Run("allow_any_organization must be a boolean", func(t *testing.T) {
		q, _ := url.ParseQuery("allow_any_organization=1")
		_, err := clientGrantFilter(q)
		wantError(t, err, http.StatusBadRequest, "Query validation error: 'Expected type boolean but found type string' on property allow_any_organization.")
	})
	t.Run("an over-long audience is refused", func(t *testing.T) {
		q := url.Values{"audience": {string(make([]byte, 601))}}
		_, err := clientGrantFilter(q)
		wantError(t, err, http.StatusBadRequest, "Query validation error: 'String is too long (601 chars), maximum 600' on property audience.")
	})
	t.Run("grant_ids repeat", func(t *testing.T) {
		q, _ := url.ParseQuery("grant_ids=cgr_1&grant_ids=cgr_2&grant_ids=")
		f, err := organizationClientGrantFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.GrantIDs) != 2 || f.GrantIDs[0] != "cgr_1" || f.GrantIDs[1] != "cgr_2" {
			t.Errorf("got %+v", f)
		}
	})
	t.Run("more than 10 grant_ids are refused", func(t *testing.T) {
		q := url.Values{}
		for range 11 {
			q.Add("grant_ids", "cgr_x")
		}
		_, err := organizationClientGrantFilter(q)
		wantError(t, err, http.StatusBadRequest, "Query validation error: 'Array is too long (11), maximum 10' on property grant_ids.")
	})
}
