package accesstoken

import (
	"os"
	"strings"
	"testing"
)

// accesstoken is its own module so that a resource server importing it gets go-jose and nothing else (no
// store driver, no browser), and builds with a Go release older than the server's.
func TestModuleRequiresOnlyGoJose(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatalf("accesstoken must be its own module: %v", err)
	}
	var module, goVersion string
	var requires []string
	inBlock := false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.SplitN(line, "//", 2)[0])
		switch {
		case len(f) == 0:
		case inBlock && f[0] == ")":
			inBlock = false
		case inBlock:
			requires = append(requires, f[0])
		case f[0] == "module" && len(f) == 2:
			module = f[1]
		case f[0] == "go" && len(f) == 2:
			goVersion = f[1]
		case f[0] == "require" && len(f) == 2 && f[1] == "(":
			inBlock = true
		case f[0] == "require" && len(f) == 3:
			requires = append(requires, f[1])
		default:
			t.Errorf("unexpected go.mod line %q", line)
		}
	}
	if module != "github.com/orgauth/orgauth/accesstoken" {
		t.Errorf("module %q", module)
	}
	if goVersion != "1.24.0" {
		t.Errorf("go %s, want 1.24.0, the oldest go-jose v4.1.9 allows", goVersion)
	}
	if len(requires) != 1 || requires[0] != "github.com/go-jose/go-jose/v4" {
		t.Errorf("requires %v, want go-jose alone", requires)
	}
}
