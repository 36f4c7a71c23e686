// Package query parses the subset of Auth0's Lucene query syntax that orgauth supports in the q
// parameter of user and log searches: terms field:value, field:"quoted value", field:prefix* and
// field:[A TO B] (or {A TO B}, * for an open end), joined by spaces or AND, or by OR. AND binds tighter
// than OR, so a query is an OR of AND groups. Parentheses, NOT, fuzzy (~), single-character
// wildcards (?), boosts and regular expressions are refused, as is any field the caller does not list.
package query

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Query is an OR of AND groups of terms; no groups matches everything.
type Query struct {
	Any [][]Term
}

// Term is one field:value condition.
type Term struct {
	Field  string // "" for a bare term, when the caller allows them
	Value  string // unquoted; for Prefix, without the *
	Prefix bool   // value*: the field starts with Value
	Range  *Range // field:[A TO B]; Value is then ""
}

// Range bounds a field; an empty From or To is open (*).
type Range struct {
	From, To                   string
	FromInclusive, ToInclusive bool // [ and ] include the bound, { and } exclude it
}

// Syntax is what the caller accepts.
type Syntax struct {
	// Field reports whether a field name may be searched.
	Field func(name string) bool
	// Range reports whether a field takes a range.
	Range func(name string) bool
	// Bare allows terms without a field.
	Bare bool
	// MinPrefix is the least number of characters before a trailing *.
	MinPrefix int
	// MaxBytes bounds the query's length.
	MaxBytes int
}

// Error is a query Parse refuses, with what is wrong with it.
type Error struct{ Reason string }

func (e *Error) Error() string { return "invalid query: " + e.Reason }

func fail(format string, args ...any) error { return &Error{Reason: fmt.Sprintf(format, args...)} }

// Parse parses q under syntax s.
func Parse(q string, s Syntax) (Query, error) {
	if s.MaxBytes > 0 && len(q) > s.MaxBytes {
		return Query{}, fail("longer than %d bytes", s.MaxBytes)
	}
	if !utf8.ValidString(q) {
		return Query{}, fail("not valid UTF-8")
	}
	tokens, err := tokenize(q)
	if err != nil {
		return Query{}, err
	}
	var query Query
	var group []Term
	expectTerm := true // at the start and after an operator
	for _, tok := range tokens {
		switch tok {
		case "AND", "OR":
			if expectTerm {
				return Query{}, fail("%s without a term before it", tok)
			}
			if tok == "OR" {
				query.Any = append(query.Any, group)
				group = nil
			}
			expectTerm = true
			continue
		case "NOT", "&&", "||", "!":
			return Query{}, fail("%s is not supported", tok)
		}
		t, err := parseTerm(tok, s)
		if err != nil {
			return Query{}, err
		}
		group = append(group, t)
		expectTerm = false
	}
	if expectTerm && len(tokens) > 0 {
		return Query{}, fail("ends with an operator")
	}
	if len(group) > 0 {
		query.Any = append(query.Any, group)
	}
	return query, nil
}

// tokenize splits q at spaces outside quotes and range brackets.
func tokenize(q string) ([]string, error) {
	var tokens []string
	start, inQuote, inRange := -1, false, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++ // the escaped character
			} else if c == '"' {
				inQuote = false
			}
		case inRange:
			if c == ']' || c == '}' {
				inRange = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if start >= 0 {
				tokens = append(tokens, q[start:i])
				start = -1
			}
			continue
		case c == '"':
			inQuote = true
		case c == '[' || c == '{':
			inRange = true
		}
		if start < 0 {
			start = i
		}
	}
	if inQuote {
		return nil, fail("unterminated quote")
	}
	if inRange {
		return nil, fail("unterminated range")
	}
	if start >= 0 {
		tokens = append(tokens, q[start:])
	}
	return tokens, nil
}

func parseTerm(tok string, s Syntax) (Term, error) {
	if tok[0] == '-' || tok[0] == '+' {
		return Term{}, fail("%c before a term is not supported", tok[0])
	}
	field, value, hasField := cutField(tok)
	var t Term
	if hasField {
		if field == "" || !validFieldName(field) || s.Field == nil || !s.Field(field) {
			return Term{}, fail("field %q cannot be searched", field)
		}
		t.Field = field
	} else if !s.Bare {
		return Term{}, fail("%q has no field", tok)
	}
	switch {
	case value == "":
		return Term{}, fail("%q has no value", tok)
	case value[0] == '"':
		v, err := unquote(value)
		if err != nil {
			return Term{}, err
		}
		t.Value = v
	case value[0] == '[' || value[0] == '{':
		if !hasField || s.Range == nil || !s.Range(field) {
			return Term{}, fail("field %q does not take a range", field)
		}
		r, err := parseRange(value)
		if err != nil {
			return Term{}, err
		}
		t.Range = &r
	default:
		if strings.ContainsAny(value, `()[]{}"?~\^`) {
			return Term{}, fail("%q: parentheses, wildcards other than a final *, fuzzy, boosts and escapes are not supported", tok)
		}
		if before, found := strings.CutSuffix(value, "*"); found {
			if utf8.RuneCountInString(before) < max(s.MinPrefix, 1) {
				return Term{}, fail("a prefix needs at least %d characters before *", max(s.MinPrefix, 1))
			}
			value, t.Prefix = before, true
		}
		if strings.Contains(value, "*") {
			return Term{}, fail("%q: * is supported only at the end", tok)
		}
		t.Value = value
	}
	return t, nil
}

// cutField splits field:value at the first colon outside quotes; a token starting with a quote or a
// bracket has no field.
func cutField(tok string) (field, value string, ok bool) {
	if tok[0] == '"' || tok[0] == '[' || tok[0] == '{' {
		return "", tok, false
	}
	field, value, ok = strings.Cut(tok, ":")
	if !ok {
		return "", tok, false // a bare term: the whole token is its value
	}
	return field, value, true
}

func validFieldName(name string) bool {
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// unquote reads "…" with \" and \\ escapes; nothing may follow the closing quote.
func unquote(s string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || s[i+1] != '"' && s[i+1] != '\\' {
				return "", fail("only \\\" and \\\\ may be escaped in a quoted value")
			}
			i++
			b.WriteByte(s[i])
		case '"':
			if i != len(s)-1 {
				return "", fail("text after a closing quote")
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", fail("unterminated quote")
}

// parseRange reads [A TO B], {A TO B} or a mix; * is an open end.
func parseRange(s string) (Range, error) {
	last := s[len(s)-1] // s starts with [ or {
	if len(s) < 2 || last != ']' && last != '}' {
		return Range{}, fail("a range ends with ] or }")
	}
	parts := strings.Fields(s[1 : len(s)-1])
	if len(parts) != 3 || parts[1] != "TO" {
		return Range{}, fail("a range is [A TO B]")
	}
	r := Range{From: parts[0], To: parts[2], FromInclusive: s[0] == '[', ToInclusive: last == ']'}
	for _, bound := range []*string{&r.From, &r.To} {
		switch {
		case *bound == "*":
			*bound = ""
		case strings.ContainsAny(*bound, `*?"[]{}()~\`):
			return Range{}, fail("a range bound is a value or *")
		}
	}
	return r, nil
}

// ParseDate reads a range bound that is a date (2006-01-02, UTC midnight) or a time in RFC 3339
// (2006-01-02T15:04:05.000Z).
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fail("%q is not a date (2006-01-02) or a time (2006-01-02T15:04:05Z)", s)
	}
	return t.UTC(), nil
}
