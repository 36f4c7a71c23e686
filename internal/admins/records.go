package admins

import "github.com/orgauth/orgauth/internal/store"

// The store's records under this package's name, as package tenant does for its own: they are what the
// dashboard reads of a signed-in administrator (Session.Admin, Session.Session), so that it needs no import
// of the store. Aliases, not copies.

// Admin is a tenant administrator who signs in to the dashboard.
type Admin = store.Admin

// StoredSession is a sign-in session as the store keeps it: the SHA-256 of its token, the administrator,
// its CSRF token and its lifetime.
type StoredSession = store.Session
