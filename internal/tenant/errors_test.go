package tenant

import (
	"errors"
	"fmt"
	"testing"

	"github.com/orgauth/orgauth/internal/store"
)

func TestAsError(t *testing.T) {
	named := &Error{Kind: KindNotFound, Message: "The client does not exist.", Code: "inexistent_client"}
	tests := []struct {
		name string
		err  error
		want *Error // nil: a server fault
	}{
		{"a refusal an operation named, wrapped", fmt.Errorf("op: %w", named), named},
		{"a store not found no operation named", fmt.Errorf("load: %w", store.ErrNotFound), errNoSuchRecord},
		{"a store conflict no operation named", fmt.Errorf("put: %w", store.ErrConflict), errRecordExists},
		{"a cursor no operation checked", fmt.Errorf("list: %w", store.ErrInvalidCursor), errInvalidCursor},
		{"an unreachable database is a server fault", fmt.Errorf("dial: %w", ErrUnavailable), nil},
		{"a stale snapshot is a server fault", ErrStale, nil},
		{"anything else is a server fault", errors.New("disk full"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AsError(tt.err)
			if got != tt.want || ok != (tt.want != nil) {
				t.Errorf("AsError = %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
	if !errors.Is(ErrStale, ErrUnavailable) || !errors.Is(fmt.Errorf("x: %w", store.ErrUnavailable), ErrUnavailable) {
		t.Error("ErrUnavailable does not match the store's unavailability")
	}
}
