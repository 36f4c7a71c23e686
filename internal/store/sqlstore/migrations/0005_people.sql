-- Version 5: the people half (SPEC-users §7-§11): connections and their users, organization members
-- and roles, invitations, and what a person's login leaves behind (login sessions, authorization codes,
-- refresh tokens); and the columns that clients, APIs and the tenant settings gain for user flows.
-- Placeholders as in 0003_baseline.sql. Associations reference both sides by seq, as
-- organization_client_grants does; the rows of the login tables reference users by id, so that a
-- lookup by hash needs no join.

-- New columns of existing records, with the defaults SPEC-users gives existing rows. Lists are JSON in
-- text columns, NULL when empty; the refresh-token configuration is one JSON object.
ALTER TABLE clients ADD COLUMN callbacks TEXT;
ALTER TABLE clients ADD COLUMN allowed_logout_urls TEXT;
ALTER TABLE clients ADD COLUMN initiate_login_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN organization_discovery_methods TEXT;
ALTER TABLE clients ADD COLUMN id_token_lifetime {{bigint}} NOT NULL DEFAULT 3600;
ALTER TABLE clients ADD COLUMN refresh_token TEXT NOT NULL DEFAULT '{"rotation_type":"rotating","expiration_type":"expiring","leeway":0,"token_lifetime":2592000,"idle_token_lifetime":1296000,"infinite_token_lifetime":false,"infinite_idle_token_lifetime":false}';
UPDATE clients SET organization_discovery_methods = '["email"]';

ALTER TABLE resource_servers ADD COLUMN enforce_policies {{bool}} NOT NULL DEFAULT {{false}};
ALTER TABLE resource_servers ADD COLUMN token_dialect TEXT NOT NULL DEFAULT 'access_token';

ALTER TABLE tenant_settings ADD COLUMN default_redirection_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN allowed_logout_urls TEXT;
ALTER TABLE tenant_settings ADD COLUMN session_lifetime {{bigint}} NOT NULL DEFAULT 168;
ALTER TABLE tenant_settings ADD COLUMN idle_session_lifetime {{bigint}} NOT NULL DEFAULT 72;

-- Where users authenticate. options is an opaque JSON document that the tenant validates.
CREATE TABLE connections (
	seq                  {{seq}},
	id                   TEXT    NOT NULL UNIQUE,
	name                 TEXT    NOT NULL UNIQUE,
	display_name         TEXT    NOT NULL,
	strategy             TEXT    NOT NULL,
	options              TEXT,
	show_as_button       {{bool}} NOT NULL,
	realms               TEXT,
	metadata             TEXT,
	is_domain_connection {{bool}} NOT NULL,
	created_at           {{time}} NOT NULL,
	updated_at           {{time}} NOT NULL
){{strict}};

-- The clients a connection is enabled for. The primary key serves a connection's list in client
-- order; the second index the reverse list and the client cascade.
CREATE TABLE connection_clients (
	conn_seq   {{bigint}} NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
	client_seq {{bigint}} NOT NULL REFERENCES clients (seq) ON DELETE CASCADE,
	PRIMARY KEY (conn_seq, client_seq)
){{strict_without_rowid}};

CREATE INDEX connection_clients_client ON connection_clients (client_seq, conn_seq);

-- Users, each of one connection, which deleting takes its users along. Emails are stored in lowercase
-- and unique per connection when there is one (an upstream provider may send none); the unique index
-- also serves users-by-email. blocked is NULL until it has been set; the metadata are JSON objects.
CREATE TABLE users (
	seq                 {{seq}},
	id                  TEXT    NOT NULL UNIQUE,
	connection_id       TEXT    NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
	email               TEXT    NOT NULL,
	email_verified      {{bool}} NOT NULL,
	name                TEXT    NOT NULL,
	given_name          TEXT    NOT NULL,
	family_name         TEXT    NOT NULL,
	nickname            TEXT    NOT NULL,
	picture             TEXT    NOT NULL,
	blocked             {{bool}},
	app_metadata        TEXT,
	user_metadata       TEXT,
	password_hash       TEXT    NOT NULL,
	created_at          {{time}} NOT NULL,
	updated_at          {{time}} NOT NULL,
	last_login          {{time}},
	last_password_reset {{time}},
	logins_count        {{bigint}} NOT NULL
){{strict}};

