package postgres

import "time"

// utc reads a timestamptz back in UTC (pgx returns local time).
func utc(t time.Time) time.Time { return t.UTC() }

// nullTime stores the zero time as NULL; fromNullTime reads NULL as the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
