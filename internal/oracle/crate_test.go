package oracle

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/usd"
)

// -oracle.update saves shrunk failing cases as regression cases. Another
// area's file may define the same flag: define it only once, read it by name.
var _ = defineBoolFlag("oracle.update", "save shrunk failing generated cases under testdata as regression cases")

func defineBoolFlag(name, usage string) bool {
	if flag.Lookup(name) == nil {
		flag.Bool(name, false, usage)
	}
	return true
}

func boolFlag(name string) bool {
	f := flag.Lookup(name)
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

// crateCase is one usda layer to be written as a crate at one version.
type crateCase struct {
	Name    string // case name for the tally and known-mismatches
	Version string
	Usda    string // the layer text
	gen     *GenLayer
	drop    map[int]bool

	firstDiff string
	seed      uint64 // generated cases: made when their batch runs
}

// crateBatch is the number of cases sent to OpenUSD at once.
const crateBatch = 250

type crateJob struct {
	Name    string `json:"name"`
	Usda    string `json:"usda"`
	Usdc    string `json:"usdc"`
	Version string `json:"version"`
}

type crateAnswer struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	Dump    json.RawMessage `json:"dump"`
	Error   string          `json:"error"`
}

const crateRegressionDir = "testdata/crate"

// TestOracleCrate has OpenUSD write generated usda layers (every crate
// value type, scalar and array, default and time-sampled, metadata, list
// ops, targets, variants) as .usdc at every crate version it writes, and
// checks that our crate reader gives every spec, field and value of each
// file bit for bit as OpenUSD reads it. Saved regression cases under
// testdata/crate run first.
func TestOracleCrate(t *testing.T) {
	Python(t)
	tally := NewTally(t, "crate")
	var cases []*crateCase
	saved, _ := filepath.Glob(filepath.Join(crateRegressionDir, "*.usda"))
	sort.Strings(saved)
	for _, p := range saved {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// v0.8.0-s123.usda: the version is the file name's first part.
		base := filepath.Base(p)
		ver := strings.TrimPrefix(strings.SplitN(base, "-", 2)[0], "v")
		cases = append(cases, &crateCase{Name: "testdata/crate/" + base, Version: ver, Usda: string(b)})
	}
	n, seed := N(200), Seed(1)
	for i := 0; i < n; i++ {
		s := seed + uint64(i)
		ver := CrateVersions[s%uint64(len(CrateVersions))]
		cases = append(cases, &crateCase{Name: fmt.Sprintf("gen/%s/%d", ver, s), Version: ver, seed: s})
	}
	dir := t.TempDir()
	start := time.Now()
	var failing []*crateCase
	// Batches of crateBatch cases: one Python start each, and a soak of
	// any size holds only one batch of layers and dumps at a time.
	for lo := 0; lo < len(cases); lo += crateBatch {
		batch := cases[lo:min(lo+crateBatch, len(cases))]
		for _, c := range batch {
			if c.Name != "" && c.Usda == "" {
				c.gen = GenerateCrateLayer(c.seed, c.Version)
				c.Usda = c.gen.Usda(nil)
			}
		}
		diffs := runCrateCases(t, filepath.Join(dir, fmt.Sprintf("b%d", lo)), batch)
		for i, c := range batch {
			tally.Case(t, c.Name, diffs[i])
			if diffs[i] != "" && !isKnown(tally, c.Name) {
				c.firstDiff = diffs[i]
				failing = append(failing, c)
			} else {
				c.gen, c.Usda = nil, "done" // keep only failing layers
			}
		}
		os.RemoveAll(filepath.Join(dir, fmt.Sprintf("b%d", lo)))
	}
	t.Logf("%d crates written by OpenUSD and compared in %v", len(cases), time.Since(start).Round(time.Millisecond))
	// Shrink the first few new failures: drop items while the case still fails.
	shrunk := 0
	for _, c := range failing {
		if shrunk == 2 {
			break
		}
		if c.gen == nil || strings.HasPrefix(c.firstDiff, "reference: ") {
			continue // a saved case, or OpenUSD refused the layer (a generator bug)
		}
		shrunk++
		small, d := shrinkCrate(t, dir, c)
		t.Logf("%s shrunk (%d bytes, still: %s):\n%s", c.Name, len(small.Usda), d, clip(small.Usda, 4000))
		if boolFlag("oracle.update") {
			seed := strings.TrimPrefix(c.Name[strings.LastIndexByte(c.Name, '/'):], "/")
			p := filepath.Join(crateRegressionDir, fmt.Sprintf("v%s-s%s.usda", c.Version, seed))
			if err := os.MkdirAll(crateRegressionDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(small.Usda), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("saved %s", p)
		}
	}
	tally.Report(t)
}

func isKnown(ta *Tally, name string) bool {
	for _, k := range ta.known {
		if ok, _ := filepath.Match(k.Case, name); ok {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "\n..."
	}
	return s
}

// runCrateCases writes each case's usda, has OpenUSD write and dump the
// crates in one batch, reads every crate with our reader and returns the
// first difference per case ("" when equal).
func runCrateCases(t *testing.T, dir string, cases []*crateCase) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	jobs := make([]crateJob, len(cases))
	for i, c := range cases {
		stem := filepath.Join(dir, fmt.Sprintf("c%05d", i))
		if err := os.WriteFile(stem+".usda", []byte(c.Usda), 0o644); err != nil {
			t.Fatal(err)
		}
		jobs[i] = crateJob{Name: c.Name, Usda: stem + ".usda", Usdc: stem + ".usdc", Version: c.Version}
	}
	answers := RunBatch[crateAnswer](t, "crate_values.py", nil, jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("crate_values.py gave %d answers for %d jobs", len(answers), len(jobs))
	}
	out := make([]string, len(cases))
	for i, a := range answers {
		if a.Name != cases[i].Name {
			t.Fatalf("answer %d is for %s, want %s", i, a.Name, cases[i].Name)
		}
		if a.Error != "" {
			// The generator made a layer OpenUSD refuses: a generator bug.
			out[i] = "reference: " + a.Error
			continue
		}
		out[i] = crateDiff(jobs[i].Usdc, a)
	}
	return out
}

// crateDiff reads a crate with our reader and names the first difference
// from OpenUSD's dump of it.
func crateDiff(usdc string, a crateAnswer) string {
	l, err := usd.ReadLayer(usdc)
	if err != nil {
		return fmt.Sprintf("ours: %v", err)
	}
	if l.Version != a.Version {
		return fmt.Sprintf("version: ours %s, reference %s", l.Version, a.Version)
	}
	ours, err := json.Marshal(CrateDump(l))
	if err != nil {
		return fmt.Sprintf("ours: encode dump: %v", err)
	}
	return DiffJSON(ours, a.Dump)
}

// shrinkCrate drops items of a failing generated case (prims, properties,
// metadata lines) one at a time while it still fails, and returns the
// smallest failing case found and its difference.
func shrinkCrate(t *testing.T, dir string, c *crateCase) (*crateCase, string) {
	t.Helper()
	cur := &crateCase{Name: c.Name, Version: c.Version, Usda: c.Usda, gen: c.gen, drop: map[int]bool{}}
	lastDiff := c.firstDiff
	want := diffKind(c.firstDiff)
	// Each batch tries up to 24 single-item drops; the first that still
	// fails the same way is kept and the search starts over.
	for batch := 0; batch < 16; {
		var pending []*crateCase
		for _, id := range c.gen.Items() {
			if cur.drop[id] {
				continue
			}
			drop := map[int]bool{id: true}
			for k := range cur.drop {
				drop[k] = true
			}
			u := c.gen.Usda(drop)
			if u == cur.Usda {
				continue // the item was inside a dropped one
			}
			pending = append(pending, &crateCase{Name: fmt.Sprintf("%s/shrink%d/%d", c.Name, batch, id), Version: c.Version, Usda: u, gen: c.gen, drop: drop})
		}
		found := false
		for len(pending) > 0 && !found && batch < 16 {
			n := min(24, len(pending))
			cands := pending[:n]
			pending = pending[n:]
			diffs := runCrateCases(t, filepath.Join(dir, fmt.Sprintf("shrink-%d", batch)), cands)
			batch++
			for i, d := range diffs {
				if d != "" && diffKind(d) == want {
					cur, lastDiff, found = cands[i], d, true
					break
				}
			}
		}
		if !found {
			break
		}
	}
	return cur, lastDiff
}

var (
	reNumber   = regexp.MustCompile(`[0-9]+`)
	reSpecPath = regexp.MustCompile(`^\$\.specs(\[".*?"\]|\.[^.]*)`)
	reFile     = regexp.MustCompile(`/\S+\.usd[ac]`)
)

// diffKind is a difference with its places and numbers taken out, so that
// shrinking keeps a case failing in the same way, not in some other way.
func diffKind(d string) string {
	d = reSpecPath.ReplaceAllString(d, "$.specs[P]")
	d = reFile.ReplaceAllString(d, "FILE")
	if i := strings.Index(d, ": ours "); i >= 0 {
		d = d[:i+len(": ours")] // the field path only, not the values
	}
	return reNumber.ReplaceAllString(d, "N")
}
