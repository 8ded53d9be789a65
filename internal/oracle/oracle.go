// Package oracle runs rgallery's differential tests: the same input goes
// to one of our decoders (USD reader and composition, scene extraction, EXR
// reader, tev protocol decoder) and to the reference implementation of that
// format (OpenUSD's usd-core, OpenEXR, OpenImageIO, tevclient), both answers
// are put in one canonical JSON form, and the first difference is named.
//
// The references are Python packages in a virtual environment made by
// scripts/oracle-dev.sh (setup prints `export RGALLERY_ORACLE=...`). Tests
// that need it skip with a clear message when RGALLERY_ORACLE is unset, so
// `go test ./...` passes on a machine without it; CI sets it up.
//
// The Python side is one small script per area under scripts/oracle/ that
// reads a batch of jobs as JSON on stdin and prints one JSON answer per
// job, so that a whole suite costs one Python start, not one per case.
//
// Mismatches are never skipped silently: one that is listed in
// testdata/oracle/known-mismatches.txt (area | case | rule | issue) is
// counted as known and logged; any other fails the test. Each area ends
// with a summary line, `AREA: N cases, M mismatches, K known`, which
// scripts/oracle-dev.sh check prints (-oracle.summary).
//
// Generators of random inputs are seeded (-oracle.seed) and sized
// (-oracle.n), so any failure is one number to reproduce.
//
// Nothing in the product imports this package: it is for tests only.
package oracle

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	flagN       = flag.Int("oracle.n", 0, "number of generated cases per area (0: the test's default)")
	flagSeed    = flag.Uint64("oracle.seed", 0, "first seed of the generators (0: the test's default)")
	flagSummary = flag.Bool("oracle.summary", false, "print `oracle-summary: AREA: N cases, M mismatches, K known` lines on stdout")
)

// N is the number of generated cases a test should make: -oracle.n when
// given, else def.
func N(def int) int {
	if *flagN > 0 {
		return *flagN
	}
	return def
}

// Seed is the first seed of a generator: -oracle.seed when given, else def.
func Seed(def uint64) uint64 {
	if *flagSeed != 0 {
		return *flagSeed
	}
	return def
}

// Python is the oracle environment's interpreter, from RGALLERY_ORACLE; the
// test is skipped when it is unset.
func Python(t testing.TB) string {
	t.Helper()
	py := os.Getenv("RGALLERY_ORACLE")
	if py == "" {
		t.Skip("RGALLERY_ORACLE is unset: run `eval \"$(scripts/oracle-dev.sh setup -q)\"` to test against the reference implementations")
	}
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("RGALLERY_ORACLE=%s: %v (run scripts/oracle-dev.sh setup)", py, err)
	}
	return py
}

// Tool is an executable installed beside the oracle's Python (oiiotool,
// idiff, flip); the test is skipped when RGALLERY_ORACLE is unset.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(Python(t)), name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not in the oracle environment: %v", name, err)
	}
	return p
}

// Root is the module's root directory (the folder holding go.mod).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Script is the path of a script under scripts/oracle/.
func Script(name string) string {
	return filepath.Join(Root(), "scripts", "oracle", name)
}

// SharedDir is ../shared beside the project (or $RGALLERY_SHARED), or ""
// when absent.
func SharedDir() string {
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		return d
	}
	d := filepath.Join(Root(), "..", "shared")
	if _, err := os.Stat(d); err != nil {
		return ""
	}
	return d
}

// RunBatch runs scripts/oracle/SCRIPT with the oracle's Python, sends jobs
// (any JSON value, usually a list) on its stdin and decodes one JSON value
// per line of its stdout into the elements of the slice out points to. The
// script's stderr is kept for the error message. args go after the script.
func RunBatch[T any](t testing.TB, script string, args []string, jobs any) []T {
	t.Helper()
	return runBatch[T](t, Python(t), script, args, jobs, 20*time.Minute, false)
}

