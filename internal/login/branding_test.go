package login

import "testing"

func TestBrandingColors(t *testing.T) {
	tests := []struct {
		name                           string
		b                              Branding
		primary, background, onPrimary string
	}{
		{"defaults", Branding{}, defaultPrimary, defaultBackground, "#ffffff"},
		{"a dark primary gets white text", Branding{Primary: "#0059d6", Background: "#fff"}, "#0059d6", "#fff", "#ffffff"},
		{"a light primary gets black text", Branding{Primary: "#FFD700"}, "#FFD700", defaultBackground, "#000000"},
		{"an injected value falls back to the default", Branding{Primary: "red;}body{display:none", Background: "#12345g"}, defaultPrimary, defaultBackground, "#ffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, bg, on := tt.b.colors()
			if p != tt.primary || bg != tt.background || on != tt.onPrimary {
				t.Errorf("colors() = %s %s %s, want %s %s %s", p, bg, on, tt.primary, tt.background, tt.onPrimary)
			}
		})
	}
}
