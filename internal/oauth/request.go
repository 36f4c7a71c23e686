package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBodyBytes caps a token request body. The server caps bodies too; the endpoint does not rely on it.
const maxBodyBytes = 64 << 10

// tokenRequest is a token request parsed once: each parameter's values as sent in the body, with the
// HTTP Basic credentials counted as values of client_id and client_secret, so that one rule catches a
// parameter sent twice with different values wherever the copies came from (RFC 6749 §3.1–3.2).
type tokenRequest struct {
	params map[string][]string
	basic  bool // HTTP Basic credentials were sent; they are the last values of client_id and client_secret
}

// param returns the value of a parameter, "" when it is absent. Empty values count as absent
// (RFC 6749 §3.1); two different non-empty values are an invalid_request.
func (t *tokenRequest) param(name string) (string, error) {
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
	errJSONBody     = ErrInvalidRequest.WithDescription("The JSON body must be an object of string values")
)

// parseTokenRequest reads the body (form-urlencoded or a JSON object of strings) and the Basic
// credentials. Parameters in the URL query are not read: RFC 6749 puts them in the body.
func parseTokenRequest(r *http.Request) (*tokenRequest, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, errContentType
	}
	var parse func([]byte) (map[string][]string, error)
	switch mediaType {
	case "application/x-www-form-urlencoded":
		parse = parseForm
	case "application/json":
		parse = parseJSON
	default:
		return nil, errContentType
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errBodyTooLarge
		}
		return nil, errBodyRead
	}
	params, err := parse(body)
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
	return &tokenRequest{params: params, basic: ok}, nil
}

func parseForm(body []byte) (map[string][]string, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errFormBody
	}
	return values, nil
}

// parseJSON accepts one object whose values are all strings; a repeated key is kept as a second value.
func parseJSON(body []byte) (map[string][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errJSONBody
	}
	params := make(map[string][]string)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, errJSONBody
		}
		k, ok := key.(string)
		if !ok {
			return nil, errJSONBody
		}
		// Token rejects a value of the wrong kind after a key, and nested values are refused at
		// their first token, so depth never grows.
		value, err := dec.Token()
		if err != nil {
			return nil, errJSONBody
		}
		v, ok := value.(string)
		if !ok {
			return nil, errJSONBody
		}
		params[k] = append(params[k], v)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errJSONBody
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errJSONBody // trailing data after the object
	}
	return params, nil
}

// basicCredentials decodes an HTTP Basic Authorization header whose user and password are
// form-urlencoded (RFC 6749 §2.3.1). ok is false when the header is absent or uses another scheme;
// a malformed Basic header fails client authentication.
func basicCredentials(header string) (user, password string, ok bool, err error) {
	scheme, encoded, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
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
