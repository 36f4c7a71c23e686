package mgmt

import (
	"encoding/json"
	"net/http"
)

// writeJSON sends v as the JSON body. Management data (and the client secrets that create and
// rotate-secret return) must not be cached anywhere on the way.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// An encoding error here means the client went away; there is nobody left to tell.
	_ = json.NewEncoder(w).Encode(v)
}

// writeNoContent answers a successful delete.
func writeNoContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// mapSlice converts a page of entities to their wire form; the result is never nil, so an empty list is
// sent as [] rather than null.
func mapSlice[T, J any](in []T, f func(T) J) []J {
	out := make([]J, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// reply writes out(v) with status, or hands err back to the caller's error writer.
func reply[T, J any](w http.ResponseWriter, status int, v T, err error, out func(T) J) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, out(v))
	return nil
}
