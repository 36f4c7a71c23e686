-- private_key_jwt client authentication: the public keys a client signs its assertions with, and the
-- client's references to the ones in use (client_authentication_methods.private_key_jwt.credentials), a
-- JSON array of credential ids, NULL when private_key_jwt is not configured.
ALTER TABLE clients ADD COLUMN private_key_jwt_credentials text;

CREATE TABLE client_credentials (
	seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id              text        NOT NULL UNIQUE,
	client_id       text        NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	name            text        NOT NULL,
	credential_type text        NOT NULL,
	kid             text        NOT NULL,
	alg             text        NOT NULL,
	pem             text        NOT NULL,
	expires_at      timestamptz,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL
);

-- Serves the list of a client's credentials, its count and the client cascade.
CREATE INDEX client_credentials_client_id ON client_credentials (client_id);
