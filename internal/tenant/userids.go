package tenant

import (
	"crypto/rand"
	"encoding/hex"
)

// The ids of the people half (SPEC-users §7).

func newConnectionID() string { return "con_" + randomAlphanumeric(16) }

// newDatabaseUserID is the id of a new user of a database connection: auth0| and 24 lowercase hex.
func newDatabaseUserID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return databaseUserPrefix + hex.EncodeToString(b)
}

// databaseUserPrefix starts the id of every database user: its provider, auth0.
const databaseUserPrefix = "auth0|"
