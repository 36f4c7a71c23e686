package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/orgauth/orgauth/internal/store"
)

// The user search runs in the database: each condition becomes SQL over the users table (joined with
// connections when a condition needs the connection's name or strategy), so a search reads only the
// users it returns, and counts the others there.

// userTextColumns are the text columns of store.UserField*.
var userTextColumns = map[string]string{
	store.UserFieldID:         "u.id",
	store.UserFieldEmail:      "u.email",
	store.UserFieldName:       "u.name",
	store.UserFieldNickname:   "u.nickname",
	store.UserFieldGivenName:  "u.given_name",
	store.UserFieldFamilyName: "u.family_name",
	store.UserFieldConnection: "cn.name",
	store.UserFieldProvider:   "cn.strategy",
}

// userSortColumns are the columns SearchUsers sorts by; a user who never logged in sorts first.
var userSortColumns = map[string]string{
	store.UserFieldCreatedAt: "u.created_at",
	store.UserSortUpdatedAt:  "u.updated_at",
	store.UserFieldLastLogin: "u.last_login",
	store.UserFieldEmail:     "u.email",
	"":                       "",
}

// metadataKey is what a metadata key must be to be written into a JSON path.
var metadataKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// SearchUsers lists the users q selects, in its order.
func (s *Store) SearchUsers(ctx context.Context, q store.UserSearch, p store.Page) (store.List[store.User], error) {
	spec := listSpec{cols: userCols, from: "users u", seq: "u.seq"}
	col, ok := userSortColumns[q.Sort.Field]
	if !ok {
		return store.List[store.User]{}, fmt.Errorf("search users: no sort by %q", q.Sort.Field)
	}
	if col != "" {
		if q.Sort.Field == store.UserFieldEmail {
			col += s.d.binary
		}
		dir, nulls := " ASC NULLS FIRST", " ASC"
		if q.Sort.Descending {
			dir, nulls = " DESC NULLS LAST", " ASC"
		}
		spec.order = col + dir + ", u.seq" + nulls
	}
	var groups []string
	join := false
	for _, group := range q.Any {
		var conds []string
		for _, c := range group {
			cond, args, err := s.userCondition(c)
			if err != nil {
				return store.List[store.User]{}, fmt.Errorf("search users: %w", err)
			}
			conds = append(conds, "("+cond+")")
			spec.args = append(spec.args, args...)
			join = join || c.Field == store.UserFieldConnection || c.Field == store.UserFieldProvider
		}
		if len(conds) == 0 {
			conds = []string{"TRUE"}
		}
		groups = append(groups, strings.Join(conds, " AND "))
	}
	if len(groups) > 0 {
		spec.where = []string{"(" + strings.Join(groups, ") OR (") + ")"}
	}
	if join {
		spec.from = "users u JOIN connections cn ON cn.id = u.connection_id"
	}
	var out store.List[store.User]
	err := s.read(ctx, func(c conn) (err error) {
		out, err = list(ctx, c, spec, p, scanUser)
		return err
	})
	return out, s.fail(err, "search users")
}

// userCondition is the SQL of one condition and its arguments.
func (s *Store) userCondition(c store.UserCondition) (string, []any, error) {
	never := func() (string, []any, error) { return "FALSE", nil, nil }
	switch c.Field {
	case store.UserFieldEmailVerified, store.UserFieldBlocked:
		if c.Match != store.MatchEqual {
			return "", nil, fmt.Errorf("%s takes only equality", c.Field)
		}
		if c.Field == store.UserFieldEmailVerified {
			return "u.email_verified = ?", []any{c.Bool}, nil
		}
		if c.Bool {
			return "u.blocked = ?", []any{true}, nil
		}
		return "u.blocked IS NULL OR u.blocked = ?", []any{false}, nil

	case store.UserFieldCreatedAt, store.UserFieldLastLogin:
		if c.Match != store.MatchRange {
			return "", nil, fmt.Errorf("%s takes only a range", c.Field)
		}
		col := "u." + c.Field
		conds := []string{col + " IS NOT NULL"}
		var args []any
		if !c.From.IsZero() {
			op := " > ?"
			if c.FromInclusive {
				op = " >= ?"
			}
			conds, args = append(conds, col+op), append(args, c.From.UTC())
		}
		if !c.To.IsZero() {
			op := " < ?"
			if c.ToInclusive {
				op = " <= ?"
			}
			conds, args = append(conds, col+op), append(args, c.To.UTC())
		}
		return strings.Join(conds, " AND "), args, nil

	case store.UserFieldAppMetadata, store.UserFieldUserMetadata:
		if c.Match != store.MatchEqual {
			return "", nil, fmt.Errorf("%s takes only equality", c.Field)
		}
		if !metadataKey.MatchString(c.Key) || !s.holds(c.Value) {
			return never()
		}
		cond, args := s.d.metadataString("u."+c.Field, c.Key, c.Value)
		return cond, args, nil
	}

	col, ok := userTextColumns[c.Field]
	if !ok {
		return "", nil, fmt.Errorf("no user field %q", c.Field)
	}
	if !s.holds(c.Value) {
		return never()
	}
	value := c.Value
	if c.IgnoreCase {
		col, value = "lower("+col+s.d.binary+")", lowerASCII(value)
	}
	switch c.Match {
	case store.MatchEqual:
		return col + " = ?", []any{value}, nil
	case store.MatchPrefix:
		cond, args := s.d.prefix(col, value)
		return cond, args, nil
	}
	return "", nil, fmt.Errorf("%s takes equality or a prefix", c.Field)
}

// lowerASCII changes the ASCII capitals of s, and nothing else, to lowercase, as lower() does under
// the binary collation.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
