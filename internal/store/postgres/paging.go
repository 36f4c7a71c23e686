package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/store/sqlstore"
)

// listSpec describes a listable SELECT: "SELECT <seq>, <cols> FROM <from> WHERE <where...>", in the
// creation order that the integer column seq gives.
type listSpec struct {
	cols  string
	from  string
	seq   string
	where []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (l *listSpec) arg(v any) string {
	l.args = append(l.args, v)
	return "$" + strconv.Itoa(len(l.args))
}

// and adds a condition, whose arguments were added with arg.
func (l *listSpec) and(cond string) {
	l.where = append(l.where, cond)
}

// list runs spec for page p (see sqlstore.PageWindow and sqlstore.Collect).
func list[T any](ctx context.Context, q querier, spec listSpec, p store.Page, scan func(sqlstore.Scanner) (T, error)) (store.List[T], error) {
	w, err := sqlstore.PageWindow(p)
	if err != nil {
		return store.List[T]{}, err
	}
	if w.After > 0 {
		spec.and(spec.seq + " > " + spec.arg(w.After))
	}
	var limit any // NULL: no limit
	if w.Limit > 0 {
		limit = w.Limit
	}
	cond := ""
	if len(spec.where) > 0 {
		cond = " WHERE " + strings.Join(spec.where, " AND ")
	}
	n := len(spec.args)
	rows, err := q.Query(ctx,
		"SELECT "+spec.seq+", "+spec.cols+" FROM "+spec.from+cond+" ORDER BY "+spec.seq+
			fmt.Sprintf(" LIMIT $%d OFFSET $%d", n+1, n+2),
		append(spec.args[:n:n], limit, w.Offset)...)
	if err != nil {
		return store.List[T]{}, err
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, p, scan)
	if err != nil {
		return out, err
	}
	if !p.Checkpoint && p.WantTotal {
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+spec.from+cond, spec.args...).Scan(&out.Total); err != nil {
			return out, fmt.Errorf("count: %w", err)
		}
	}
	return out, nil
}