// runBatch is RunBatch with a given Python (e.g. Blender's), a time limit,
// and, with skipText, the stdout lines that are not JSON objects passed
// over (Blender prints its own messages there).
func runBatch[T any](t testing.TB, py, script string, args []string, jobs any, limit time.Duration, skipText bool) []T {
	t.Helper()
	in, err := json.Marshal(jobs)
	if err != nil {
		t.Fatalf("encode jobs for %s: %v", script, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{Script(script)}, args...)...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", py, script, err, tail(stderr.String(), 40))
	}
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || skipText && line[0] != '{' {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("%s: answer %d: %v: %.200s", script, len(out)+1, err, line)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: read answers: %v", script, err)
	}
	return out
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// A KnownMismatch is one line of testdata/oracle/known-mismatches.txt: an
// open defect, in the form `area | case | rule | issue`. Case may hold
// shell-style wildcards (filepath.Match), so that a rule that fails for
// every generated file of one kind is one line.
type KnownMismatch struct {
	Area, Case, Rule, Issue string
	Line                    int
}

// KnownFile is the path of the known-mismatches list.
func KnownFile() string {
	return filepath.Join(Root(), "testdata", "oracle", "known-mismatches.txt")
}

// LoadKnown reads the known mismatches of one area.
func LoadKnown(t testing.TB, area string) []KnownMismatch {
	t.Helper()
	data, err := os.ReadFile(KnownFile())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatalf("read known mismatches: %v", err)
	}
	var out []KnownMismatch
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 4 {
			t.Fatalf("%s:%d: want `area | case | rule | issue`, got %q", KnownFile(), i+1, line)
		}
		for j := range f {
			f[j] = strings.TrimSpace(f[j])
		}
		if f[0] != area {
			continue
		}
		if _, err := filepath.Match(f[1], ""); err != nil {
			t.Fatalf("%s:%d: bad case pattern %q: %v", KnownFile(), i+1, f[1], err)
		}
		out = append(out, KnownMismatch{Area: f[0], Case: f[1], Rule: f[2], Issue: f[3], Line: i + 1})
	}
	return out
}

// Tally counts one area's cases and mismatches and tells known mismatches
// from new ones. It is safe for concurrent use.
type Tally struct {
	Area  string
	known []KnownMismatch

	mu         sync.Mutex
	cases      int
	mismatches int
	knownHits  int
	noRef      int
	used       map[int]bool
	rules      map[string]int
}

// NewTally starts counting for area, with its known mismatches loaded.
func NewTally(t testing.TB, area string) *Tally {
	return &Tally{Area: area, known: LoadKnown(t, area), used: map[int]bool{}, rules: map[string]int{}}
}

// Case records one compared case. diff is "" when ours and the
// reference's answers agree, else the first difference. A difference
// that matches a known-mismatch line is logged; any other fails t.
func (ta *Tally) Case(t testing.TB, name, diff string) {
	t.Helper()
	ta.mu.Lock()
	defer ta.mu.Unlock()
	ta.cases++
	if diff == "" {
		return
	}
	ta.mismatches++
	for _, k := range ta.known {
		if ok, _ := filepath.Match(k.Case, name); ok {
			ta.knownHits++
			ta.used[k.Line] = true
			ta.rules[k.Rule]++
			t.Logf("known mismatch (%s, %s) %s: %s", k.Issue, k.Rule, name, diff)
			return
		}
	}
	t.Errorf("%s mismatch in %s: %s", ta.Area, name, diff)
}

// NoReference records a case the reference could not answer (it failed
// one of its own internal assertions, or did not finish): there is no
// expected result to compare with. The case is counted and logged, not
// compared, so it is neither a mismatch nor a pass.
func (ta *Tally) NoReference(t testing.TB, name, why string) {
	t.Helper()
	ta.mu.Lock()
	defer ta.mu.Unlock()
	ta.cases++
	ta.noRef++
	t.Logf("no reference answer for %s: %s", name, why)
}

// Report logs the area's summary line (and prints it for oracle-dev.sh
// check), and which known-mismatch lines matched nothing, since those are
// fixed or stale.
func (ta *Tally) Report(t testing.TB) {
	t.Helper()
	ta.mu.Lock()
	defer ta.mu.Unlock()
	line := fmt.Sprintf("%s: %d cases, %d mismatches, %d known", ta.Area, ta.cases, ta.mismatches, ta.knownHits)
	if ta.noRef > 0 {
		line += fmt.Sprintf(", %d without a reference answer", ta.noRef)
	}
	t.Log(line)
	if *flagSummary {
		fmt.Printf("oracle-summary: %s\n", line)
	}
	var rules []string
	for r, n := range ta.rules {
		rules = append(rules, fmt.Sprintf("%5d  %s", n, r))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(rules)))
	if len(rules) > 0 {
		t.Logf("%s known mismatches by rule:\n%s", ta.Area, strings.Join(rules, "\n"))
	}
	for _, k := range ta.known {
		if !ta.used[k.Line] && !strings.Contains(k.Case, "*") {
			t.Logf("%s:%d matched no case this run (fixed, or not run): %s | %s", KnownFile(), k.Line, k.Case, k.Rule)
		}
	}
}
