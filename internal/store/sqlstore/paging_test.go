package sqlstore

import (
	"errors"
	"reflect"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestPageWindow(t *testing.T) {
	tests := []struct {
		name string
		page store.Page
		want window
	}{
		{"offset/everything", store.Page{}, window{}},
		{"offset/limit and offset", store.Page{Offset: 20, Limit: 10}, window{Offset: 20, Limit: 10}},
		{"offset/negative values mean none", store.Page{Offset: -1, Limit: -5}, window{}},
		{"checkpoint/first page fetches one more than the limit", store.Page{Checkpoint: true, Limit: 10}, window{Limit: 11}},
		{"checkpoint/from a cursor", store.Page{Checkpoint: true, From: "42", Limit: 10}, window{After: 42, Limit: 11}},
		{"checkpoint/no limit", store.Page{Checkpoint: true, From: "42"}, window{After: 42}},
		{"checkpoint/offset ignored", store.Page{Checkpoint: true, Offset: 5, Limit: 1}, window{Limit: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pageWindow(tt.page)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("window %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPageWindowRefusesCursorsItDidNotHandOut(t *testing.T) {
	for _, from := range []string{"0", "-1", "01", "+1", " 1", "1.0", "x", "9223372036854775808"} {
		t.Run(from, func(t *testing.T) {
			_, err := pageWindow(store.Page{Checkpoint: true, From: from})
			if !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("error %v, want ErrInvalidCursor", err)
			}
		})
	}
}

// fakeRows yields rows of (seq, name). The scan of row failAt (counted from 1) fails with errScan; err
// is what Err reports.
type fakeRows struct {
	rows   [][2]any
	i      int
	failAt int
	err    error
}

var errScan = errors.New("scan failed")

func (r *fakeRows) Next() bool { r.i++; return r.i <= len(r.rows) }
func (r *fakeRows) Err() error { return r.err }
func (r *fakeRows) Scan(dest ...any) error {
	if r.i == r.failAt {
		return errScan
	}
	*dest[0].(*int64) = r.rows[r.i-1][0].(int64)
	*dest[1].(*string) = r.rows[r.i-1][1].(string)
	return nil
}

func scanName(sc scanner) (string, error) {
	var name string
	err := sc.Scan(&name)
	return name, err
}

func TestCollect(t *testing.T) {
	three := [][2]any{{int64(3), "a"}, {int64(7), "b"}, {int64(9), "c"}}
	tests := []struct {
		name string
		page store.Page
		rows [][2]any
		want store.List[string]
	}{
		{"checkpoint/one row more than the limit: cut, with the cursor of the last kept",
			store.Page{Checkpoint: true, Limit: 2}, three, store.List[string]{Items: []string{"a", "b"}, Next: "7"}},
		{"checkpoint/the limit exactly: last page",
			store.Page{Checkpoint: true, Limit: 3}, three, store.List[string]{Items: []string{"a", "b", "c"}}},
		{"checkpoint/no limit: last page",
			store.Page{Checkpoint: true}, three, store.List[string]{Items: []string{"a", "b", "c"}}},
		{"checkpoint/no rows", store.Page{Checkpoint: true, Limit: 2}, nil, store.List[string]{}},
		{"offset/never cut",
			store.Page{Limit: 2}, three, store.List[string]{Items: []string{"a", "b", "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(&fakeRows{rows: tt.rows}, tt.page, scanName)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCollectedCursorStartsTheNextPage(t *testing.T) {
	page := store.Page{Checkpoint: true, Limit: 1}
	got, err := collect(&fakeRows{rows: [][2]any{{int64(5), "a"}, {int64(8), "b"}}}, page, scanName)
	if err != nil {
		t.Fatal(err)
	}
	page.From = got.Next
	w, err := pageWindow(page)
	if err != nil {
		t.Fatal(err)
	}
	if w.After != 5 {
		t.Errorf("next page starts after %d, want 5", w.After)
	}
}

func TestCollectErrors(t *testing.T) {
	rows := [][2]any{{int64(1), "a"}, {int64(2), "b"}}
	t.Run("a scan error", func(t *testing.T) {
		if _, err := collect(&fakeRows{rows: rows, failAt: 2}, store.Page{}, scanName); !errors.Is(err, errScan) {
			t.Errorf("error %v, want %v", err, errScan)
		}
	})
	t.Run("the result set's error", func(t *testing.T) {
		errRows := errors.New("connection lost")
		if _, err := collect(&fakeRows{rows: rows, err: errRows}, store.Page{}, scanName); !errors.Is(err, errRows) {
			t.Errorf("error %v, want %v", err, errRows)
		}
	})
}
