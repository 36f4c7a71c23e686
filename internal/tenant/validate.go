package tenant

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkLength refuses a string whose length in characters is outside [min, max].
func checkLength(property, value string, min, max int) error {
	n := utf8.RuneCountInString(value)
	switch {
	case !utf8.ValidString(value):
		return invalid(property, "String is not valid UTF-8")
	case n < min:
		return invalid(property, "String is too short (%d chars), minimum %d", n, min)
	case n > max:
		return invalid(property, "String is too long (%d chars), maximum %d", n, max)
	}
	return nil
}

// checkText is checkLength plus no control characters and, when noAngles, no '<' or '>'.
func checkText(property, value string, min, max int, noAngles bool) error {
	if err := checkLength(property, value, min, max); err != nil {
		return err
	}
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return invalid(property, "String must not contain control characters")
	}
	if noAngles && strings.ContainsAny(value, "<>") {
		return invalid(property, "String does not match pattern: ^[^<>]+$")
	}
	return nil
}

// checkEnum refuses a value outside allowed.
func checkEnum(property, value string, allowed ...string) error {
	if !slices.Contains(allowed, value) {
		return invalid(property, "No enum match for: %q (allowed: %s)", value, strings.Join(allowed, ", "))
	}
	return nil
}

// checkUnique refuses a list with a repeated value.
func checkUnique(property string, values []string) error {
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			return invalid(property, "Array items are not unique: %q", v)
		}
		seen[v] = true
	}
	return nil
}

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func checkHexColor(property, value string) error {
	if !hexColor.MatchString(value) {
		return invalid(property, "String does not match pattern: ^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
	}
	return nil
}

// checkHTTPSURL refuses anything but an absolute https URL with a host.
func checkHTTPSURL(property, value string) error {
	if err := checkText(property, value, 1, 2048, false); err != nil {
		return err
	}
	u, err := url.Parse(value)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return invalid(property, "Object didn't pass validation for format absolute-https-uri-or-empty: %s", value)
	}
	return nil
}
