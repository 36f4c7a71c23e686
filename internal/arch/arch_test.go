package arch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/orgauth/orgauth"

// The rules, as in docs/architecture.md: for each package of the module (its path inside the module;
// "x/..." stands for the packages below x, not x itself), the packages of the module it may import.
// A package missing from this table fails the test, so a new package gets a place in the layering
// when it is added, not later. Only the non-test files count: a test may import what it needs to
// drive the package end to end.
//
// The arrows go cmd -> cli -> server -> {oauth, mgmt, dashboard} -> tenant -> keys -> store, with policy,
// pure, beside: the faces speak to tenant alone, whose records, errors and signing keys are their vocabulary.
// The dashboard lets administrators in through admins, which sits beside tenant over the store.
var mayImport = map[string][]string{
	// main picks the subcommand; everything else sits behind internal/cli.
	"cmd/orgauth": {"internal/cli"},
	// The command line: serve (through server), the admin verbs (through tenant, admins and keys), bench.
	"internal/cli": {"internal/server", "internal/bench", "internal/config", "internal/tenant", "internal/admins",
		"internal/keys", "internal/kek", "internal/store", "internal/logattr"},
	// The benchmark seeds a store and runs the server; only the command line imports it (below), so it
	// stays out of the server's import graph.
	"internal/bench": {"internal/server", "internal/config", "internal/tenant", "internal/keys", "internal/kek",
		"internal/store", "internal/logattr", "internal/jsonappend"},
	// Wiring: the one package that knows every face and the SQL store (cli and bench open a store
	// through server.OpenStore); it makes the one password hasher that every kind of login shares.
	"internal/server": {"internal/config", "internal/oauth", "internal/mgmt", "internal/dashboard", "internal/login",
		"internal/tenant", "internal/admins", "internal/password", "internal/policy", "internal/keys",
		"internal/kek", "internal/store", "internal/store/sqlstore", "internal/logattr", "accesstoken"},
	// The faces: each speaks to tenant (and policy's pure decision), never to another face, nor to the
	// store or the keys: tenant re-exports the records, paging, errors and key operations they need, so a
	// new face adds no copy of the rules.
	"internal/oauth": {"internal/tenant", "internal/policy", "internal/logattr", "internal/jsonappend", "accesstoken"},
	// The Management API verifies its bearer tokens with the public verifier, as any resource server.
	"internal/mgmt": {"internal/tenant", "internal/policy", "internal/logattr", "accesstoken"},
	// The people's login flow: /authorize and the /u/ pages.
	"internal/login": {"internal/tenant", "internal/policy", "internal/authlimit", "internal/logattr"},
	// The dashboard lets administrators in through admins (its Admins interface, wired by server), whose
	// session record and refusals are in admins' words, as the tenant's are in tenant's.
	"internal/dashboard": {"internal/tenant", "internal/admins", "internal/policy", "internal/logattr"},
	// The domain: tenant's operations and its snapshots (the facts policy decides on), over the store and
	// the signing keys (which sign only what policy decided); policy is pure.
	"internal/tenant": {"internal/store", "internal/keys", "internal/policy", "internal/password", "internal/kek", "internal/logattr",
		"internal/query"},
	"internal/keys": {"internal/store", "internal/policy", "internal/kek", "internal/logattr", "internal/jsonappend"},
	// The administrators' authentication (accounts, sign-in, sessions): over the store's admin and session
	// methods, with password's hashing; it knows nothing of the tenant's rules.
	"internal/admins": {"internal/store", "internal/password"},
	"internal/policy": {},
	// The store: the interface and records import nothing of ours; the one SQL implementation (both
	// engines) and the conformance suite import the store; pgtest, a test helper, nothing of ours.
	"internal/store":                 {},
	"internal/store/sqlstore":        {"internal/store"},
	"internal/store/sqlstore/pgtest": {},
	"internal/store/storetest":       {"internal/store"},
	// Leaves.
	"internal/config":     {},
	"internal/kek":        {},
	"internal/logattr":    {},
	"internal/password":   {},
	"internal/authlimit":  {},
	"internal/jsonappend": {},
	// The parser of the q parameter's query syntax (user search; log search to come).
	"internal/query": {},
	// This package: a test only.
	"internal/arch": {},
	// Public: what other modules import; never internal/....
	"accesstoken": {},
	// Examples are resource servers of their own: they see only what another module could.
	"examples/...": {"accesstoken"},
}