CREATE UNIQUE INDEX users_email_connection ON users (email, connection_id) WHERE email <> '';
-- Serves the connection filter in creation order and the connection cascade.
CREATE INDEX users_connection ON users (connection_id, seq);

-- Organization members, in join order (seq). The unique key serves an organization's list and the
-- membership check; the second index a user's organizations and the user cascade.
CREATE TABLE organization_members (
	seq       {{seq}},
	org_seq   {{bigint}} NOT NULL REFERENCES organizations (seq) ON DELETE CASCADE,
	user_seq  {{bigint}} NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
	joined_at {{time}} NOT NULL,
	UNIQUE (org_seq, user_seq)
){{strict}};

CREATE INDEX organization_members_org ON organization_members (org_seq, seq);
CREATE INDEX organization_members_user ON organization_members (user_seq, seq);

-- Roles; name_lower is the name in lowercase, for the case-insensitive name filter.
CREATE TABLE roles (
	seq         {{seq}},
	id          TEXT    NOT NULL UNIQUE,
	name        TEXT    NOT NULL UNIQUE,
	name_lower  TEXT    NOT NULL,
	description TEXT    NOT NULL,
	created_at  {{time}} NOT NULL,
	updated_at  {{time}} NOT NULL
){{strict}};

-- A role's permissions, each a scope of an API, in the order they were added; deleting the API or the
-- role removes them.
CREATE TABLE role_permissions (
	seq             {{seq}},
	role_seq        {{bigint}} NOT NULL REFERENCES roles (seq) ON DELETE CASCADE,
	api_seq         {{bigint}} NOT NULL REFERENCES resource_servers (seq) ON DELETE CASCADE,
	permission_name TEXT    NOT NULL,
	UNIQUE (role_seq, api_seq, permission_name)
){{strict}};

CREATE INDEX role_permissions_api ON role_permissions (api_seq);

-- A user's tenant roles.
CREATE TABLE user_roles (
	user_seq {{bigint}} NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
	role_seq {{bigint}} NOT NULL REFERENCES roles (seq) ON DELETE CASCADE,
	PRIMARY KEY (user_seq, role_seq)
){{strict_without_rowid}};

CREATE INDEX user_roles_role ON user_roles (role_seq);

-- A user's roles in an organization. They do not need a membership (they take effect once the user is
-- a member); removing the member removes them.
CREATE TABLE member_roles (
	org_seq  {{bigint}} NOT NULL REFERENCES organizations (seq) ON DELETE CASCADE,
	user_seq {{bigint}} NOT NULL REFERENCES users (seq) ON DELETE CASCADE,
	role_seq {{bigint}} NOT NULL REFERENCES roles (seq) ON DELETE CASCADE,
	PRIMARY KEY (org_seq, user_seq, role_seq)
){{strict_without_rowid}};

CREATE INDEX member_roles_user ON member_roles (user_seq, org_seq);
CREATE INDEX member_roles_role ON member_roles (role_seq);

-- The connections enabled for an organization.
CREATE TABLE organization_connections (
	org_seq                    {{bigint}} NOT NULL REFERENCES organizations (seq) ON DELETE CASCADE,
	conn_seq                   {{bigint}} NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
	assign_membership_on_login {{bool}} NOT NULL,
	show_as_button             {{bool}} NOT NULL,
	is_signup_enabled          {{bool}} NOT NULL,
	PRIMARY KEY (org_seq, conn_seq)
){{strict_without_rowid}};

CREATE INDEX organization_connections_conn ON organization_connections (conn_seq, org_seq);

-- Invitations to join an organization. invitee_email is lowercase; the metadata are JSON objects. The
-- organization, the client and the connection take their invitations along; roles are rows of
-- invitation_roles, in the order given (pos), so that deleting a role removes it from them.
CREATE TABLE invitations (
	seq                   {{seq}},
	id                    TEXT    NOT NULL UNIQUE,
	organization_id       TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	inviter_name          TEXT    NOT NULL,
	invitee_email         TEXT    NOT NULL,
	client_id             TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	connection_id         TEXT    REFERENCES connections (id) ON DELETE CASCADE,
	app_metadata          TEXT,
	user_metadata         TEXT,
	ticket_id             TEXT    NOT NULL UNIQUE,
	send_invitation_email {{bool}} NOT NULL,
	created_at            {{time}} NOT NULL,
	expires_at            {{time}} NOT NULL
){{strict}};

