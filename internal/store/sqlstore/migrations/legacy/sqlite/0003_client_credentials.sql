-- private_key_jwt client authentication: the public keys a client signs its assertions with, and the
-- client's references to the ones in use (client_authentication_methods.private_key_jwt.credentials), a
-- JSON array of credential ids, NULL when private_key_jwt is not configured.
ALTER TABLE clients ADD COLUMN private_key_jwt_credentials TEXT;

CREATE TABLE client_credentials (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	id              TEXT    NOT NULL UNIQUE,
	client_id       TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	name            TEXT    NOT NULL,
	credential_type TEXT    NOT NULL,
	kid             TEXT    NOT NULL,
	alg             TEXT    NOT NULL,
	pem             TEXT    NOT NULL,
	expires_at      INTEGER,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

-- Serves the list of a client's credentials, its count and the client cascade.
CREATE INDEX client_credentials_client_id ON client_credentials (client_id);
