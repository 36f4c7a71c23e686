package login

import (
	"math"
	"regexp"
	"strconv"
)

// Branding is how a login page looks: the tenant's by default, an organization's once the login knows
// it (from the organization parameter, an invitation, or after the organization prompt).
type Branding struct {
	Name       string // "Log in to <Name>": the organization's display name, or the tenant's name
	LogoURL    string // an https image; "" shows the name alone
	Primary    string // buttons and links, #rgb or #rrggbb
	Background string // the page background
}

// defaultPrimary and defaultBackground are the tenant's colors.
const (
	defaultPrimary    = "#635dff"
	defaultBackground = "#f4f4f6"
)

var hexColor = regexp.MustCompile(`^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$`)

// colors returns the branding's colors, each validated again before it reaches the page's style block
// (the store holds validated values; a page never trusts them blindly), and the text color of a button:
// black or white, whichever contrasts more with primary.
func (b Branding) colors() (primary, background, onPrimary string) {
	primary, background = defaultPrimary, defaultBackground
	if hexColor.MatchString(b.Primary) {
		primary = b.Primary
	}
	if hexColor.MatchString(b.Background) {
		background = b.Background
	}
	return primary, background, contrastText(primary)
}

// contrastText returns #000000 or #ffffff, whichever has the higher WCAG contrast ratio with color.
func contrastText(color string) string {
	l := luminance(color)
	if (l+0.05)/0.05 >= 1.05/(l+0.05) {
		return "#000000"
	}
	return "#ffffff"
}

// luminance is the WCAG relative luminance of a validated #rgb or #rrggbb color.
func luminance(color string) float64 {
	hex := color[1:]
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	channel := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(0) + 0.7152*channel(2) + 0.0722*channel(4)
}
