package oauth

import (
	"errors"
	"fmt"
	"testing"
)

func TestWithDescriptionCopiesAndMatchesByCode(t *testing.T) {
	e := ErrAccessDenied.WithDescription("no")
	if e.Description != "no" || e.Code != "access_denied" || e.Status != 403 {
		t.Errorf("copy = %+v", e)
	}
	if ErrAccessDenied.Description != "Access denied" {
		t.Errorf("the package value changed: %+v", ErrAccessDenied)
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", e), ErrAccessDenied) {
		t.Error("errors.Is does not match a copy by code")
	}
	if errors.Is(e, ErrInvalidRequest) {
		t.Error("errors.Is matches another code")
	}
}
