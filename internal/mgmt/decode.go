package mgmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxBodyBytes bounds a request body. The largest legitimate body (an organization with 25 metadata
// values of 255 characters) is far below it.
const maxBodyBytes = 64 << 10

// maxSafeInteger is the largest integer a JSON number carries exactly (2^53-1); SDKs written in
// JavaScript cannot send a larger one reliably, so larger values are refused rather than rounded.
const maxSafeInteger = 1<<53 - 1

// readBody reads the request body, refusing one larger than maxBodyBytes (or than the limit the server
// already set) with 413.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBodyBytes {
		return nil, bodyTooLarge(maxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, bodyTooLarge(tooLarge.Limit)
		}
		return nil, &Error{StatusCode: http.StatusBadRequest, Message: "Invalid request payload", ErrorCode: "invalid_body"}
	}
	return body, nil
}

func bodyTooLarge(limit int64) *Error {
	return &Error{
		StatusCode: http.StatusRequestEntityTooLarge,
		Message:    fmt.Sprintf("Payload content length greater than maximum allowed: %d", limit),
	}
}

// object is a JSON object of a request body, read field by field against the schema of its endpoint.
// The getters return nil for an absent property and a 400 *Error for a value of the wrong type, naming
// the property by its path in the body ("branding.colors.primary", "scopes[0].value").
type object struct {
	path   string // where the object sits in the body; "" for the body itself
	fields map[string]any
}

// parseBody parses a body that must be one JSON object. Invalid UTF-8, bad syntax, trailing data and
// nesting deeper than encoding/json allows all make errInvalidJSON; an empty body or another JSON type
// is a payload validation error.
func parseBody(body []byte) (object, error) {
	if len(bytes.Trim(body, " \t\r\n")) == 0 {
		return object{}, payloadError("", "Expected type object but found type null")
	}
	if !utf8.Valid(body) || !json.Valid(body) {
		return object{}, errInvalidJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return object{}, errInvalidJSON
	}
	m, ok := v.(map[string]any)
	if !ok {
		return object{}, typeError("", "object", v)
	}
	return object{fields: m}, nil
}

// prop is the path of one of o's properties.
func (o object) prop(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// allow refuses any property not in known, naming the first in sorted order so the answer is stable.
func (o object) allow(known ...string) error {
	var extra []string
	for k := range o.fields {
		if !slices.Contains(known, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	slices.Sort(extra)
	return payloadError(o.path, "Additional properties not allowed: "+extra[0])
}

// null reports whether key is present with the value null.
func (o object) null(key string) bool {
	v, ok := o.fields[key]
	return ok && v == nil
}

func (o object) missing(key string) error {
	return payloadError(o.path, "Missing required property: "+key)
}

func (o object) stringField(key string) (*string, error) {
	v, ok := o.fields[key]
	if !ok {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, typeError(o.prop(key), "string", v)
	}
	return &s, nil
}

func (o object) requiredString(key string) (string, error) {
	s, err := o.stringField(key)
	if err != nil {
		return "", err
	}
	if s == nil {
		return "", o.missing(key)
	}
	return *s, nil
}

func (o object) boolField(key string) (*bool, error) {
	v, ok := o.fields[key]
	if !ok {
		return nil, nil
	}
	b, ok := v.(bool)
	if !ok {
		return nil, typeError(o.prop(key), "boolean", v)
	}
	return &b, nil
}

func (o object) intField(key string) (*int, error) {
	v, ok := o.fields[key]
	if !ok {
		return nil, nil
	}
	n, ok := v.(json.Number)
	if !ok || jsonType(n) != "integer" {
		return nil, typeError(o.prop(key), "integer", v)
	}
	// jsonType has parsed n already: it is finite and integral.
	f, _ := strconv.ParseFloat(string(n), 64)
	if math.Abs(f) > maxSafeInteger {
		return nil, payloadError(o.prop(key), fmt.Sprintf("Integer %s is out of range", n))
	}
	i := int(f)
	return &i, nil
}

// stringsField reads an array of strings.
func (o object) stringsField(key string) (*[]string, error) {
	v, ok := o.fields[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, typeError(o.prop(key), "array", v)
	}
	out := make([]string, 0, len(arr))
	for i, el := range arr {
		s, ok := el.(string)
		if !ok {
			return nil, typeError(fmt.Sprintf("%s[%d]", o.prop(key), i), "string", el)
		}
		out = append(out, s)
	}
	return &out, nil
}

func (o object) objectField(key string) (*object, error) {
	v, ok := o.fields[key]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, typeError(o.prop(key), "object", v)
	}
	return &object{path: o.prop(key), fields: m}, nil
}

// objectsField reads an array of objects.
func (o object) objectsField(key string) (*[]object, error) {
	v, ok := o.fields[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, typeError(o.prop(key), "array", v)
	}
	out := make([]object, 0, len(arr))
	for i, el := range arr {
		path := fmt.Sprintf("%s[%d]", o.prop(key), i)
		m, ok := el.(map[string]any)
		if !ok {
			return nil, typeError(path, "object", el)
		}
		out = append(out, object{path: path, fields: m})
	}
	return &out, nil
}

// stringMapField reads an object whose values are all strings, such as metadata.
func (o object) stringMapField(key string) (map[string]string, error) {
	sub, err := o.objectField(key)
	if sub == nil || err != nil {
		return nil, err
	}
	out := make(map[string]string, len(sub.fields))
	for k, v := range sub.fields {
		s, ok := v.(string)
		if !ok {
			return nil, typeError(sub.prop(k), "string", v)
		}
		out[k] = s
	}
	return out, nil
}

func typeError(property, want string, got any) *Error {
	return payloadError(property, fmt.Sprintf("Expected type %s but found type %s", want, jsonType(got)))
}

// jsonType names the JSON Schema type of a decoded value; a number is an "integer" when it has no
// fractional part, as in JavaScript (1.0 and 1e3 are integers).
func jsonType(v any) string {
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
	default:
		// Bodies are decoded with UseNumber: what remains is a json.Number.
		n, _ := v.(json.Number)
		f, err := strconv.ParseFloat(string(n), 64)
		if err == nil && f == math.Trunc(f) {
			return "integer"
		}
		return "number"
	}
}

// decodeRequest reads the body of r and decodes it with decode, the schema of one endpoint.
func decodeRequest[T any](w http.ResponseWriter, r *http.Request, decode func([]byte) (T, error)) (T, error) {
	body, err := readBody(w, r)
	if err != nil {
		var zero T
		return zero, err
	}
	return decode(body)
}
