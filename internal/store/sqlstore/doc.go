// Package sqlstore holds what the SQL backends of store.Store (sqlite, postgres) have in common once
// their SQL dialect, driver types and transactions are set aside: the encodings of the JSON text
// columns, the loader of numbered migration files, and checkpoint paging's cursor and page cutting.
// Sharing them keeps the stored data and the cursors alike in both backends, so data moves between
// them as is.
package sqlstore
