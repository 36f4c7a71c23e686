package password

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Policy is a database connection's passwordPolicy.
type Policy string

// The policies, weakest first. Each adds to the minimum length, which applies at every level.
const (
	PolicyNone      Policy = "none"
	PolicyLow       Policy = "low"
	PolicyFair      Policy = "fair"      // a lowercase letter, an uppercase letter and a digit
	PolicyGood      Policy = "good"      // three of: lowercase, uppercase, digit, special
	PolicyExcellent Policy = "excellent" // good, and no character more than twice in a row
)

// Policies lists every Policy.
var Policies = []Policy{PolicyNone, PolicyLow, PolicyFair, PolicyGood, PolicyExcellent}

// DefaultPolicy and DefaultMinLength apply when a connection sets none. MaxMinLength bounds min_length.
const (
	DefaultPolicy    = PolicyGood
	DefaultMinLength = 8
	MaxMinLength     = 128
)

// specials are the characters that count as special for PolicyGood.
const specials = "!@#$%^&*"

// ErrTooWeak is what Check returns for a password the policy refuses.
var ErrTooWeak = errors.New("password is too weak")

// Check returns ErrTooWeak (wrapped with the rule it breaks) unless password satisfies policy with at
// least minLength characters and at most MaxBytes bytes.
func Check(policy Policy, minLength int, password string) error {
	if len(password) > MaxBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrTooWeak, MaxBytes)
	}
	if !utf8.ValidString(password) {
		return fmt.Errorf("%w: not valid UTF-8", ErrTooWeak)
	}
	if utf8.RuneCountInString(password) < minLength {
		return fmt.Errorf("%w: shorter than %d characters", ErrTooWeak, minLength)
	}
	var lower, upper, digit, special bool
	for _, r := range password {
		lower = lower || unicode.IsLower(r)
		upper = upper || unicode.IsUpper(r)
		digit = digit || '0' <= r && r <= '9'
		special = special || strings.ContainsRune(specials, r)
	}
	kinds := 0
	for _, has := range []bool{lower, upper, digit, special} {
		if has {
			kinds++
		}
	}
	switch policy {
	case PolicyNone, PolicyLow:
		return nil
	case PolicyFair:
		if !lower || !upper || !digit {
			return fmt.Errorf("%w: needs a lowercase letter, an uppercase letter and a digit", ErrTooWeak)
		}
		return nil
	case PolicyGood, PolicyExcellent:
		if kinds < 3 {
			return fmt.Errorf("%w: needs three of lowercase, uppercase, digit and %s", ErrTooWeak, specials)
		}
		if policy == PolicyExcellent && repeatsThrice(password) {
			return fmt.Errorf("%w: a character repeated more than twice in a row", ErrTooWeak)
		}
		return nil
	}
	return fmt.Errorf("unknown password policy %q", policy)
}

// repeatsThrice reports whether some character appears three or more times in a row.
func repeatsThrice(s string) bool {
	var prev rune
	run := 0
	for _, r := range s {
		if r == prev {
			run++
		} else {
			prev, run = r, 1
		}
		if run > 2 {
			return true
		}
	}
	return false
}
