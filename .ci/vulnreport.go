// Command vulnreport reads govulncheck's JSON output (-format json) for one or more modules and
// decides, unlike govulncheck's exit code, with a list of accepted vulnerabilities: it fails when our
// code calls a vulnerable symbol (a symbol-level finding) whose ID is not in the accept file. Found but
// not called (only imported, or only required) is printed and passes. An accept-file entry that no
// module reaches any more is reported so that it can be removed.
//
// .ci/vulncheck runs it as: go run .ci/vulnreport.go ACCEPT_FILE NAME=JSON_FILE...
// It uses only the standard library; .ci is outside ./..., so no package of ours contains it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
)

// The parts of govulncheck's JSON protocol (v1.0.0, golang.org/x/vuln/internal/govulncheck) read here.
type message struct {
	Config *struct {
		ScannerVersion string `json:"scanner_version"`
		GoVersion      string `json:"go_version"`
		ScanLevel      string `json:"scan_level"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *finding `json:"finding"`
}

type finding struct {
	OSV          string   `json:"osv"`
	FixedVersion string   `json:"fixed_version"`
	Trace        []*frame `json:"trace"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
	} `json:"position"`
}

// vuln is what one module's scan found of one vulnerability.
type vuln struct {
	id, summary     string
	module, version string // the vulnerable module ("stdlib" for the standard library) as built
	fixed           string // the first version that fixes it, "" when none does
	called          bool
	examples        []string // up to maxExamples call paths from our code
}

const maxExamples = 3

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/vulnreport.go ACCEPT_FILE NAME=GOVULNCHECK_JSON...")
		os.Exit(2)
	}
	accepted, err := readAccept(os.Args[1])
	if err != nil {
		fatal(err)
	}
	used := map[string]bool{}
	failed := false
	for _, arg := range os.Args[2:] {
		name, file, ok := strings.Cut(arg, "=")
		if !ok {
			fatal(fmt.Errorf("argument %q is not NAME=FILE", arg))
		}
		vulns, goVersion, err := readScan(file)
		if err != nil {
			fatal(fmt.Errorf("%s: %v", name, err))
		}
		if report(os.Stdout, name, goVersion, vulns, accepted, used) {
			failed = true
		}
	}
	for _, id := range sortedKeys(accepted) {
		if !used[id] {
			fmt.Printf("note: %q is in %s but no scan found our code calling it: remove it\n", id, os.Args[1])
		}
	}
	if failed {
		fmt.Println("FAIL: our code calls a known vulnerability: upgrade the module that has it (go get MODULE@FIXED; go mod tidy in that module), or, if no upgrade can be had, accept it in " + os.Args[1] + " with the reason")
		os.Exit(1)
	}
}

// report prints one module's findings and says whether any called vulnerability is not accepted.
func report(w io.Writer, name, goVersion string, vulns []*vuln, accepted map[string]string, used map[string]bool) (failed bool) {
	var called, notCalled []*vuln
	for _, v := range vulns {
		if v.called {
			called = append(called, v)
		} else {
			notCalled = append(notCalled, v)
		}
	}
	fmt.Fprintf(w, "%s (standard library of %s): our code calls %d known vulnerabilities; %d more are in packages or modules we use but not called\n",
		name, goVersion, len(called), len(notCalled))
	for _, v := range called {
		key := v.id + " " + v.module
		if _, ok := accepted[key]; ok {
			used[key] = true
			fmt.Fprintf(w, "  accepted: %s %s@%s, fixed in %s: %s\n", v.id, v.module, v.version, orNone(v.fixed), v.summary)
			continue
		}
		failed = true
		fmt.Fprintf(w, "  CALLED, NOT ACCEPTED: %s %s@%s, fixed in %s: %s\n", v.id, v.module, v.version, orNone(v.fixed), v.summary)
		for _, e := range v.examples {
			fmt.Fprintf(w, "      %s\n", e)
		}
	}
	if len(notCalled) > 0 {
		ids := make([]string, len(notCalled))
		for i, v := range notCalled {
			ids[i] = v.id + " (" + v.module + ")"
		}
		fmt.Fprintf(w, "  not called: %s\n", strings.Join(ids, ", "))
	}
	return failed
}

