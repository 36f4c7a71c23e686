package mgmt

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/tenant"
)

// Paging limits (docs/compatibility.md#paging).
const (
	defaultPerPage = 50
	maxPerPage     = 100
	// maxPage keeps page*per_page far from overflowing; no tenant has two hundred billion of anything.
	maxPage = math.MaxInt32
)

// pagingMode says which paging styles an endpoint offers.
type pagingMode int

const (
	offsetPaging     pagingMode = iota // page, per_page, include_totals
	checkpointPaging                   // also from, take (Auth0 offers it on a few lists only)
)

// parsePage reads the paging parameters of a list request. With checkpoint paging allowed, from or take
// selects it; they cannot be mixed with page or per_page. include_totals is accepted but has no effect
// there, as in Auth0: its v7 SDK sends include_totals=true with every checkpoint request. Other
// parameters are ignored here (SDKs send fields, include_fields, sort …). Values out of range are
// refused, never clamped.
func parsePage(q url.Values, mode pagingMode) (tenant.Page, error) {
	return parsePageWith(q, mode, defaultPerPage)
}

// parsePageWith is parsePage for a list whose per_page defaults to perPageDefault.
func parsePageWith(q url.Values, mode pagingMode, perPageDefault int) (tenant.Page, error) {
	totals, err := boolParam(q, "include_totals")
	if err != nil {
		return tenant.Page{}, err
	}
	if mode == checkpointPaging && (q.Has("from") || q.Has("take")) {
		for _, p := range []string{"page", "per_page"} {
			if q.Has(p) {
				return tenant.Page{}, queryError(p, "Cannot be combined with checkpoint paging (from, take)")
			}
		}
		take, err := intParam(q, "take", defaultPerPage, 1, maxPerPage)
		if err != nil {
			return tenant.Page{}, err
		}
		return tenant.Page{Checkpoint: true, From: q.Get("from"), Limit: take}, nil
	}
	perPage, err := intParam(q, "per_page", perPageDefault, 1, maxPerPage)
	if err != nil {
		return tenant.Page{}, err
	}
	page, err := intParam(q, "page", 0, 0, maxPage)
	if err != nil {
		return tenant.Page{}, err
	}
	return tenant.Page{Offset: page * perPage, Limit: perPage, WantTotal: totals != nil && *totals}, nil
}

// listBody is the JSON answer of a list: a bare array, or with totals
// {"<key>": […], "start", "limit", "total"}, or with checkpoint paging {"<key>": […], "next"} where next
// is left out on the last page.
func listBody[J any](p tenant.Page, key string, items []J, total int, next string) any {
	if items == nil {
		items = []J{}
	}
	switch {
	case p.Checkpoint:
		body := map[string]any{key: items}
		if next != "" {
			body["next"] = next
		}
		return body
	case p.WantTotal:
		return map[string]any{key: items, "start": p.Offset, "limit": p.Limit, "total": total}
	default:
		return items
	}
}

// intParam reads an integer query parameter within [lo, hi]; def when absent.
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if !q.Has(name) {
		return def, nil
	}
	s := q.Get(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Too many digits for int64: report it against the bound it broke.
		if strings.HasPrefix(s, "-") {
			return 0, queryError(name, fmt.Sprintf("Value %s is less than minimum %d", s, lo))
		}
		return 0, queryError(name, fmt.Sprintf("Value %s is greater than maximum %d", s, hi))
	}
	if err != nil {
		found := "string"
		if _, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			found = "number"
		}
		return 0, queryError(name, "Expected type integer but found type "+found)
	}
	if n < int64(lo) {
		return 0, queryError(name, fmt.Sprintf("Value %d is less than minimum %d", n, lo))
	}
	if n > int64(hi) {
		return 0, queryError(name, fmt.Sprintf("Value %d is greater than maximum %d", n, hi))
	}
	return int(n), nil
}

// boolParam reads a query parameter that must be "true" or "false"; nil when absent.
func boolParam(q url.Values, name string) (*bool, error) {
	if !q.Has(name) {
		return nil, nil
	}
	switch q.Get(name) {
	case "true":
		b := true
		return &b, nil
	case "false":
		b := false
		return &b, nil
	}
	return nil, queryError(name, "Expected type boolean but found type string")
}

// replyList sends one page of a list in the form p asks for, or hands err back to the error writer.
func replyList[T, J any](w http.ResponseWriter, p tenant.Page, key string, l tenant.List[T], err error, out func(T) J) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listBody(p, key, mapSlice(l.Items, out), l.Total, l.Next))
	return nil
}

// parseListQuery parses a list's query string and its paging; the query is returned for the filters.
func parseListQuery(r *http.Request, mode pagingMode) (url.Values, tenant.Page, error) {
	q, err := parseQuery(r)
	if err != nil {
		return nil, tenant.Page{}, err
	}
	p, err := parsePage(q, mode)
	return q, p, err
}

// parseQuery parses the query string strictly: url.URL.Query drops malformed pairs, which would turn a
// bad page=%zz into the default page.
func parseQuery(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &Error{
			StatusCode: http.StatusBadRequest,
			Message:    "Query validation error: 'Malformed query string'.",
			ErrorCode:  "invalid_query_string",
		}
	}
	return q, nil
}
