// Package sqlstore is the SQL implementation of store.Store, one for both engines: the embedded SQLite
// (modernc.org/sqlite, OpenSQLite) and PostgreSQL (pgx, OpenPostgres), for several orgauth instances
// sharing one tenant. Both go through database/sql. The queries, the transactions and the one migration
// list are written once; a small dialect value per engine holds what really differs (store.go: column
// types and time encoding, placeholders, locking, error classification, change notifications), and each
// engine's Open sets up its connections (sqlite.go, postgres.go).
//
// Stored JSON (encoding.go) and paging cursors (paging.go) are the same on both engines, so data moves
// between them as is.
//
// Writes of tenant data run in Store.write, which bumps the tenant version and records the changes;
// what a person's login leaves behind (loginsessions.go, codes.go, refreshtokens.go, and a user's login
// count) is written by Store.quiet or single statements, which bump nothing (see quiet).
package sqlstore
