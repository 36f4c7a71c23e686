-- Initial schema. Every table has an integer sequence (seq) that orders lists by creation and backs
-- checkpoint cursors; AUTOINCREMENT keeps a deleted row's seq from being handed out again, which would
-- let a new row hide behind a cursor issued before. Times are Unix microseconds in UTC. JSON text columns hold slices and maps; NULL
-- stands for empty. Constraints do the integrity work: unique keys report duplicates, foreign keys
-- report missing references and cascade deletes.

CREATE TABLE resource_servers (
	seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
	id                   TEXT    NOT NULL UNIQUE,
	identifier           TEXT    NOT NULL UNIQUE,
	name                 TEXT    NOT NULL,
	scopes               TEXT,
	signing_alg          TEXT    NOT NULL,
	token_lifetime       INTEGER NOT NULL,
	allow_offline_access INTEGER NOT NULL,
	is_system            INTEGER NOT NULL,
	created_at           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL
) STRICT;

CREATE TABLE organizations (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	id           TEXT    NOT NULL UNIQUE,
	name         TEXT    NOT NULL UNIQUE,
	display_name TEXT    NOT NULL,
	branding     TEXT,
	metadata     TEXT,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE clients (
	seq                           INTEGER PRIMARY KEY AUTOINCREMENT,
	client_id                     TEXT    NOT NULL UNIQUE,
	name                          TEXT    NOT NULL,
	description                   TEXT    NOT NULL,
	app_type                      TEXT    NOT NULL,
	grant_types                   TEXT,
	token_endpoint_auth_method    TEXT    NOT NULL,
	secret_hash                   BLOB,
	-- NULL means no default organization; deleting the organization clears it.
	default_org_id                TEXT REFERENCES organizations (id) ON DELETE SET NULL,
	default_org_flows             TEXT,
	organization_usage            TEXT    NOT NULL,
	organization_require_behavior TEXT    NOT NULL,
	created_at                    INTEGER NOT NULL,
	updated_at                    INTEGER NOT NULL
) STRICT;

-- Serves ON DELETE SET NULL when an organization goes.
CREATE INDEX clients_default_org_id ON clients (default_org_id) WHERE default_org_id IS NOT NULL;

CREATE TABLE client_grants (
	seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
	id                     TEXT    NOT NULL UNIQUE,
	client_id              TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	audience               TEXT    NOT NULL REFERENCES resource_servers (identifier) ON DELETE CASCADE,
	scope                  TEXT,
	organization_usage     TEXT    NOT NULL,
	allow_any_organization INTEGER NOT NULL,
	subject_type           TEXT    NOT NULL,
	created_at             INTEGER NOT NULL,
	updated_at             INTEGER NOT NULL,
	-- One grant per client and audience; also the token endpoint's lookup and the client cascade.
	UNIQUE (client_id, audience)
) STRICT;

-- Serves the audience filter and the resource server cascade.
CREATE INDEX client_grants_audience ON client_grants (audience);

-- Organization client grants reference both sides by seq: at a million rows, two integers per row keep
-- the table and its indexes small. The primary key clusters an organization's grants together (insert,
-- duplicate check, count and list by organization are one index range); the second index serves the
-- reverse list and the grant cascade.
CREATE TABLE organization_client_grants (
	org_seq   INTEGER NOT NULL REFERENCES organizations (seq) ON DELETE CASCADE,
	grant_seq INTEGER NOT NULL REFERENCES client_grants (seq) ON DELETE CASCADE,
	PRIMARY KEY (org_seq, grant_seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX organization_client_grants_grant ON organization_client_grants (grant_seq, org_seq);

CREATE TABLE tenant_settings (
	id                                            INTEGER PRIMARY KEY CHECK (id = 1),
	allow_organization_name_in_authentication_api INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO tenant_settings (id) VALUES (1);

CREATE TABLE tenant_secrets (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE signing_keys (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	kid         TEXT    NOT NULL UNIQUE,
	alg         TEXT    NOT NULL,
	private_key BLOB    NOT NULL,
	state       TEXT    NOT NULL CHECK (state IN ('next', 'current', 'previous')),
	created_at  INTEGER NOT NULL,
	retired_at  INTEGER
) STRICT;

-- At most one current and one next key per algorithm.
CREATE UNIQUE INDEX signing_keys_alg_state ON signing_keys (alg, state) WHERE state IN ('next', 'current');
