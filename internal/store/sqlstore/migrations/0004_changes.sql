-- What each write changed, for the instances that keep a copy of the tenant in memory: every write
-- transaction inserts at least one row with the version it commits (kind 'none' when it changed
-- nothing such a copy holds), so a version without rows was written by an earlier orgauth that did
-- not record its changes. Rows older than the last 50,000 versions are pruned.
CREATE TABLE tenant_changes (
	version {{bigint}} NOT NULL,
	kind    TEXT NOT NULL,
	key     TEXT NOT NULL
){{strict}};

CREATE INDEX tenant_changes_version ON tenant_changes (version);
