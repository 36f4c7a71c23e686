package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unsafe"

	"github.com/orgauth/orgauth/internal/tenant"
)

// maxBodyBytes caps a token request body. The server caps bodies too; the endpoint does not rely on it.
const maxBodyBytes = 64 << 10

// tokenRequest is a token request parsed once: each parameter's values as sent in the body, with the
// HTTP Basic credentials counted as values of client_id and client_secret, so that one rule catches a
// parameter sent twice with different values wherever the copies came from (RFC 6749 §3.1–3.2).
type tokenRequest struct {
	params map[string][]string
	basic  bool // HTTP Basic credentials were sent; they are the last values of client_id and client_secret
	// notStrings names the parameters a JSON body gave a value of another type: ignored unless read.
	notStrings map[string]bool
}

// param returns the value of a parameter, "" when it is absent. Empty values count as absent
// (RFC 6749 §3.1); two different non-empty values are an invalid_request.
func (t *tokenRequest) param(name string) (string, error) {
	if t.notStrings[name] {
		return "", ErrInvalidRequest.WithDescription("Parameter " + name + " must be a string")
	}
	var v string
	for _, s := range t.params[name] {
		if s == "" || s == v {
			continue
		}
		if v != "" {
			return "", ErrInvalidRequest.WithDescription("Conflicting values for parameter: " + name)
		}
		v = s
	}
	return v, nil
}

// requiredParam is param that answers invalid_request when the parameter is absent.
func (t *tokenRequest) requiredParam(name string) (string, error) {
	v, err := t.param(name)
	if err == nil && v == "" {
		err = ErrInvalidRequest.WithDescription("Missing required parameter: " + name)
	}
	return v, err
}

var (
	errContentType  = ErrInvalidRequest.WithDescription("Content-Type must be application/x-www-form-urlencoded or application/json")
	errBodyTooLarge = ErrInvalidRequest.WithDescription("Request body too large")
	errBodyRead     = ErrInvalidRequest.WithDescription("Could not read the request body")
	errFormBody     = ErrInvalidRequest.WithDescription("Malformed application/x-www-form-urlencoded body")
	errJSONBody     = ErrInvalidRequest.WithDescription("The body must be a JSON object")
	errJSONDepth    = ErrInvalidRequest.WithDescription(fmt.Sprintf("The JSON body nests values more than %d deep", maxJSONDepth))
)

// maxJSONDepth bounds the nesting of the values a JSON body may carry for parameters the endpoint does
// not read, which it skips: the body is small, but the decoder keeps a stack entry per level.
const maxJSONDepth = 16

// parseTokenRequest reads the body (form-urlencoded or a JSON object) and the Basic credentials.
// Parameters in the URL query are not read: RFC 6749 puts them in the body. A client_id longer than any
// client's is refused here, before anything looks it up, caches it or logs it.
func parseTokenRequest(r *http.Request) (*tokenRequest, error) {
	mediaType, err := requestMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	var parse func([]byte) (map[string][]string, map[string]bool, error)
	switch mediaType {
	case formMediaType:
		parse = parseForm
	case "application/json":
		parse = parseJSON
	default:
		return nil, errContentType
	}
	body, err := readBody(r)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errBodyTooLarge
		}
		return nil, errBodyRead
	}
	params, notStrings, err := parse(body)
	if err != nil {
		return nil, err
	}
	user, password, ok, err := basicCredentials(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	if ok {
		params["client_id"] = append(params["client_id"], user)
		params["client_secret"] = append(params["client_secret"], password)
	}
	for _, id := range params["client_id"] {
		if tenant.ClientIDTooLong(id) {
			return nil, ErrInvalidClient
		}
	}
	return &tokenRequest{params: params, basic: ok, notStrings: notStrings}, nil
}

// formMediaType is the media type of form bodies, as clients send it.
const formMediaType = "application/x-www-form-urlencoded"

// requestMediaType returns the media type of a Content-Type value, without its parameters.
func requestMediaType(contentType string) (string, error) {
	if contentType == formMediaType {
		return formMediaType, nil // what mime.ParseMediaType returns for it, without its map of parameters
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", errContentType
	}
	return mediaType, nil
}