// readScan reads one govulncheck JSON stream: a sequence of JSON objects, one message each.
func readScan(file string) (vulns []*vuln, goVersion string, err error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	summaries := map[string]string{}
	byKey := map[[2]string]*vuln{} // by ID and vulnerable module: one ID can cover the standard library and a module
	sawConfig := false
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, "", err
		}
		switch {
		case m.Config != nil:
			sawConfig = true
			goVersion = m.Config.GoVersion
			if m.Config.ScanLevel != "symbol" {
				return nil, "", fmt.Errorf("scan level %q: only a symbol-level scan tells what our code calls", m.Config.ScanLevel)
			}
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			fd := m.Finding
			key := [2]string{fd.OSV, fd.Trace[0].Module}
			v := byKey[key]
			if v == nil {
				v = &vuln{id: fd.OSV, module: fd.Trace[0].Module, version: fd.Trace[0].Version, fixed: fd.FixedVersion}
				byKey[key] = v
			}
			if fd.Trace[0].Function != "" { // a symbol-level finding: a call path from our code
				v.called = true
				if e := example(fd.Trace); len(v.examples) < maxExamples && !slices.Contains(v.examples, e) {
					v.examples = append(v.examples, e)
				}
			}
		}
	}
	if !sawConfig {
		return nil, "", fmt.Errorf("%s is not govulncheck JSON output (no config message)", file)
	}
	// govulncheck sends every entry that concerns a module we use, whatever its version, and the
	// standard library has hundreds: none means that the database could not be read, not that all is well.
	if len(summaries) == 0 {
		return nil, "", fmt.Errorf("the database had no entry for any module used, not even the standard library: is it broken?")
	}
	for _, v := range byKey {
		v.summary = summaries[v.id]
		vulns = append(vulns, v)
	}
	slices.SortFunc(vulns, func(a, b *vuln) int {
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		return strings.Compare(a.module, b.module)
	})
	return vulns, goVersion, nil
}

// example formats a trace, which runs from the vulnerable symbol (first) to our code's entry point
// (last), as govulncheck's text output does: from the last frame in our module, where the call leaves
// it, "file:line:col: ourpkg.F calls dep.G, which eventually calls vuln.H".
func example(trace []*frame) string {
	exit := len(trace) - 1
	for i, f := range trace {
		if f.Module == trace[len(trace)-1].Module {
			exit = i
			break
		}
	}
	if exit == 0 { // the vulnerable symbol is in our module: show the whole path
		exit = len(trace) - 1
	}
	trace = trace[:exit+1]
	top := trace[exit]
	var b strings.Builder
	if p := top.Position; p != nil && p.Line > 0 {
		fmt.Fprintf(&b, "%s:%d:%d: ", p.Filename, p.Line, p.Column)
	}
	if exit > 0 {
		b.WriteString(symbol(top) + " calls ")
	}
	if exit > 1 {
		b.WriteString(symbol(trace[exit-1]) + ", which ")
		if exit > 2 {
			b.WriteString("eventually ")
		}
		b.WriteString("calls ")
	}
	b.WriteString(symbol(trace[0]))
	return b.String()
}

// symbol is pkg.Receiver.Function, pkg being the package's usual name: the last element of its path,
// less a major version suffix and a "go-" prefix.
func symbol(f *frame) string {
	pkg := path.Base(f.Package)
	if len(pkg) > 1 && pkg[0] == 'v' && strings.Trim(pkg[1:], "0123456789") == "" {
		pkg = path.Base(path.Dir(f.Package))
	}
	s := strings.TrimPrefix(pkg, "go-") + "."
	if r := strings.TrimPrefix(f.Receiver, "*"); r != "" {
		s += r + "."
	}
	name, _, _ := strings.Cut(f.Function, "$")
	return s + name
}

// readAccept reads the accept file: per line a vulnerability ID, the vulnerable module ("stdlib" for
// the standard library) and the reason, separated by spaces or tabs; blank lines and lines starting
// with # are skipped. The result is keyed by "ID MODULE".
func readAccept(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	accepted := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want ID MODULE REASON", file, i+1)
		}
		accepted[fields[0]+" "+fields[1]] = strings.Join(fields[2:], " ")
	}
	return accepted, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func orNone(s string) string {
	if s == "" {
		return "no version yet"
	}
	return s
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "vulnreport:", err)
	os.Exit(2)
}
