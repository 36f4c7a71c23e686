-- Version 3, the baseline: the schema that versions 1 to 3 of each engine built (migrations/legacy/),
-- written once. Only a new database runs it; see migrate.go. The dialect fills in the double-braced
-- placeholders (named here without their braces, which it would replace in comments too):
--   seq                 an integer key never handed out twice, which orders lists by creation and backs
--                       checkpoint cursors (a reused seq would let a new row hide behind an older cursor)
--   bigint, bool, bytes, time, false    column types and a default; times are Unix microseconds in
--                       SQLite, timestamptz in PostgreSQL, in UTC either way
--   strict, strict_without_rowid        SQLite's table options
--   on_update_cascade   PostgreSQL's grants follow the Management API to a new identifier; SQLite, which
--                       cannot add that to its existing tables, defers the check and moves them itself
--   prefix_index        PostgreSQL's index for the organization search (name LIKE 'prefix%') whatever the
--                       collation; SQLite's search is a range on the unique name index
-- Slices and maps are JSON in text columns, where NULL stands for empty; text rather than jsonb keeps the
-- JSON byte for byte, and nothing queries inside it. Constraints do the integrity work: unique keys report
-- duplicates, foreign keys report missing references and cascade deletes.

CREATE TABLE resource_servers (
	seq                  {{seq}},
	id                   TEXT    NOT NULL UNIQUE,
	identifier           TEXT    NOT NULL UNIQUE,
	name                 TEXT    NOT NULL,
	scopes               TEXT,
	signing_alg          TEXT    NOT NULL,
	token_lifetime       {{bigint}} NOT NULL,
	allow_offline_access {{bool}} NOT NULL,
	is_system            {{bool}} NOT NULL,
	created_at           {{time}} NOT NULL,
	updated_at           {{time}} NOT NULL
){{strict}};

CREATE TABLE organizations (
	seq          {{seq}},
	id           TEXT    NOT NULL UNIQUE,
	name         TEXT    NOT NULL UNIQUE,
	display_name TEXT    NOT NULL,
	branding     TEXT,
	metadata     TEXT,
	created_at   {{time}} NOT NULL,
	updated_at   {{time}} NOT NULL
){{strict}};

{{prefix_index}}

CREATE TABLE clients (
	seq                           {{seq}},
	client_id                     TEXT    NOT NULL UNIQUE,
	name                          TEXT    NOT NULL,
	description                   TEXT    NOT NULL,
	app_type                      TEXT    NOT NULL,
	grant_types                   TEXT,
	token_endpoint_auth_method    TEXT    NOT NULL,
	secret_hash                   {{bytes}},
	-- NULL means no default organization; deleting the organization clears it.
	default_org_id                TEXT REFERENCES organizations (id) ON DELETE SET NULL,
	default_org_flows             TEXT,
	organization_usage            TEXT    NOT NULL,
	organization_require_behavior TEXT    NOT NULL,
	created_at                    {{time}} NOT NULL,
	updated_at                    {{time}} NOT NULL,
	-- private_key_jwt client authentication: the ids of the client's credentials in use
	-- (client_authentication_methods.private_key_jwt.credentials), NULL when it is not configured.
	private_key_jwt_credentials   TEXT
){{strict}};

-- Serves ON DELETE SET NULL when an organization goes.
CREATE INDEX clients_default_org_id ON clients (default_org_id) WHERE default_org_id IS NOT NULL;

CREATE TABLE client_grants (
	seq                    {{seq}},
	id                     TEXT    NOT NULL UNIQUE,
	client_id              TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	audience               TEXT    NOT NULL REFERENCES resource_servers (identifier) ON DELETE CASCADE{{on_update_cascade}},
	scope                  TEXT,
	organization_usage     TEXT    NOT NULL,
	allow_any_organization {{bool}} NOT NULL,
	subject_type           TEXT    NOT NULL,
	created_at             {{time}} NOT NULL,
	updated_at             {{time}} NOT NULL,
	-- One grant per client and audience; also the token endpoint's lookup and the client cascade.
	UNIQUE (client_id, audience)
){{strict}};

