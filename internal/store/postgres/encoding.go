package postgres

import (
	"encoding/json"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// utc reads a timestamptz back in UTC (pgx returns local time).
func utc(t time.Time) time.Time { return t.UTC() }

// nullTime stores the zero time as NULL; fromNullTime reads NULL as the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullBytes stores an empty byte slice as NULL; fromNullBytes reads NULL (and empty) as nil.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func fromNullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// jsonText encodes v for a JSON text column; empty values are stored as NULL, so nil and empty read
// back alike (as nil).
func jsonText(v any, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// fromJSONText decodes a JSON text column into dst; NULL leaves dst untouched.
func fromJSONText(col *string, dst any) error {
	if col == nil {
		return nil
	}
	return json.Unmarshal([]byte(*col), dst)
}

func encodeStrings(v []string) (any, error) { return jsonText(v, len(v) == 0) }

func decodeStrings(col *string) ([]string, error) {
	var v []string
	if err := fromJSONText(col, &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// The stored JSON shapes carry their own tags, so renaming a store field never changes stored data. They
// are the SQLite backend's, so data moves between backends as is.

type scopeJSON struct {
	Value       string `json:"value"`
	Description string `json:"description"`
}

func encodeScopes(scopes []store.Scope) (any, error) {
	v := make([]scopeJSON, len(scopes))
	for i, s := range scopes {
		v[i] = scopeJSON(s)
	}
	return jsonText(v, len(v) == 0)
}

func decodeScopes(col *string) ([]store.Scope, error) {
	var v []scopeJSON
	if err := fromJSONText(col, &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	scopes := make([]store.Scope, len(v))
	for i, s := range v {
		scopes[i] = store.Scope(s)
	}
	return scopes, nil
}

func encodeMetadata(m map[string]string) (any, error) { return jsonText(m, len(m) == 0) }

func decodeMetadata(col *string) (map[string]string, error) {
	var m map[string]string
	if err := fromJSONText(col, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

type brandingJSON struct {
	LogoURL string      `json:"logo_url"`
	Colors  *colorsJSON `json:"colors,omitempty"`
}

type colorsJSON struct {
	Primary        string `json:"primary"`
	PageBackground string `json:"page_background"`
}

func encodeBranding(b *store.Branding) (any, error) {
	if b == nil {
		return nil, nil
	}
	v := brandingJSON{LogoURL: b.LogoURL}
	if b.Colors != nil {
		c := colorsJSON(*b.Colors)
		v.Colors = &c
	}
	return jsonText(v, false)
}

func decodeBranding(col *string) (*store.Branding, error) {
	if col == nil {
		return nil, nil
	}
	var v brandingJSON
	if err := fromJSONText(col, &v); err != nil {
		return nil, err
	}
	b := &store.Branding{LogoURL: v.LogoURL}
	if v.Colors != nil {
		c := store.BrandingColors(*v.Colors)
		b.Colors = &c
	}
	return b, nil
}
