package store

import "time"

// UserSearch selects and orders users for SearchUsers: the users that meet every condition of at
// least one group of Any (no groups: every user), in Sort's order.
type UserSearch struct {
	Any  [][]UserCondition
	Sort UserSort
}

// The fields a UserCondition tests.
const (
	UserFieldID            = "user_id"
	UserFieldEmail         = "email" // compared as stored, in lowercase: give a lowercase Value
	UserFieldEmailVerified = "email_verified"
	UserFieldName          = "name"
	UserFieldNickname      = "nickname"
	UserFieldGivenName     = "given_name"
	UserFieldFamilyName    = "family_name"
	UserFieldBlocked       = "blocked"      // Bool true: blocked; false: not blocked (unset or false)
	UserFieldConnection    = "connection"   // the name of the user's connection
	UserFieldProvider      = "provider"     // the strategy of the user's connection
	UserFieldAppMetadata   = "app_metadata" // the first-level Key of the metadata, a JSON string
	UserFieldUserMetadata  = "user_metadata"
	UserFieldCreatedAt     = "created_at"
	UserFieldLastLogin     = "last_login" // a user who never logged in has none: no range matches
)

// Match says how a UserCondition compares.
type Match int

// The ways a UserCondition compares.
const (
	MatchEqual  Match = iota // the field equals Value (text fields) or Bool (email_verified, blocked)
	MatchPrefix              // the field starts with Value (text fields other than the metadata)
	MatchRange               // the time field lies between From and To (created_at, last_login)
)

// UserCondition is one test of a user's field.
type UserCondition struct {
	Field string // a UserField* constant
	// Key is the first-level key of the metadata fields, of letters, digits, '_' and '-' (a key with
	// other characters matches nothing).
	Key   string
	Match Match
	Value string
	// IgnoreCase compares Value with the field ignoring the case of ASCII letters (text fields other
	// than the metadata); other characters compare exactly, on every engine.
	IgnoreCase bool
	Bool       bool
	// From and To bound MatchRange; a zero time leaves that end open. Each bound is included when its
	// Inclusive flag is set.
	From, To                   time.Time
	FromInclusive, ToInclusive bool
}

// UserSort orders SearchUsers: by Field ("": creation order), descending when Descending. Users with
// equal values (no last login, say, which sorts before any login) come in creation order.
type UserSort struct {
	Field      string // "", UserFieldCreatedAt, "updated_at", UserFieldLastLogin or UserFieldEmail
	Descending bool
}

// UserSortUpdatedAt sorts by the time of the last update.
const UserSortUpdatedAt = "updated_at"