// mayImportOutside limits the imports from outside the module and the standard library, for the
// packages whose promise is a short dependency list.
var mayImportOutside = map[string][]string{
	// Resource servers import accesstoken into their own module: stdlib and the JOSE library only.
	"accesstoken": {"github.com/go-jose/go-jose/v4", "github.com/go-jose/go-jose/v4/..."},
}

// notIn lists packages that must stay out of a package's whole import graph, not only its direct imports.
var notIn = map[string][]string{
	"internal/server": {"internal/bench", "internal/cli", "cmd/..."},
	"accesstoken":     {"internal/..."},
}

// pkg is what the test reads of one package from go list.
type pkg struct {
	ImportPath string
	Imports    []string
	Error      *struct{ Err string }
}

func TestImportRules(t *testing.T) {
	consultSources(t)
	pkgs := listModule(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages of %s; is the test running inside the module?", len(pkgs), module)
	}
	for _, v := range check(pkgs, mayImport, mayImportOutside, notIn) {
		t.Error(v)
	}
}

// consultSources looks at every directory and Go file of the repository. go test caches a passing
// result until a file the test consulted changes, and it cannot see what go list read: without this, an
// import added later would be judged by a stale pass.
func consultSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata"):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(path, ".go"):
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("read the sources: %v", err)
	}
}

// listModule runs go list over every package of the module and returns each one's path inside the
// module and imports (module imports made relative, others as they are).
func listModule(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Error", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		if p.Error != nil {
			t.Fatalf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		name, ok := inModule(p.ImportPath)
		if !ok {
			continue
		}
		imports := make([]string, 0, len(p.Imports))
		for _, imp := range p.Imports {
			if rel, ok := inModule(imp); ok {
				imp = rel
			}
			imports = append(imports, imp)
		}
		pkgs[name] = imports
	}
	return pkgs
}

// inModule returns path relative to the module root, and whether it is in the module; the module's
// root package, if there ever is one, is ".".
func inModule(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(path, module+"/")
	return rel, ok
}

// check returns one message per broken rule in the import graph pkgs (package -> its direct imports,
// module packages relative to the module root).
func check(pkgs map[string][]string, may, outside, notIn map[string][]string) []string {
	var msgs []string
	for _, name := range sortedKeys(pkgs) {
		allowed, ok := lookup(may, name)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("package %s has no import rule: give it one in mayImport (internal/arch/arch_test.go) and docs/architecture.md", name))
			continue
		}
		ext, limitExt := lookup(outside, name)
		for _, imp := range pkgs[name] {
			_, ours := pkgs[imp]
			switch {
			case ours && !matchAny(allowed, imp):
				msgs = append(msgs, fmt.Sprintf("forbidden import: %s imports %s; %s may import only %s (see docs/architecture.md)",
					name, imp, name, describe(allowed)))
			case !ours && limitExt && !isStd(imp) && !matchAny(ext, imp):
				msgs = append(msgs, fmt.Sprintf("forbidden import: %s imports %s; outside the standard library it may import only %s",
					name, imp, describe(ext)))
			}
		}
	}
	for _, name := range sortedKeys(notIn) {
		if _, ok := pkgs[name]; !ok {
			continue
		}
		for _, dep := range closure(pkgs, name) {
			if matchAny(notIn[name], dep) {
				msgs = append(msgs, fmt.Sprintf("forbidden dependency: %s depends on %s (through %s); it must stay out of %s's import graph",
					name, dep, strings.Join(pathTo(pkgs, name, dep), " -> "), name))
			}
		}
	}
	return msgs
}

// lookup returns the rule for name: its own entry, or else that of the nearest "x/..." above it.
func lookup(rules map[string][]string, name string) ([]string, bool) {
	if r, ok := rules[name]; ok {
		return r, true
	}
	for dir := name; ; {
		i := strings.LastIndex(dir, "/")
		if i < 0 {
			return nil, false
		}
		dir = dir[:i]
		if r, ok := rules[dir+"/..."]; ok {
			return r, true
		}
	}
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if p == path {
			return true
		}
		if prefix, ok := strings.CutSuffix(p, "/..."); ok && strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return false
}

// isStd reports whether path is in the standard library: its first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// closure returns the module packages that name depends on, directly or not, sorted.
func closure(pkgs map[string][]string, name string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, imp := range pkgs[p] {
			if _, ours := pkgs[imp]; ours && !seen[imp] {
				seen[imp] = true
				walk(imp)
			}
		}
	}
	walk(name)
	return sortedKeys(seen)
}

