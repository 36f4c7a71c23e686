-- A person's login in progress, from /authorize to the code: what the login pages need to carry (the
-- request's parameters, the organization once known), held server-side so that any instance serves any
-- step. The browser holds the id, only its hash is stored, with the hash of the browser's binding
-- secret. Written without bumping the tenant version, as login sessions.
CREATE TABLE login_transactions (
	id_hash      {{bytes}} PRIMARY KEY,
	browser_hash {{bytes}} NOT NULL,
	data         {{bytes}} NOT NULL,
	created_at   {{time}} NOT NULL,
	expires_at   {{time}} NOT NULL
){{strict}};

CREATE INDEX login_transactions_expires_at ON login_transactions (expires_at);
