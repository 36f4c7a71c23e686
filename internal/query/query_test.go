package query

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// users is a syntax like the user search's: named fields, metadata keys, two date ranges.
var users = Syntax{
	Field: func(name string) bool {
		return slices.Contains([]string{"email", "name", "user_id", "blocked", "created_at", "identities.connection"}, name) ||
			strings.HasPrefix(name, "app_metadata.") && len(name) > len("app_metadata.")
	},
	Range:     func(name string) bool { return name == "created_at" },
	MinPrefix: 3,
	MaxBytes:  2048,
}

// logs allows bare terms, as the log search does.
var logs = Syntax{Field: func(name string) bool { return name == "type" || name == "date" }, Bare: true,
	Range: func(name string) bool { return name == "date" }, MaxBytes: 2048}

func TestParse(t *testing.T) {
	term := func(field, value string) Term { return Term{Field: field, Value: value} }
	for _, c := range []struct {
		name   string
		syntax Syntax
		q      string
		want   Query
	}{
		{"empty matches everything", users, "", Query{}},
		{"spaces only match everything", users, "  \t ", Query{}},
		{"one term", users, "email:ann@acme.test", Query{Any: [][]Term{{term("email", "ann@acme.test")}}}},
		{"a colon in the value", users, "user_id:auth0|ab:cd", Query{Any: [][]Term{{term("user_id", "auth0|ab:cd")}}}},
		{"quoted value with spaces and escapes", users, `name:"Ann \"the\" O\\Brien"`,
			Query{Any: [][]Term{{term("name", `Ann "the" O\Brien`)}}}},
		{"quoted value keeps AND and *", users, `name:"a AND b*"`, Query{Any: [][]Term{{term("name", "a AND b*")}}}},
		{"prefix", users, "email:ann*", Query{Any: [][]Term{{{Field: "email", Value: "ann", Prefix: true}}}}},
		{"space is AND", users, "email:a@b.c name:Ann", Query{Any: [][]Term{{term("email", "a@b.c"), term("name", "Ann")}}}},
		{"explicit AND", users, "email:a@b.c AND name:Ann", Query{Any: [][]Term{{term("email", "a@b.c"), term("name", "Ann")}}}},
		{"OR splits groups, AND binds tighter", users, "name:a OR name:b email:c", Query{Any: [][]Term{
			{term("name", "a")}, {term("name", "b"), term("email", "c")}}}},
		{"metadata key", users, "app_metadata.plan:gold", Query{Any: [][]Term{{term("app_metadata.plan", "gold")}}}},
		{"inclusive range", users, "created_at:[2026-01-01 TO 2026-02-01]", Query{Any: [][]Term{{{Field: "created_at",
			Range: &Range{From: "2026-01-01", To: "2026-02-01", FromInclusive: true, ToInclusive: true}}}}}},
		{"exclusive open range", users, "created_at:{* TO 2026-02-01}", Query{Any: [][]Term{{{Field: "created_at",
			Range: &Range{To: "2026-02-01"}}}}}},
		{"bare term", logs, "feccft", Query{Any: [][]Term{{term("", "feccft")}}}},
		{"bare and fielded", logs, "type:s OR boom", Query{Any: [][]Term{{term("type", "s")}, {term("", "boom")}}}},
		{"one-character prefix where allowed", logs, "type:f*", Query{Any: [][]Term{{{Field: "type", Value: "f", Prefix: true}}}}},
	} {
		got, err := Parse(c.q, c.syntax)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Parse(%q) = %+v, %v; want %+v", c.name, c.q, got, err, c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		syntax Syntax
		q      string
	}{
		"unknown field":                {users, "password:x"},
		"empty metadata key":           {users, "app_metadata.:x"},
		"field with odd characters":    {users, "em-ail:x"},
		"no value":                     {users, "email:"},
		"bare term where not allowed":  {users, "ann"},
		"parentheses":                  {users, "(email:a OR email:b)"},
		"NOT":                          {users, "NOT email:a"},
		"minus":                        {users, "-email:a"},
		"plus":                         {users, "+email:a"},
		"&&":                           {users, "email:a && name:b"},
		"fuzzy":                        {users, "name:ann~"},
		"single-character wildcard":    {users, "name:a?n"},
		"boost":                        {users, "name:ann^2"},
		"inner star":                   {users, "name:a*n"},
		"short prefix":                 {users, "email:an*"},
		"star alone":                   {users, "email:*"},
		"leading operator":             {users, "AND email:a"},
		"trailing operator":            {users, "email:a OR"},
		"two operators":                {users, "email:a AND OR name:b"},
		"unterminated quote":           {users, `name:"ann`},
		"text after the quote":         {users, `name:"ann"x`},
		"bad escape":                   {users, `name:"a\nb"`},
		"range on a field without one": {users, "email:[a TO b]"},
		"range without TO":             {users, "created_at:[2026-01-01 2026-02-01]"},
		"unterminated range":           {users, "created_at:[2026-01-01 TO 2026-02-01"},
		"wildcard bound":               {users, "created_at:[2026* TO *]"},
		"too long":                     {users, "email:" + strings.Repeat("a", 2048)},
		"invalid UTF-8":                {users, "name:\xff"},
	} {
		_, err := Parse(c.q, c.syntax)
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" {
			t.Errorf("%s: Parse(%q) = %v, want an *Error", name, c.q, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	for s, want := range map[string]time.Time{
		"2026-12-02":                time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
		"2026-12-02T10:11:12Z":      time.Date(2026, 12, 2, 10, 11, 12, 0, time.UTC),
		"2026-12-02T10:11:12.187Z":  time.Date(2026, 12, 2, 10, 11, 12, 187e6, time.UTC),
		"2026-12-02T11:11:12+01:00": time.Date(2026, 12, 2, 10, 11, 12, 0, time.UTC),
	} {
		if got, err := ParseDate(s); err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2026-13-01", "2026-12-02 10:11:12"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

// format writes q back in the syntax Parse reads.
func format(q Query) string {
	var groups []string
	for _, g := range q.Any {
		var terms []string
		for _, t := range g {
			var v string
			switch {
			case t.Range != nil:
				open, close := "{", "}"
				if t.Range.FromInclusive {
					open = "["
				}
				if t.Range.ToInclusive {
					close = "]"
				}
				bound := func(s string) string {
					if s == "" {
						return "*"
					}
					return s
				}
				v = open + bound(t.Range.From) + " TO " + bound(t.Range.To) + close
			case t.Prefix:
				v = t.Value + "*"
			default:
				v = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t.Value) + `"`
			}
			if t.Field != "" {
				v = t.Field + ":" + v
			}
			terms = append(terms, v)
		}
		groups = append(groups, strings.Join(terms, " AND "))
	}
	return strings.Join(groups, " OR ")
}

// FuzzParse: Parse never panics; what it accepts names only allowed fields, and reads back the same
// when written out again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"email:a@b.c", `name:"x y" OR email:abc*`, "created_at:[2026-01-01 TO *}", "a OR b AND c",
		`name:"\\\""`, "email:\"a\" name:b", "type:s date:{* TO 2026}"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, q string, bare bool) {
		s := users
		if bare {
			s = logs
		}
		got, err := Parse(q, s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v, not an *Error", q, err)
			}
			return
		}
		for _, g := range got.Any {
			if len(g) == 0 {
				t.Fatalf("Parse(%q) has an empty group", q)
			}
			for _, term := range g {
				if term.Field == "" && !s.Bare || term.Field != "" && !s.Field(term.Field) {
					t.Fatalf("Parse(%q) accepted field %q", q, term.Field)
				}
				if term.Range != nil && !s.Range(term.Field) {
					t.Fatalf("Parse(%q) accepted a range on %q", q, term.Field)
				}
			}
		}
		s.MaxBytes = 0 // the written form may be longer
		again, err := Parse(format(got), s)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("Parse(%q) = %+v; written as %q it reads %+v, %v", q, got, format(got), again, err)
		}
	})
}
