package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orgauth/orgauth/internal/query"
	"github.com/orgauth/orgauth/internal/store"
)

// The user search (SPEC-users §7, "the q subset"): q in Auth0's Lucene syntax, as far as package query
// reads it, over the fields below; the search itself runs in the store.

// MaxUserSearchResults is how far offset paging of users reaches: a page that starts beyond it is refused.
const MaxUserSearchResults = 1000

// maxUserQueryBytes bounds q.
const maxUserQueryBytes = 2048

// UserSearchInput selects and orders users.
type UserSearchInput struct {
	// Query is q: "" selects every user.
	Query string
	// Sort is "<field>:1" or "<field>:-1", the field created_at, updated_at, last_login or email; "":
	// creation order.
	Sort string
}

// userQueryFields are the fields q may name, with the store field each searches and whether it takes
// a prefix (field:abc*).
var userQueryFields = map[string]struct {
	field      string
	prefix     bool
	ignoreCase bool
	lowercase  bool // the value is compared in lowercase, as stored
	boolean    bool
	dates      bool
}{
	"user_id":               {field: store.UserFieldID, prefix: true},
	"email":                 {field: store.UserFieldEmail, prefix: true, lowercase: true},
	"email_verified":        {field: store.UserFieldEmailVerified, boolean: true},
	"name":                  {field: store.UserFieldName, prefix: true, ignoreCase: true},
	"nickname":              {field: store.UserFieldNickname, prefix: true, ignoreCase: true},
	"given_name":            {field: store.UserFieldGivenName, prefix: true, ignoreCase: true},
	"family_name":           {field: store.UserFieldFamilyName, prefix: true, ignoreCase: true},
	"blocked":               {field: store.UserFieldBlocked, boolean: true},
	"identities.connection": {field: store.UserFieldConnection, prefix: true},
	"identities.provider":   {field: store.UserFieldProvider},
	"created_at":            {field: store.UserFieldCreatedAt, dates: true},
	"last_login":            {field: store.UserFieldLastLogin, dates: true},
}

// metadataFields are the prefixes of the metadata fields, app_metadata.<key> and user_metadata.<key>.
var metadataFields = map[string]string{"app_metadata.": store.UserFieldAppMetadata, "user_metadata.": store.UserFieldUserMetadata}

var userQuerySyntax = query.Syntax{
	Field: func(name string) bool {
		if _, ok := userQueryFields[name]; ok {
			return true
		}
		for prefix := range metadataFields {
			if key, ok := strings.CutPrefix(name, prefix); ok && key != "" && !strings.Contains(key, ".") {
				return true
			}
		}
		return false
	},
	Range:     func(name string) bool { return userQueryFields[name].dates },
	MinPrefix: 3,
	MaxBytes:  maxUserQueryBytes,
}

// UserSortFields are the fields users may be sorted by.
var UserSortFields = []string{store.UserFieldCreatedAt, store.UserSortUpdatedAt, store.UserFieldLastLogin, store.UserFieldEmail}

// errUserSearchTooDeep refuses a page that starts beyond MaxUserSearchResults.
var errUserSearchTooDeep = &Error{Kind: KindInvalid, Property: "page", Code: "invalid_query_string",
	Message: fmt.Sprintf("Requesting page exceeds the allowed maximum of %d records", MaxUserSearchResults)}

func queryRefusal(property, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Property: property, Code: "invalid_query_string",
		Message: fmt.Sprintf("Query validation error: '%s' on property %s.", fmt.Sprintf(format, args...), property)}
}

// SearchUsers lists the users in.Query selects, in in.Sort's order, by offset pages within the first
// MaxUserSearchResults (a page that reaches beyond them is cut there).
func (s *Service) SearchUsers(ctx context.Context, in UserSearchInput, p Page) (List[UserProfile], error) {
	search, err := parseUserSearch(in)
	if err != nil {
		return List[UserProfile]{}, err
	}
	if p.Checkpoint {
		return List[UserProfile]{}, queryRefusal("from", "Checkpoint paging is not available for users")
	}
	if p.Offset >= MaxUserSearchResults {
		return List[UserProfile]{}, errUserSearchTooDeep
	}
	if p.Limit <= 0 || p.Offset+p.Limit > MaxUserSearchResults {
		p.Limit = MaxUserSearchResults - p.Offset
	}
	l, err := s.store.SearchUsers(ctx, search, p)
	if err != nil {
		return List[UserProfile]{}, fmt.Errorf("search users: %w", err)
	}
	items, err := s.profiles(ctx, l.Items)
	return List[UserProfile]{Items: items, Total: l.Total}, err
}

// parseUserSearch turns q and sort into the store's search.
func parseUserSearch(in UserSearchInput) (store.UserSearch, error) {
	var out store.UserSearch
	if in.Sort != "" {
		field, dir, ok := strings.Cut(in.Sort, ":")
		if !ok || !slices.Contains(UserSortFields, field) || dir != "1" && dir != "-1" {
			return out, queryRefusal("sort", "Sort by one of %s, as <field>:1 or <field>:-1", strings.Join(UserSortFields, ", "))
		}
		out.Sort = store.UserSort{Field: field, Descending: dir == "-1"}
	}
	q, err := query.Parse(in.Query, userQuerySyntax)
	var qe *query.Error
	if errors.As(err, &qe) {
		return out, queryRefusal("q", "%s", qe.Error())
	}
	if err != nil {
		return out, fmt.Errorf("parse q: %w", err)
	}
	for _, group := range q.Any {
		var conds []store.UserCondition
		for _, t := range group {
			c, err := userCondition(t)
			if err != nil {
				return out, err
			}
			conds = append(conds, c)
		}
		out.Any = append(out.Any, conds)
	}
	return out, nil
}

// userCondition is the store condition of one term of q.
func userCondition(t query.Term) (store.UserCondition, error) {
	for prefix, field := range metadataFields {
		if key, ok := strings.CutPrefix(t.Field, prefix); ok {
			if t.Prefix || t.Range != nil {
				return store.UserCondition{}, queryRefusal("q", "%s takes only a value (first-level string equality)", t.Field)
			}
			return store.UserCondition{Field: field, Key: key, Value: t.Value}, nil
		}
	}
	f := userQueryFields[t.Field]
	c := store.UserCondition{Field: f.field, Value: t.Value, IgnoreCase: f.ignoreCase}
	switch {
	case f.dates:
		if t.Range == nil {
			return c, queryRefusal("q", "%s takes only a range, such as [2024-01-01 TO *]", t.Field)
		}
		c.Match = store.MatchRange
		c.FromInclusive, c.ToInclusive = t.Range.FromInclusive, t.Range.ToInclusive
		for _, b := range []struct {
			text string
			dst  *time.Time
		}{{t.Range.From, &c.From}, {t.Range.To, &c.To}} {
			if b.text == "" {
				continue
			}
			d, err := query.ParseDate(b.text)
			if err != nil {
				return c, queryRefusal("q", "%s", err.Error())
			}
			*b.dst = d
		}
	case f.boolean:
		if t.Prefix || t.Value != "true" && t.Value != "false" {
			return c, queryRefusal("q", "%s takes true or false", t.Field)
		}
		c.Bool, c.Value = t.Value == "true", ""
	case t.Prefix && !f.prefix:
		return c, queryRefusal("q", "%s takes no prefix (*)", t.Field)
	case t.Prefix:
		c.Match = store.MatchPrefix
	}
	if f.lowercase {
		c.Value = strings.ToLower(c.Value)
	}
	return c, nil
}