// pathTo returns one import chain from -> ... -> to, for the message.
func pathTo(pkgs map[string][]string, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var chain []string
			for ; p != ""; p = prev[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, imp := range pkgs[p] {
			if _, seen := prev[imp]; !seen {
				prev[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return []string{from, "?", to}
}

func describe(allowed []string) string {
	if len(allowed) == 0 {
		return "nothing of this module"
	}
	return strings.Join(allowed, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestCheck shows the checker itself at work on small graphs, each breaking one kind of rule.
func TestCheck(t *testing.T) {
	may := map[string][]string{
		"cmd/x":              {"internal/server"},
		"internal/server":    {"internal/mgmt", "internal/dashboard", "internal/store/..."},
		"internal/mgmt":      {"internal/tenant"},
		"internal/dashboard": {"internal/tenant"},
		"internal/tenant":    {"internal/store"},
		"internal/store":     {},
		"internal/store/...": {"internal/store"},
		"internal/bench":     {"internal/server"},
		"accesstoken":        {},
	}
	outside := map[string][]string{"accesstoken": {"github.com/go-jose/go-jose/v4/..."}}
	notIn := map[string][]string{"internal/server": {"internal/bench"}}
	good := map[string][]string{
		"cmd/x":                   {"internal/server", "os"},
		"internal/server":         {"internal/mgmt", "internal/dashboard", "internal/store/sqlstore", "net/http"},
		"internal/mgmt":           {"internal/tenant", "encoding/json"},
		"internal/dashboard":      {"internal/tenant", "html/template", "github.com/some/lib"},
		"internal/tenant":         {"internal/store"},
		"internal/store":          {"context"},
		"internal/store/sqlstore": {"internal/store", "modernc.org/sqlite"},
		"internal/bench":          {"internal/server"},
		"accesstoken":             {"crypto/rsa", "github.com/go-jose/go-jose/v4/jwt"},
	}
	// with returns good with pkg's imports replaced.
	with := func(pkg string, imports ...string) map[string][]string {
		g := map[string][]string{}
		for k, v := range good {
			g[k] = v
		}
		g[pkg] = imports
		return g
	}
	tests := []struct {
		name string
		pkgs map[string][]string
		want []string
	}{
		{name: "ok/the graph follows the rules", pkgs: good},
		{
			name: "fail/a face imports another face",
			pkgs: with("internal/mgmt", "internal/tenant", "internal/dashboard"),
			want: []string{"forbidden import: internal/mgmt imports internal/dashboard; internal/mgmt may import only internal/tenant (see docs/architecture.md)"},
		},
		{
			name: "fail/the store imports a package of ours",
			pkgs: with("internal/store", "internal/tenant"),
			want: []string{"forbidden import: internal/store imports internal/tenant; internal/store may import only nothing of this module (see docs/architecture.md)"},
		},
		{
			name: "fail/the public package imports an internal one",
			pkgs: with("accesstoken", "internal/tenant"),
			want: []string{"forbidden import: accesstoken imports internal/tenant; accesstoken may import only nothing of this module (see docs/architecture.md)"},
		},
		{
			name: "fail/the public package imports a library outside its list",
			pkgs: with("accesstoken", "crypto/rsa", "github.com/some/lib"),
			want: []string{"forbidden import: accesstoken imports github.com/some/lib; outside the standard library it may import only github.com/go-jose/go-jose/v4/..."},
		},
		{
			name: "fail/a package has no rule",
			pkgs: with("internal/newthing", "internal/store"),
			want: []string{"package internal/newthing has no import rule: give it one in mayImport (internal/arch/arch_test.go) and docs/architecture.md"},
		},
		{
			name: "fail/the server's graph reaches bench indirectly",
			pkgs: with("internal/tenant", "internal/store", "internal/bench"),
			want: []string{
				"forbidden import: internal/tenant imports internal/bench; internal/tenant may import only internal/store (see docs/architecture.md)",
				"forbidden dependency: internal/server depends on internal/bench (through internal/server -> internal/mgmt -> internal/tenant -> internal/bench); it must stay out of internal/server's import graph",
			},
		},
		{
			name: "fail/a face reaches past tenant to the store",
			pkgs: with("internal/mgmt", "internal/tenant", "internal/store"),
			want: []string{"forbidden import: internal/mgmt imports internal/store; internal/mgmt may import only internal/tenant (see docs/architecture.md)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := check(tt.pkgs, may, outside, notIn)
			if !slices.Equal(got, tt.want) {
				t.Errorf("check:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
