package mgmt

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// fieldSelection is what the fields and include_fields query parameters ask of each item of an
// answer: only the top-level properties named (include_fields=true, the default), or all but them.
// Names that no item has select nothing; without fields, items are whole.
type fieldSelection struct {
	names   []string
	include bool
}

// parseFields reads fields (comma-separated) and include_fields.
func parseFields(q url.Values) (fieldSelection, error) {
	include, err := boolParam(q, "include_fields")
	if err != nil {
		return fieldSelection{}, err
	}
	sel := fieldSelection{include: include == nil || *include}
	for _, name := range strings.Split(q.Get("fields"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			sel.names = append(sel.names, name)
		}
	}
	return sel, nil
}

// apply returns v with the selection applied: v itself without one, or else an object of its
// selected properties.
func (sel fieldSelection) apply(v any) any {
	if len(sel.names) == 0 {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(b, &props); err != nil {
		return v
	}
	for k := range props {
		if slices.Contains(sel.names, k) != sel.include {
			delete(props, k)
		}
	}
	return props
}

// selectFields maps out over items and applies sel to each.
func selectFields[T, J any](sel fieldSelection, out func(T) J) func(T) any {
	return func(v T) any { return sel.apply(out(v)) }
}
