package sqlstore

import (
	"reflect"
	"testing"
	"time"
)

func TestDialectQueriesAndArguments(t *testing.T) {
	const q = "SELECT a FROM t WHERE b = ? AND c LIKE ? ESCAPE '\\' LIMIT ? OFFSET ?"
	if got, want := postgresDialect.query(q), "SELECT a FROM t WHERE b = $1 AND c LIKE $2 ESCAPE '\\' LIMIT $3 OFFSET $4"; got != want {
		t.Errorf("postgres query %q, want %q", got, want)
	}
	if got := sqliteDialect.query(q); got != q {
		t.Errorf("sqlite query %q, want it unchanged", got)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600))
	args := []any{"a", when, nil, 1}
	if got := postgresDialect.args(args); !reflect.DeepEqual(got, args) {
		t.Errorf("postgres arguments %v, want them unchanged", got)
	}
	if got, want := sqliteDialect.args(args), []any{"a", when.UnixMicro(), nil, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("sqlite arguments %v, want %v", got, want)
	}
	if args[1] != when {
		t.Error("encoding the times changed the caller's arguments")
	}
}
