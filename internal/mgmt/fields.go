package mgmt

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// fieldSelection is what the fields and include_fields query parameters ask of a list's items: with no
// fields named, every field; otherwise those named (include_fields true, the default) or all but those
// (include_fields=false). Names the item does not have select nothing.
type fieldSelection struct {
	names   []string
	include bool
}

func parseFields(q url.Values) (fieldSelection, error) {
	include, err := boolParam(q, "include_fields")
	if err != nil {
		return fieldSelection{}, err
	}
	sel := fieldSelection{include: include == nil || *include}
	for _, f := range strings.Split(q.Get("fields"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			sel.names = append(sel.names, f)
		}
	}
	return sel, nil
}

// asks reports whether fields names field and include_fields keeps it: the fields that appear only
// when asked for (a member's roles) appear exactly then.
func (f fieldSelection) asks(field string) bool {
	return f.include && slices.Contains(f.names, field)
}

// wants reports whether field is in the answer.
func (f fieldSelection) wants(field string) bool {
	return len(f.names) == 0 || slices.Contains(f.names, field) == f.include
}

// apply returns v, a JSON object's wire value, with only the wanted fields.
func (f fieldSelection) apply(v any) any {
	if len(f.names) == 0 {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return v
	}
	for k := range m {
		if !f.wants(k) {
			delete(m, k)
		}
	}
	return m
}

// selectFields maps out over items and applies sel to each.
func selectFields[T, J any](sel fieldSelection, out func(T) J) func(T) any {
	return func(v T) any { return sel.apply(out(v)) }
}
