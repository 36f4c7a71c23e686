package sqlstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// Listings are in creation order, the order of each table's integer seq column. Offset paging skips
// Offset rows; checkpoint paging starts after the seq that its cursor carries, so items added or removed
// meanwhile never shift a later page.

// scanner is one row: *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// rowSet is a result set, *sql.Rows. Closing it stays with the caller.
type rowSet interface {
	scanner
	Next() bool
	Err() error
}

// listSpec describes a listable SELECT: "SELECT <seq>, <cols> FROM <from> WHERE <where...>", in the
// creation order that the integer column seq gives, or in order when it is set (offset paging only:
// checkpoint cursors are seqs).
type listSpec struct {
	cols  string
	from  string
	seq   string
	order string
	where []string
	args  []any
}

// and adds a condition with its arguments.
func (l *listSpec) and(cond string, args ...any) {
	l.where = append(l.where, cond)
	l.args = append(l.args, args...)
}

// list runs spec for page p (see pageWindow and collect).
func list[T any](ctx context.Context, c conn, spec listSpec, p store.Page, scan func(scanner) (T, error)) (store.List[T], error) {
	if spec.order != "" && p.Checkpoint {
		return store.List[T]{}, fmt.Errorf("%w: this list has no checkpoint paging", store.ErrInvalidCursor)
	}
	w, err := pageWindow(p)
	if err != nil {
		return store.List[T]{}, err
	}
	if w.After > 0 {
		spec.and(spec.seq+" > ?", w.After)
	}
	limit := int64(math.MaxInt64) // no limit: SQLite wants a LIMIT before an OFFSET
	if w.Limit > 0 {
		limit = int64(w.Limit)
	}
	cond := ""
	if len(spec.where) > 0 {
		cond = " WHERE " + strings.Join(spec.where, " AND ")
	}
	order := spec.seq
	if spec.order != "" {
		order = spec.order
	}
	n := len(spec.args)
	rows, err := c.query(ctx, "SELECT "+spec.seq+", "+spec.cols+" FROM "+spec.from+cond+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(spec.args[:n:n], limit, w.Offset)...)
	if err != nil {
		return store.List[T]{}, err
	}
	defer rows.Close()
	out, err := collect(rows, p, scan)
	if err != nil {
		return out, err
	}
	if !p.Checkpoint && p.WantTotal {
		if err := c.row(ctx, "SELECT COUNT(*) FROM "+spec.from+cond, spec.args...).Scan(&out.Total); err != nil {
			return out, fmt.Errorf("count: %w", err)
		}
	}
	return out, nil
}

// window is the slice of a listing that the query fetches for a page: the rows whose seq is
// greater than After (all when After is 0), skipping Offset of them, at most Limit (all when Limit is 0).
type window struct {
	After  int64
	Offset int
	Limit  int
}

// pageWindow returns the window for page p. A Limit of zero or less means no limit. A checkpoint page
// with a limit fetches one row more than it returns, which tells collect whether a next page exists.
func pageWindow(p store.Page) (window, error) {
	var w window
	if !p.Checkpoint {
		w.Offset = max(0, p.Offset)
		w.Limit = max(0, p.Limit)
		return w, nil
	}
	if p.From != "" {
		after, err := parseCursor(p.From)
		if err != nil {
			return w, err
		}
		w.After = after
	}
	if p.Limit > 0 {
		w.Limit = p.Limit + 1
	}
	return w, nil
}

// collect reads the rows of p's window, each its seq followed by the columns that scan reads, into
// page p. A checkpoint page that got more rows than its limit is cut to the limit, and its Next is the
// cursor of the last item kept. Total is left to the caller.
func collect[T any](rows rowSet, p store.Page, scan func(scanner) (T, error)) (store.List[T], error) {
	var (
		out  store.List[T]
		seqs []int64
	)
	for rows.Next() {
		var seq int64
		item, err := scan(withSeq(rows, &seq))
		if err != nil {
			return store.List[T]{}, err
		}
		seqs = append(seqs, seq)
		out.Items = append(out.Items, item)
	}
	if err := rows.Err(); err != nil {
		return store.List[T]{}, err
	}
	if p.Checkpoint && p.Limit > 0 && len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		out.Next = formatCursor(seqs[p.Limit-1])
	}
	return out, nil
}

// withSeq wraps a row whose first column is a seq: Scan reads that column into seq and the others into
// its arguments, so an entity's scan function reads the row as if the seq were not there.
func withSeq(sc scanner, seq *int64) scanner {
	return seqScanner{sc: sc, seq: seq}
}

type seqScanner struct {
	sc  scanner
	seq *int64
}

func (s seqScanner) Scan(dest ...any) error {
	return s.sc.Scan(append([]any{s.seq}, dest...)...)
}

// withExtra wraps a row whose last columns are read into extra: Scan reads the others into its
// arguments, so an entity's scan function reads a row that a join adds columns to.
func withExtra(sc scanner, extra ...any) scanner {
	return extraScanner{sc: sc, extra: extra}
}

type extraScanner struct {
	sc    scanner
	extra []any
}

func (s extraScanner) Scan(dest ...any) error {
	return s.sc.Scan(append(dest[:len(dest):len(dest)], s.extra...)...)
}

// A cursor is the seq of the last item of its page, in base 10.
func formatCursor(seq int64) string { return strconv.FormatInt(seq, 10) }

// parseCursor accepts only what formatCursor hands out: a positive seq in canonical base 10.
func parseCursor(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || formatCursor(n) != s {
		return 0, fmt.Errorf("%w: %q", store.ErrInvalidCursor, s)
	}
	return n, nil
}
