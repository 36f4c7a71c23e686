package mgmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
	"github.com/orgauth/orgauth/internal/tenant"
)

func TestErrorRendersAuth0Shape(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"with an errorCode", &Error{StatusCode: 404, Message: "The grant does not exist.", ErrorCode: "inexistent_client_grant"},
			`{"statusCode":404,"error":"Not Found","message":"The grant does not exist.","errorCode":"inexistent_client_grant"}`},
		{"without an errorCode", &Error{StatusCode: 409, Message: "An organization with this name already exists."},
			`{"statusCode":409,"error":"Conflict","message":"An organization with this name already exists."}`},
		{"413 uses its reason phrase", &Error{StatusCode: 413, Message: "too big"},
			`{"statusCode":413,"error":"Request Entity Too Large","message":"too big"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.err)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAsErrorMapsCauses(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"tenant invalid", &tenant.Error{Kind: tenant.KindInvalid, Message: "m", Code: "invalid_body"}, 400, "invalid_body"},
		{"tenant not found, wrapped", fmt.Errorf("op: %w", &tenant.Error{Kind: tenant.KindNotFound, Message: "m"}), 404, ""},
		{"tenant conflict", &tenant.Error{Kind: tenant.KindConflict, Message: "m", Code: "c"}, 409, "c"},
		{"tenant forbidden", &tenant.Error{Kind: tenant.KindForbidden, Message: "m"}, 403, ""},
		{"invalid paging cursor", fmt.Errorf("list: %w", store.ErrInvalidCursor), 400, "invalid_query_string"},
		{"store not found", fmt.Errorf("get: %w", store.ErrNotFound), 404, ""},
		{"store conflict", fmt.Errorf("put: %w", store.ErrConflict), 409, ""},
		{"mgmt error", queryError("page", "x"), 400, "invalid_query_string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := asError(tt.err)
			if !ok || e.StatusCode != tt.status || e.ErrorCode != tt.code {
				t.Errorf("got %+v, %v; want %d %q", e, ok, tt.status, tt.code)
			}
		})
	}
}

func TestUnreachableStoreIsUnavailableAndLogged(t *testing.T) {
	e, ok := asError(fmt.Errorf("list clients: dial tcp: %w", store.ErrUnavailable))
	if ok || e.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("got %+v, %v; want a logged 503", e, ok)
	}
}

func TestServerFaultsAreLoggedNotSent(t *testing.T) {
	var logs bytes.Buffer
	h := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	w := httptest.NewRecorder()
	h.writeError(w, httptest.NewRequest(http.MethodGet, "/api/v2/clients", nil), errors.New("database is locked at /var/lib/secret.db"))

	if w.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if strings.Contains(w.Body.String(), "secret.db") {
		t.Errorf("the cause leaked: %s", w.Body)
	}
	if want := `{"statusCode":500,"error":"Internal Server Error","message":"Internal error"}` + "\n"; w.Body.String() != want {
		t.Errorf("body = %s, want %s", w.Body, want)
	}
	if !strings.Contains(logs.String(), "secret.db") || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the cause was not logged at ERROR: %s", logs.String())
	}
}

func TestClientMistakesAreNotLoggedAsErrors(t *testing.T) {
	var logs bytes.Buffer
	h := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	w := httptest.NewRecorder()
	h.writeError(w, httptest.NewRequest(http.MethodGet, "/", nil), &tenant.Error{Kind: tenant.KindNotFound, Message: "gone"})
	if w.Code != http.StatusNotFound || logs.Len() != 0 {
		t.Errorf("status %d, logs %q", w.Code, logs.String())
	}
}