-- Serves the audience filter and the resource server cascade.
CREATE INDEX client_grants_audience ON client_grants (audience);

-- Organization client grants reference both sides by seq: at a million rows, two integers per row keep
-- the table and its indexes small. The primary key clusters an organization's grants together (insert,
-- duplicate check, count and list by organization are one index range); the second index serves the
-- reverse list and the grant cascade.
CREATE TABLE organization_client_grants (
	org_seq   {{bigint}} NOT NULL REFERENCES organizations (seq) ON DELETE CASCADE,
	grant_seq {{bigint}} NOT NULL REFERENCES client_grants (seq) ON DELETE CASCADE,
	PRIMARY KEY (org_seq, grant_seq)
){{strict_without_rowid}};

CREATE INDEX organization_client_grants_grant ON organization_client_grants (grant_seq, org_seq);

-- private_key_jwt client authentication: the public keys a client signs its assertions with.
CREATE TABLE client_credentials (
	seq             {{seq}},
	id              TEXT    NOT NULL UNIQUE,
	client_id       TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	name            TEXT    NOT NULL,
	credential_type TEXT    NOT NULL,
	kid             TEXT    NOT NULL,
	alg             TEXT    NOT NULL,
	pem             TEXT    NOT NULL,
	expires_at      {{time}},
	created_at      {{time}} NOT NULL,
	updated_at      {{time}} NOT NULL
){{strict}};

-- Serves the list of a client's credentials, its count and the client cascade.
CREATE INDEX client_credentials_client_id ON client_credentials (client_id);

CREATE TABLE tenant_settings (
	id                                            INTEGER PRIMARY KEY CHECK (id = 1),
	allow_organization_name_in_authentication_api {{bool}} NOT NULL DEFAULT {{false}}
){{strict}};

INSERT INTO tenant_settings (id) VALUES (1);

CREATE TABLE tenant_secrets (
	name  TEXT    NOT NULL PRIMARY KEY,
	value {{bytes}} NOT NULL
){{strict_without_rowid}};

CREATE TABLE signing_keys (
	seq         {{seq}},
	kid         TEXT    NOT NULL UNIQUE,
	alg         TEXT    NOT NULL,
	private_key {{bytes}} NOT NULL,
	state       TEXT    NOT NULL CHECK (state IN ('next', 'current', 'previous')),
	created_at  {{time}} NOT NULL,
	retired_at  {{time}}
){{strict}};

-- At most one current and one next key per algorithm.
CREATE UNIQUE INDEX signing_keys_alg_state ON signing_keys (alg, state) WHERE state IN ('next', 'current');

-- Dashboard administrators and their sessions.
CREATE TABLE admins (
	seq           {{seq}},
	id            TEXT    NOT NULL UNIQUE,
	email         TEXT    NOT NULL UNIQUE,
	password_hash TEXT    NOT NULL,
	created_at    {{time}} NOT NULL,
	updated_at    {{time}} NOT NULL
){{strict}};

-- Only a hash of a session's token is stored. Deleting an admin deletes its sessions.
CREATE TABLE admin_sessions (
	token_hash {{bytes}} NOT NULL PRIMARY KEY,
	admin_id   TEXT    NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
	csrf_token TEXT    NOT NULL,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
){{strict_without_rowid}};

-- Serve the admin cascade and the periodic purge of expired sessions.
CREATE INDEX admin_sessions_admin_id ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);

-- Bumped by every write transaction except session writes; instances compare it to learn that the
-- tenant's configuration changed.
CREATE TABLE tenant_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version {{bigint}} NOT NULL
){{strict}};

INSERT INTO tenant_version (id, version) VALUES (1, 1);