// readBody reads the whole body. A body with a Content-Length, which net/http holds it to, is read into
// a buffer of that length: io.ReadAll would start with 512 bytes for the hundred or so of a request.
func readBody(r *http.Request) ([]byte, error) {
	n := r.ContentLength
	if n <= 0 || n > maxBodyBytes {
		return io.ReadAll(r.Body)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.Body, body); err != nil {
		return nil, err
	}
	// Nothing should follow; whatever does (a body longer than its Content-Length, which net/http never
	// hands over) is read all the same, as io.ReadAll would have.
	var more [1]byte
	switch m, err := r.Body.Read(more[:]); {
	case m > 0:
		rest, err := io.ReadAll(r.Body)
		return append(append(body, more[0]), rest...), err
	case err != nil && err != io.EOF:
		return nil, err
	}
	return body, nil
}

func parseForm(body []byte) (map[string][]string, map[string]bool, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, nil, errFormBody
	}
	return values, nil, nil
}

// parseJSON reads one object. String values are parameters, a repeated key a second value. A value of
// another type (number, boolean, null, array, object) is skipped, its key noted in notStrings: the
// endpoint ignores parameters it does not know (RFC 6749 §3.2) and refuses one it reads that is not a
// string.
func parseJSON(body []byte) (params map[string][]string, notStrings map[string]bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a number is skipped, never converted: 1e999 is not an error
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errJSONBody
	}
	params = make(map[string][]string)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, nil, errJSONBody
		}
		k, ok := key.(string)
		if !ok {
			return nil, nil, errJSONBody
		}
		value, err := dec.Token()
		if err != nil {
			return nil, nil, errJSONBody
		}
		if v, ok := value.(string); ok {
			params[k] = append(params[k], v)
			continue
		}
		if notStrings == nil {
			notStrings = make(map[string]bool)
		}
		notStrings[k] = true
		if value == json.Delim('[') || value == json.Delim('{') {
			if err := skipNested(dec); err != nil {
				return nil, nil, err
			}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, errJSONBody
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errJSONBody // trailing data after the object
	}
	return params, notStrings, nil
}

// skipNested reads to the end of the array or object whose opening delimiter was just read. The
// decoder checks the syntax; this bounds the depth, so the decoder's stack stays small.
func skipNested(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return errJSONBody
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			if depth++; depth > maxJSONDepth {
				return errJSONDepth
			}
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
	return nil
}

// basicCredentials decodes an HTTP Basic Authorization header whose user and password are
// form-urlencoded (RFC 6749 §2.3.1). ok is false when the header is absent or uses another scheme;
// a malformed Basic header fails client authentication.
func basicCredentials(header string) (user, password string, ok bool, err error) {
	scheme, encoded, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	encoded = strings.TrimSpace(encoded)
	var buf [256]byte // a client_id and a secret of orgauth's fit; decoded here, they are copied once below
	decoded := buf[:0]
	if base64.StdEncoding.DecodedLen(len(encoded)) > len(buf) {
		decoded = nil
	}
	// The header's own bytes, read only: a conversion would copy them to the heap first.
	decoded, err = base64.StdEncoding.AppendDecode(decoded, unsafe.Slice(unsafe.StringData(encoded), len(encoded)))
	if err != nil {
		return "", "", false, ErrInvalidClient
	}
	rawUser, rawPassword, found := strings.Cut(string(decoded), ":")
	if !found {
		return "", "", false, ErrInvalidClient
	}
	if user, err = url.QueryUnescape(rawUser); err != nil {
		return "", "", false, ErrInvalidClient
	}
	if password, err = url.QueryUnescape(rawPassword); err != nil {
		return "", "", false, ErrInvalidClient
	}
	return user, password, true, nil
}

// peek returns a parameter's value for logging: "" when absent, conflicting, or req is nil.
func (t *tokenRequest) peek(name string) string {
	if t == nil {
		return ""
	}
	v, _ := t.param(name)
	return v
}
