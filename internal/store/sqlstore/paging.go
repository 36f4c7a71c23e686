package sqlstore

import (
	"fmt"
	"strconv"

	"github.com/orgauth/orgauth/internal/store"
)

// Listings are in creation order, the order of each table's integer seq column. Offset paging skips
// Offset rows; checkpoint paging starts after the seq that its cursor carries, so items added or removed
// meanwhile never shift a later page.

// Scanner is one row of either driver: *sql.Row, *sql.Rows, pgx.Row or pgx.Rows.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a result set of either driver. Closing it stays with the caller: the drivers' Close differ.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Window is the slice of a listing that a backend's query fetches for a page: the rows whose seq is
// greater than After (all when After is 0), skipping Offset of them, at most Limit (all when Limit is 0).
type Window struct {
	After  int64
	Offset int
	Limit  int
}

// PageWindow returns the window for page p. A Limit of zero or less means no limit. A checkpoint page
// with a limit fetches one row more than it returns, which tells Collect whether a next page exists.
func PageWindow(p store.Page) (Window, error) {
	var w Window
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

// Collect reads the rows of p's window, each its seq followed by the columns that scan reads, into
// page p. A checkpoint page that got more rows than its limit is cut to the limit, and its Next is the
// cursor of the last item kept. Total is left to the caller.
func Collect[T any](rows Rows, p store.Page, scan func(Scanner) (T, error)) (store.List[T], error) {
	var (
		out  store.List[T]
		seqs []int64
	)
	for rows.Next() {
		var seq int64
		item, err := scan(WithSeq(rows, &seq))
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

// WithSeq wraps a row whose first column is a seq: Scan reads that column into seq and the others into
// its arguments, so an entity's scan function reads the row as if the seq were not there.
func WithSeq(sc Scanner, seq *int64) Scanner {
	return seqScanner{sc: sc, seq: seq}
}

type seqScanner struct {
	sc  Scanner
	seq *int64
}

func (s seqScanner) Scan(dest ...any) error {
	return s.sc.Scan(append([]any{s.seq}, dest...)...)
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