CREATE INDEX invitations_organization ON invitations (organization_id, created_at);
CREATE INDEX invitations_invitee ON invitations (organization_id, invitee_email);
CREATE INDEX invitations_client ON invitations (client_id);
CREATE INDEX invitations_connection ON invitations (connection_id) WHERE connection_id IS NOT NULL;
CREATE INDEX invitations_expires_at ON invitations (expires_at);

CREATE TABLE invitation_roles (
	inv_seq  {{bigint}} NOT NULL REFERENCES invitations (seq) ON DELETE CASCADE,
	role_seq {{bigint}} NOT NULL REFERENCES roles (seq) ON DELETE CASCADE,
	pos      {{bigint}} NOT NULL,
	PRIMARY KEY (inv_seq, role_seq)
){{strict_without_rowid}};

CREATE INDEX invitation_roles_role ON invitation_roles (role_seq);

-- What a login leaves behind. Only SHA-256 hashes of the secrets are stored. These tables are written
-- without bumping the tenant version (see logins.go).

-- Login sessions: the browser holds the id, the store its hash.
CREATE TABLE login_sessions (
	id_hash         {{bytes}} NOT NULL PRIMARY KEY,
	user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	connection_id   TEXT    NOT NULL,
	auth_time       {{time}} NOT NULL,
	last_seen       {{time}} NOT NULL,
	created_at      {{time}} NOT NULL,
	expires_at      {{time}} NOT NULL,
	idle_expires_at {{time}} NOT NULL
){{strict_without_rowid}};

CREATE INDEX login_sessions_user ON login_sessions (user_id);
CREATE INDEX login_sessions_expires_at ON login_sessions (expires_at);
CREATE INDEX login_sessions_idle_expires_at ON login_sessions (idle_expires_at);

-- Authorization codes. used_at is set by the first redemption, with the refresh-token family it
-- issues from; the organization (NULL for none) must still exist at redemption.
CREATE TABLE authorization_codes (
	code_hash             {{bytes}} NOT NULL PRIMARY KEY,
	client_id             TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	redirect_uri          TEXT    NOT NULL,
	code_challenge        TEXT    NOT NULL,
	code_challenge_method TEXT    NOT NULL,
	user_id               TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	session_hash          {{bytes}},
	organization_id       TEXT    REFERENCES organizations (id) ON DELETE CASCADE,
	audience              TEXT    NOT NULL,
	scopes                TEXT,
	nonce                 TEXT    NOT NULL,
	auth_time             {{time}} NOT NULL,
	created_at            {{time}} NOT NULL,
	expires_at            {{time}} NOT NULL,
	used_at               {{time}},
	family_id             TEXT
){{strict_without_rowid}};

CREATE INDEX authorization_codes_client ON authorization_codes (client_id);
CREATE INDEX authorization_codes_user ON authorization_codes (user_id);
CREATE INDEX authorization_codes_organization ON authorization_codes (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

-- Refresh tokens: a family per grant (per redeemed code), whose row holds what its tokens share and is
-- the lock that rotations of the family take; a row per token, counter 0 first. The current token is
-- the one whose counter is the family's latest_counter; the others have been used.
CREATE TABLE refresh_token_families (
	family_id       TEXT    NOT NULL PRIMARY KEY,
	client_id       TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	organization_id TEXT    REFERENCES organizations (id) ON DELETE CASCADE,
	audience        TEXT    NOT NULL,
	scopes          TEXT,
	session_hash    {{bytes}},
	expires_at      {{time}},
	idle_expires_at {{time}},
	latest_counter  {{bigint}} NOT NULL,
	revoked_at      {{time}}
){{strict_without_rowid}};

CREATE INDEX refresh_token_families_user ON refresh_token_families (user_id, organization_id);
CREATE INDEX refresh_token_families_client ON refresh_token_families (client_id);
CREATE INDEX refresh_token_families_organization ON refresh_token_families (organization_id) WHERE organization_id IS NOT NULL;

CREATE TABLE refresh_tokens (
	token_hash {{bytes}} NOT NULL PRIMARY KEY,
	family_id  TEXT    NOT NULL REFERENCES refresh_token_families (family_id) ON DELETE CASCADE,
	counter    {{bigint}} NOT NULL,
	created_at {{time}} NOT NULL,
	UNIQUE (family_id, counter)
){{strict_without_rowid}};
