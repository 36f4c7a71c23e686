package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/orgauth/orgauth/internal/policy"
	"github.com/orgauth/orgauth/internal/tenant"
)

// listPageSize is the number of rows on one page of a list.
const listPageSize = 50

// pager links a list page to its neighbours; an empty link is hidden.
type pager struct {
	Prev, Next string
}

// offsetList reads page ?page=N (from 0) of an offset-paged list. It asks for one row more than it
// shows, to know whether there is a next page without counting the table.
func offsetList[T any](r *http.Request, list func(tenant.Page) (tenant.List[T], error)) ([]T, pager, error) {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 0 {
		n = 0
	}
	l, err := list(tenant.Page{Offset: n * listPageSize, Limit: listPageSize + 1})
	if err != nil {
		return nil, pager{}, err
	}
	var p pager
	if n > 0 {
		p.Prev = pageURL(r, "page", strconv.Itoa(n-1))
	}
	if len(l.Items) > listPageSize {
		l.Items = l.Items[:listPageSize]
		p.Next = pageURL(r, "page", strconv.Itoa(n+1))
	}
	return l.Items, p, nil
}

// pageURL is the current page's path with one query parameter set.
func pageURL(r *http.Request, key, value string) string {
	q := url.Values{key: {value}}
	return r.URL.Path + "?" + q.Encode()
}

// maxListed bounds the rows the dashboard reads for one page's picker or count; past it, the page says
// "more than".
const maxListed = 10_000

// all reads every item of a list, in pages of 100, up to maxListed; more reports that it stopped there.
func all[T any](ctx context.Context, checkpoint bool, list func(context.Context, tenant.Page) (tenant.List[T], error)) (items []T, more bool, err error) {
	p := tenant.Page{Limit: 100, Checkpoint: checkpoint}
	for {
		l, err := list(ctx, p)
		if err != nil {
			return nil, false, err
		}
		items = append(items, l.Items...)
		if len(items) >= maxListed {
			return items[:maxListed], true, nil
		}
		if checkpoint {
			if l.Next == "" {
				return items, false, nil
			}
			p.From = l.Next
		} else {
			if len(l.Items) < p.Limit {
				return items, false, nil
			}
			p.Offset += p.Limit
		}
	}
}

// allAPIs lists every API of the tenant.
func (h *Handler) allAPIs(ctx context.Context) ([]tenant.ResourceServer, error) {
	apis, _, err := all(ctx, false, h.tenant.ResourceServers)
	return apis, err
}

// allApplications lists every application of the tenant.
func (h *Handler) allApplications(ctx context.Context) ([]tenant.Client, error) {
	clients, _, err := all(ctx, false, h.tenant.Clients)
	return clients, err
}

// grantsMatching lists the client grants a filter selects.
func (h *Handler) grantsMatching(ctx context.Context, f tenant.ClientGrantFilter) ([]tenant.ClientGrant, error) {
	grants, _, err := all(ctx, true, func(ctx context.Context, p tenant.Page) (tenant.List[tenant.ClientGrant], error) {
		return h.tenant.ClientGrants(ctx, f, p)
	})
	return grants, err
}

// count is a number that may have been cut off at maxListed.
type count struct {
	N    int
	More bool
}

// associationCount counts the organizations the grants are associated with, together.
func (h *Handler) associationCount(ctx context.Context, grants []tenant.ClientGrant) (count, error) {
	var c count
	for _, g := range grants {
		orgs, more, err := all(ctx, true, func(ctx context.Context, p tenant.Page) (tenant.List[tenant.Organization], error) {
			return h.tenant.ClientGrantOrganizations(ctx, g.ID, p)
		})
		if err != nil {
			return c, err
		}
		c.N += len(orgs)
		c.More = c.More || more
	}
	return c, nil
}

// usageLabel is how the dashboard names a grant's organization_usage.
func usageLabel(usage string) string {
	switch usage {
	case tenant.UsageAllow:
		return "Optional"
	case tenant.UsageRequire:
		return "Required"
	}
	return "None"
}

// supportsOrganizations reports whether a grant's usage lets a token request name an organization, i.e.
// whether associating it with one does anything (tenant refuses the association otherwise).
func supportsOrganizations(g tenant.ClientGrant) bool {
	return policy.Usage(g.OrganizationUsage).AdmitsOrganizations()
}
