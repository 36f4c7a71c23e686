-- Initial schema, with the semantics of the SQLite backend's migrations. Every entity table has a seq
-- (an identity, never handed out twice) that orders lists by creation and backs checkpoint cursors.
-- Times are timestamptz (microseconds). Slices and maps are JSON in text columns, where NULL stands for
-- empty; text rather than jsonb keeps the JSON byte for byte, and nothing queries inside it. Constraints
-- do the integrity work: unique keys report duplicates, foreign keys report missing references and
-- cascade deletes.

CREATE TABLE resource_servers (
	seq                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                   text        NOT NULL UNIQUE,
	identifier           text        NOT NULL UNIQUE,
	name                 text        NOT NULL,
	scopes               text,
	signing_alg          text        NOT NULL,
	token_lifetime       bigint      NOT NULL,
	allow_offline_access boolean     NOT NULL,
	is_system            boolean     NOT NULL,
	created_at           timestamptz NOT NULL,
	updated_at           timestamptz NOT NULL
);

CREATE TABLE organizations (
	seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           text        NOT NULL UNIQUE,
	name         text        NOT NULL UNIQUE,
	display_name text        NOT NULL,
	branding     text,
	metadata     text,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL
);

CREATE TABLE clients (
	seq                           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	client_id                     text        NOT NULL UNIQUE,
	name                          text        NOT NULL,
	description                   text        NOT NULL,
	app_type                      text        NOT NULL,
	grant_types                   text,
	token_endpoint_auth_method    text        NOT NULL,
	secret_hash                   bytea,
	-- NULL means no default organization; deleting the organization clears it.
	default_org_id                text REFERENCES organizations (id) ON DELETE SET NULL,
	default_org_flows             text,
	organization_usage            text        NOT NULL,
	organization_require_behavior text        NOT NULL,
	created_at                    timestamptz NOT NULL,
	updated_at                    timestamptz NOT NULL
);

-- Serves ON DELETE SET NULL when an organization goes.
CREATE INDEX clients_default_org_id ON clients (default_org_id) WHERE default_org_id IS NOT NULL;

CREATE TABLE client_grants (
	seq                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id                     text        NOT NULL UNIQUE,
	client_id              text        NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	-- ON UPDATE CASCADE: moving the Management API to a new issuer moves its grants along.
	audience               text        NOT NULL REFERENCES resource_servers (identifier) ON DELETE CASCADE ON UPDATE CASCADE,
	scope                  text,
	organization_usage     text        NOT NULL,
	allow_any_organization boolean     NOT NULL,
	subject_type           text        NOT NULL,
	created_at             timestamptz NOT NULL,
	updated_at             timestamptz NOT NULL,
	-- One grant per client and audience; also the token endpoint's lookup and the client cascade.
	UNIQUE (client_id, audience)
);

-- Serves the audience filter and the resource server cascade.
CREATE INDEX client_grants_audience ON client_grants (audience);

-- Organization client grants reference both sides by seq: at a million rows, two integers per row keep
-- the table and its indexes small. The primary key serves insert, duplicate check, count and list by
-- organization; the second index serves the reverse list and the grant cascade.
CREATE TABLE organization_client_grants (
	org_seq   bigint NOT NULL REFERENCES organizations (seq) ON DELETE CASCADE,
	grant_seq bigint NOT NULL REFERENCES client_grants (seq) ON DELETE CASCADE,
	PRIMARY KEY (org_seq, grant_seq)
);

CREATE INDEX organization_client_grants_grant ON organization_client_grants (grant_seq, org_seq);

CREATE TABLE tenant_settings (
	id                                            integer PRIMARY KEY CHECK (id = 1),
	allow_organization_name_in_authentication_api boolean NOT NULL DEFAULT false
);

INSERT INTO tenant_settings (id) VALUES (1);

CREATE TABLE tenant_secrets (
	name  text  PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE signing_keys (
	seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kid         text        NOT NULL UNIQUE,
	alg         text        NOT NULL,
	private_key bytea       NOT NULL,
	state       text        NOT NULL CHECK (state IN ('next', 'current', 'previous')),
	created_at  timestamptz NOT NULL,
	retired_at  timestamptz
);

-- At most one current and one next key per algorithm.
CREATE UNIQUE INDEX signing_keys_alg_state ON signing_keys (alg, state) WHERE state IN ('next', 'current');

CREATE TABLE admins (
	seq           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id            text        NOT NULL UNIQUE,
	email         text        NOT NULL UNIQUE,
	password_hash text        NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL
);

-- Only a hash of a session's token is stored. Deleting an admin deletes its sessions.
CREATE TABLE admin_sessions (
	token_hash bytea       PRIMARY KEY,
	admin_id   text        NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
	csrf_token text        NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);

-- Serve the admin cascade and the periodic purge of expired sessions.
CREATE INDEX admin_sessions_admin_id ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);

-- Bumped by every write transaction except session writes; instances compare it to learn that the
-- tenant's configuration changed.
CREATE TABLE tenant_version (
	id      integer PRIMARY KEY CHECK (id = 1),
	version bigint  NOT NULL
);

INSERT INTO tenant_version (id, version) VALUES (1, 1);
