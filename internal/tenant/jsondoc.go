package tenant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// jsonDoc is a JSON object the tenant reads against a schema of its own: a connection's options, whose
// schema depends on the connection's strategy, so that the Management API can hand them over whole.
// Its getters return nil for an absent property and a refusal naming the property's path
// ("options.password_complexity_options.min_length") for a value of another type, in the words of
// the Management API's payload validation errors.
type jsonDoc struct {
	path   string
	fields map[string]any
}

// parseDoc reads raw, which must be one JSON object, as the property at path.
func parseDoc(path string, raw json.RawMessage) (jsonDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return jsonDoc{}, invalid(path, "Invalid JSON")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return jsonDoc{}, typeRefusal(path, "object", v)
	}
	return jsonDoc{path: path, fields: m}, nil
}

func (d jsonDoc) prop(key string) string { return d.path + "." + key }

// allow refuses a property not in known, naming the first in sorted order.
func (d jsonDoc) allow(known ...string) error {
	var extra []string
	for k := range d.fields {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	slices.Sort(extra)
	return invalid(d.path, "Additional properties not allowed: %s", extra[0])
}

func (d jsonDoc) null(key string) bool {
	v, ok := d.fields[key]
	return ok && v == nil
}

func (d jsonDoc) str(key string) (*string, error) {
	v, ok := d.fields[key]
	if !ok {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, typeRefusal(d.prop(key), "string", v)
	}
	return &s, nil
}

func (d jsonDoc) boolean(key string) (*bool, error) {
	v, ok := d.fields[key]
	if !ok {
		return nil, nil
	}
	b, ok := v.(bool)
	if !ok {
		return nil, typeRefusal(d.prop(key), "boolean", v)
	}
	return &b, nil
}

func (d jsonDoc) integer(key string) (*int, error) {
	v, ok := d.fields[key]
	if !ok {
		return nil, nil
	}
	n, ok := v.(json.Number)
	if !ok || jsonTypeOf(n) != "integer" {
		return nil, typeRefusal(d.prop(key), "integer", v)
	}
	f, _ := strconv.ParseFloat(string(n), 64)
	if math.Abs(f) > 1<<53-1 {
		return nil, invalid(d.prop(key), "Integer %s is out of range", n)
	}
	i := int(f)
	return &i, nil
}

func (d jsonDoc) strs(key string) (*[]string, error) {
	v, ok := d.fields[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, typeRefusal(d.prop(key), "array", v)
	}
	out := make([]string, 0, len(arr))
	for i, el := range arr {
		s, ok := el.(string)
		if !ok {
			return nil, typeRefusal(fmt.Sprintf("%s[%d]", d.prop(key), i), "string", el)
		}
		out = append(out, s)
	}
	return &out, nil
}

func (d jsonDoc) object(key string) (*jsonDoc, error) {
	v, ok := d.fields[key]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeRefusal(d.prop(key), "object", v)
	}
	return &jsonDoc{path: d.prop(key), fields: m}, nil
}

// stringMap reads an object whose values are all strings.
func (d jsonDoc) stringMap(key string) (map[string]string, error) {
	sub, err := d.object(key)
	if sub == nil || err != nil {
		return nil, err
	}
	out := make(map[string]string, len(sub.fields))
	for k, v := range sub.fields {
		s, ok := v.(string)
		if !ok {
			return nil, typeRefusal(sub.prop(k), "string", v)
		}
		out[k] = s
	}
	return out, nil
}

func typeRefusal(property, want string, got any) *Error {
	return invalid(property, "Expected type %s but found type %s", want, jsonTypeOf(got))
}

// jsonTypeOf names the JSON Schema type of a decoded value, as the Management API's decoder does: a
// number without a fractional part is an "integer".
func jsonTypeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err == nil && f == math.Trunc(f) {
			return "integer"
		}
	}
	return "number"
}
