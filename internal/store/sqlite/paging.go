package sqlite

import (
	"context"
	"fmt"
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

// and adds a condition with its arguments.
func (l *listSpec) and(cond string, args ...any) {
	l.where = append(l.where, cond)
	l.args = append(l.args, args...)
}

// list runs spec for page p (see sqlstore.PageWindow and sqlstore.Collect).
func list[T any](ctx context.Context, q querier, spec listSpec, p store.Page, scan func(sqlstore.Scanner) (T, error)) (store.List[T], error) {
	w, err := sqlstore.PageWindow(p)
	if err != nil {
		return store.List[T]{}, err
	}
	if w.After > 0 {
		spec.and(spec.seq+" > ?", w.After)
	}
	limit := -1 // SQLite reads a negative LIMIT as none
	if w.Limit > 0 {
		limit = w.Limit
	}
	cond := ""
	if len(spec.where) > 0 {
		cond = " WHERE " + strings.Join(spec.where, " AND ")
	}

	rows, err := q.QueryContext(ctx,
		"SELECT "+spec.seq+", "+spec.cols+" FROM "+spec.from+cond+" ORDER BY "+spec.seq+" LIMIT ? OFFSET ?",
		append(spec.args[:len(spec.args):len(spec.args)], limit, w.Offset)...)
	if err != nil {
		return store.List[T]{}, err
	}
	defer rows.Close()
	out, err := sqlstore.Collect(rows, p, scan)
	if err != nil {
		return out, err
	}
	if !p.Checkpoint && p.WantTotal {
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+spec.from+cond, spec.args...).Scan(&out.Total); err != nil {
			return out, fmt.Errorf("count: %w", err)
		}
	}
	return out, nil
}
