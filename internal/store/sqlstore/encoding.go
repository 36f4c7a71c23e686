package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/orgauth/orgauth/internal/store"
)

// Slices and maps are stored as JSON in nullable text columns; a nil *string is SQL NULL. Empty values
// are stored as NULL, so nil and empty read back alike (as nil).

// jsonText encodes v for a JSON text column, or NULL when empty.
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

// fromJSONCollection decodes a slice or map column; NULL and empty read as nil.
func fromJSONCollection[T ~[]string | ~[]scopeJSON | ~map[string]string | ~map[string]json.RawMessage](col *string) (T, error) {
	var v T
	if err := fromJSONText(col, &v); err != nil || len(v) == 0 {
		return nil, err
	}
	return v, nil
}

// encodeStrings is the column value of a string slice.
func encodeStrings(v []string) (any, error) { return jsonText(v, len(v) == 0) }

// decodeStrings reads a column that encodeStrings wrote.
func decodeStrings(col *string) ([]string, error) { return fromJSONCollection[[]string](col) }

// The stored JSON shapes carry their own tags, so renaming a store field never changes stored data.

type scopeJSON struct {
	Value       string `json:"value"`
	Description string `json:"description"`
}

// encodeScopes is the column value of an API's scopes.
func encodeScopes(scopes []store.Scope) (any, error) {
	v := make([]scopeJSON, len(scopes))
	for i, s := range scopes {
		v[i] = scopeJSON(s)
	}
	return jsonText(v, len(v) == 0)
}

// decodeScopes reads a column that encodeScopes wrote.
func decodeScopes(col *string) ([]store.Scope, error) {
	v, err := fromJSONCollection[[]scopeJSON](col)
	if err != nil || v == nil {
		return nil, err
	}
	scopes := make([]store.Scope, len(v))
	for i, s := range v {
		scopes[i] = store.Scope(s)
	}
	return scopes, nil
}

// encodeMetadata is the column value of an organization's metadata.
func encodeMetadata(m map[string]string) (any, error) { return jsonText(m, len(m) == 0) }

// decodeMetadata reads a column that encodeMetadata wrote.
func decodeMetadata(col *string) (map[string]string, error) {
	return fromJSONCollection[map[string]string](col)
}

// encodeObject is the column value of a JSON object kept key by key (user and invitation metadata):
// NULL when empty. Each value is stored as given, compacted.
func encodeObject(m map[string]json.RawMessage) (any, error) { return jsonText(m, len(m) == 0) }

// decodeObject reads a column that encodeObject wrote.
func decodeObject(col *string) (map[string]json.RawMessage, error) {
	return fromJSONCollection[map[string]json.RawMessage](col)
}

// encodeDocument is the column value of an opaque JSON document (a connection's options), kept byte
// for byte: NULL when empty.
func encodeDocument(d json.RawMessage) any {
	if len(d) == 0 {
		return nil
	}
	return string(d)
}

// decodeDocument reads a column that encodeDocument wrote.
func decodeDocument(col *string) json.RawMessage {
	if col == nil || *col == "" {
		return nil
	}
	return json.RawMessage(*col)
}

type refreshTokenJSON struct {
	RotationType              string `json:"rotation_type"`
	ExpirationType            string `json:"expiration_type"`
	Leeway                    int    `json:"leeway"`
	TokenLifetime             int    `json:"token_lifetime"`
	IdleTokenLifetime         int    `json:"idle_token_lifetime"`
	InfiniteTokenLifetime     bool   `json:"infinite_token_lifetime"`
	InfiniteIdleTokenLifetime bool   `json:"infinite_idle_token_lifetime"`
}

// encodeRefreshToken is the column value of a client's refresh-token configuration: always an object,
// in the shape migration 0005 gave the clients it found.
func encodeRefreshToken(r store.RefreshTokenConfig) (any, error) {
	return jsonText(refreshTokenJSON(r), false)
}

// decodeRefreshToken reads a column that encodeRefreshToken wrote.
func decodeRefreshToken(col string) (store.RefreshTokenConfig, error) {
	var v refreshTokenJSON
	err := fromJSONText(&col, &v)
	return store.RefreshTokenConfig(v), err
}

type brandingJSON struct {
	LogoURL string      `json:"logo_url"`
	Colors  *colorsJSON `json:"colors,omitempty"`
}

type colorsJSON struct {
	Primary        string `json:"primary"`
	PageBackground string `json:"page_background"`
}

// encodeBranding is the column value of an organization's branding: NULL when there is none, JSON
// otherwise, even when all its fields are empty.
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

// decodeBranding reads a column that encodeBranding wrote.
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

// encodeDefaultOrganization is the value of a client's default_org_id and default_org_flows columns:
// both NULL when d is nil.
func encodeDefaultOrganization(d *store.DefaultOrganization) (id, flows any, err error) {
	if d == nil {
		return nil, nil, nil
	}
	if flows, err = encodeStrings(d.Flows); err != nil {
		return nil, nil, err
	}
	return d.OrganizationID, flows, nil
}

// decodeDefaultOrganization reads the columns that encodeDefaultOrganization wrote. Deleting the
// organization sets default_org_id to NULL and leaves the flows behind: the id decides.
func decodeDefaultOrganization(id, flows *string) (*store.DefaultOrganization, error) {
	if id == nil {
		return nil, nil
	}
	f, err := decodeStrings(flows)
	if err != nil {
		return nil, fmt.Errorf("decode default organization flows: %w", err)
	}
	return &store.DefaultOrganization{OrganizationID: *id, Flows: f}, nil
}

// nullBytes is the column value of a byte slice: NULL when empty.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// fromNullBytes reads a column that nullBytes wrote: NULL (and empty) read as nil.
func fromNullBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// utc scans a time column, SQLite's Unix microseconds or PostgreSQL's timestamptz, into *t in UTC;
// NULL is the zero time. Times go in as time.Time, which the dialect encodes.
type utc struct{ t *time.Time }

func (u utc) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*u.t = time.Time{}
	case int64:
		*u.t = time.UnixMicro(v).UTC()
	case time.Time:
		*u.t = v.UTC()
	default:
		return fmt.Errorf("read %T as a time", src)
	}
	return nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
