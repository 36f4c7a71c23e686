package mgmt

import (
	"encoding/json"
	"net/http"
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

// requireScope refuses a request whose token lacks scope, beyond the scope its route asked for: the
// endpoints that need two scopes (a user's tenant roles), or a second one for a part of their answer (a
// member's roles). The token is checked again, as the route checked it.
func (h *Handler) requireScope(r *http.Request, scope string) error {
	return h.checkToken(r, []string{scope})
}
