package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

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

// list runs spec for page p. A Limit of zero or less means no limit. Checkpoint cursors are the seq of
// the last item returned; the next page starts after it, so items added or removed meanwhile never shift
// a later page.
func list[T any](ctx context.Context, q querier, spec listSpec, p store.Page, scan func(scanner) (T, error)) (store.List[T], error) {
	var out store.List[T]
	var limit any // NULL: no limit
	offset := 0
	if p.Checkpoint {
		if p.From != "" {
			after, err := parseCursor(p.From)
			if err != nil {
				return out, err
			}
			spec.and(spec.seq + " > " + spec.arg(after))
		}
		if p.Limit > 0 {
			limit = p.Limit + 1 // one more tells whether a next page exists
		}
	} else {
		if p.Limit > 0 {
			limit = p.Limit
		}
		offset = max(0, p.Offset)
	}
	cond := ""
	if len(spec.where) > 0 {
		cond = " WHERE " + strings.Join(spec.where, " AND ")
	}
	n := len(spec.args)
	rows, err := q.Query(ctx,
		"SELECT "+spec.seq+", "+spec.cols+" FROM "+spec.from+cond+" ORDER BY "+spec.seq+
			fmt.Sprintf(" LIMIT $%d OFFSET $%d", n+1, n+2),
		append(spec.args[:n:n], limit, offset)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		item, err := scan(seqScanner{sc: rows, seq: &seq})
		if err != nil {
			return out, err
		}
		seqs = append(seqs, seq)
		out.Items = append(out.Items, item)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if p.Checkpoint && p.Limit > 0 && len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		out.Next = strconv.FormatInt(seqs[p.Limit-1], 10)
	}
	if !p.Checkpoint && p.WantTotal {
		if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+spec.from+cond, spec.args...).Scan(&out.Total); err != nil {
			return out, fmt.Errorf("count: %w", err)
		}
	}
	return out, nil
}

// parseCursor accepts only what list hands out: a positive seq in canonical base 10.
func parseCursor(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, fmt.Errorf("%w: %q", store.ErrInvalidCursor, s)
	}
	return n, nil
}

// seqScanner reads the seq column that list puts first, then hands the rest to the entity's scan.
type seqScanner struct {
	sc  scanner
	seq *int64
}

func (s seqScanner) Scan(dest ...any) error {
	return s.sc.Scan(append([]any{s.seq}, dest...)...)
}
