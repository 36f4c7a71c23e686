// Package pgtest gives tests a PostgreSQL schema of their own. The database comes from
// ORGAUTH_TEST_POSTGRES_DSN; without it the tests skip, except in CI (CI=true), where they must run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the variable that points the tests at a PostgreSQL database.
const EnvDSN = "ORGAUTH_TEST_POSTGRES_DSN"

// DSN is the database the tests use.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn != "" {
		return dsn
	}
	const msg = EnvDSN + " not set: set it to a PostgreSQL database to run these tests, " +
		"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Schema creates an empty schema for the test, dropped when it ends, and returns a DSN whose search_path
// is that schema, so that tests never see each other's rows.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	schema := RandomName("orgauth_test_")
	Exec(t, dsn, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { Exec(t, dsn, "DROP SCHEMA "+schema+" CASCADE") })
	return WithParam(t, dsn, "search_path", schema)
}

// RandomName is prefix and 16 random hex digits: short enough for an identifier or application_name
// (63 bytes at most).
func RandomName(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Exec runs one statement on a connection of its own; it works in cleanups, after t.Context has ended.
func Exec(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// WithParam sets a connection parameter in a URL or keyword/value DSN.
func WithParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " " + key + "=" + value
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
