package sqlite

import (
	"database/sql"
	"time"
)

// Times are stored as Unix microseconds (PostgreSQL's precision too) and read back in UTC.
func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores the zero time as NULL.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(us sql.Null[int64]) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return fromMicros(us.V)
}
