package password

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	type row struct {
		policy    Policy
		minLength int
		password  string
		ok        bool
	}
	rows := map[string]row{
		"none/any password of the length":       {PolicyNone, 8, "aaaaaaaa", true},
		"none/too short":                        {PolicyNone, 8, "aaaaaaa", false},
		"low/any password of the length":        {PolicyLow, 1, "a", true},
		"length counts characters, not bytes":   {PolicyNone, 4, "éééé", true},
		"length counts characters, too short":   {PolicyNone, 5, "éééé", false},
		"fair/lower upper digit":                {PolicyFair, 8, "abcdEFG1", true},
		"fair/no digit":                         {PolicyFair, 8, "abcdEFGH", false},
		"fair/no uppercase":                     {PolicyFair, 8, "abcdefg1", false},
		"fair/special does not replace a digit": {PolicyFair, 8, "abcdEFG!", false},
		"good/lower upper digit":                {PolicyGood, 8, "abcdEFG1", true},
		"good/lower digit special":              {PolicyGood, 8, "abcdef1!", true},
		"good/two kinds":                        {PolicyGood, 8, "abcdefg1", false},
		"good/a special outside the set":        {PolicyGood, 8, "abcdef1~", false},
		"excellent/good and no triple":          {PolicyExcellent, 8, "aabbCC11", true},
		"excellent/a triple":                    {PolicyExcellent, 8, "aaabCC11", false},
		"excellent/a triple at the end":         {PolicyExcellent, 8, "abCC1111", false},
		"max bytes accepted":                    {PolicyNone, 8, strings.Repeat("a", MaxBytes), true},
		"over max bytes":                        {PolicyNone, 8, strings.Repeat("a", MaxBytes+1), false},
		"invalid UTF-8":                         {PolicyNone, 1, "ab\xff", false},
	}
	for name, r := range rows {
		err := Check(r.policy, r.minLength, r.password)
		if r.ok && err != nil || !r.ok && !errors.Is(err, ErrTooWeak) {
			t.Errorf("%s: Check = %v, want ok %v", name, err, r.ok)
		}
	}
	if err := Check("medium", 8, "abcdEFG1"); err == nil || errors.Is(err, ErrTooWeak) {
		t.Errorf("unknown policy: %v, want an error that is not ErrTooWeak", err)
	}
}
