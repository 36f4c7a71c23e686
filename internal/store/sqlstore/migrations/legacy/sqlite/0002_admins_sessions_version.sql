-- Dashboard administrators and their sessions, and the tenant version that other processes sharing the
-- database poll to learn that the tenant's configuration changed.

CREATE TABLE admins (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	id            TEXT    NOT NULL UNIQUE,
	email         TEXT    NOT NULL UNIQUE,
	password_hash TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

-- Only a hash of a session's token is stored. Deleting an admin deletes its sessions.
CREATE TABLE admin_sessions (
	token_hash BLOB    NOT NULL PRIMARY KEY,
	admin_id   TEXT    NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
	csrf_token TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Serves the admin cascade and the periodic purge of expired sessions.
CREATE INDEX admin_sessions_admin_id ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);

-- Bumped by every write transaction except session writes.
CREATE TABLE tenant_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
) STRICT;

INSERT INTO tenant_version (id, version) VALUES (1, 1);
