package sqlite

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Times are stored as Unix microseconds (PostgreSQL's precision too) and read back in UTC.
func toMicros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullMicros stores the zero time as NULL.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(us sql.Null[int64]) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return fromMicros(us.V)
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
func fromJSONText(col sql.Null[string], dst any) error {
	if !col.Valid {
		return nil
	}
	return json.Unmarshal([]byte(col.V), dst)
}

func encodeStrings(v []string) (any, error) { return jsonText(v, len(v) == 0) }

func decodeStrings(col sql.Null[string]) ([]string, error) {
	var v []string
	if err := fromJSONText(col, &v); err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// The on-disk JSON shapes carry their own tags, so renaming a store field never changes stored data.

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

func decodeScopes(col sql.Null[string]) ([]store.Scope, error) {
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

func decodeMetadata(col sql.Null[string]) (map[string]string, error) {
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

func decodeBranding(col sql.Null[string]) (*store.Branding, error) {
	if !col.Valid {
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
