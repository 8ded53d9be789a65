package oracle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/usd"
)

type crateReadJob struct {
	Name       string `json:"name"`
	Ours       string `json:"ours"`
	Theirs     string `json:"theirs"`
	DumpTheirs bool   `json:"dumpTheirs,omitempty"`
}

type crateReadAnswer struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	Dump    json.RawMessage `json:"dump"`
	Flat    string          `json:"flat"`
	Flatd   bool            `json:"flattened"`
	// With DumpTheirs: OpenUSD's dump of the original file.
	TheirsDump    json.RawMessage `json:"theirsDump"`
	TheirsVersion string          `json:"theirsVersion"`
	Error         string          `json:"error"`
}

// writerVersions are the crate versions of the generated layers whose
// values our writer holds (0.8.0 to 0.12.0).
var writerVersions = []string{"0.8.0", "0.9.0", "0.10.0", "0.11.0", "0.12.0"}

// TestOracleCrateWriter is the crate writer's differential test: OpenUSD
// writes each generated usda layer (every crate value type, scalar and
// array, default and time-sampled, dictionaries, list ops, targets,
// variants) as .usdc (crate_values.py); our reader reads it and our writer
// writes it again. OpenUSD must open our file, its layer dump must equal
// its dump of its own file field by field and value by value, the two
// stages flattened to usda must be the same text, and our file's version
// must be the one OpenUSD gives the same values (0.8.0, upgraded as the
// values need).
// Saved regression layers under testdata/crate run first.
func TestOracleCrateWriter(t *testing.T) {
	Python(t)
	tally := NewTally(t, "crate")
	var cases []*crateCase
	saved, _ := filepath.Glob(filepath.Join(crateRegressionDir, "*.usda"))
	sort.Strings(saved)
	for _, p := range saved {
		base := filepath.Base(p)
		ver := strings.TrimPrefix(strings.SplitN(base, "-", 2)[0], "v")
		// Every saved case: OpenUSD writes them all from 0.8.0 up.
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, &crateCase{Name: "writer/testdata/crate/" + base, Version: ver, Usda: string(b)})
	}
	n, seed := N(200), Seed(1)
	for i := 0; i < n; i++ {
		s := seed + uint64(i)
		ver := writerVersions[s%uint64(len(writerVersions))]
		cases = append(cases, &crateCase{Name: fmt.Sprintf("writer/%s/%d", ver, s), Version: ver, seed: s})
	}
	dir := t.TempDir()
	start := time.Now()
	agree, flattened := 0, 0
	for lo := 0; lo < len(cases); lo += crateBatch {
		batch := cases[lo:min(lo+crateBatch, len(cases))]
		bdir := filepath.Join(dir, fmt.Sprintf("b%d", lo))
		for _, c := range batch {
			if c.Usda == "" {
				c.Usda = GenerateCrateLayer(c.seed, c.Version).Usda(nil)
			}
		}
		diffs, nf := runCrateWriterCases(t, bdir, batch)
		flattened += nf
		for i, c := range batch {
			tally.Case(t, c.Name, diffs[i])
			if diffs[i] == "" {
				agree++
			} else if !isKnown(tally, c.Name) {
				t.Logf("%s: %s\n%s", c.Name, diffs[i], clip(c.Usda, 3000))
			}
		}
		os.RemoveAll(bdir)
	}
	t.Logf("%d of %d layers written by our crate writer read by OpenUSD as its own crate of them (%d also compared as flattened stages; the others have composition errors), in %v",
		agree, len(cases), flattened, time.Since(start).Round(time.Millisecond))
	tally.Report(t)
}

// runCrateWriterCases has OpenUSD write each case's usda as .usdc; our
// crate reader reads that file and our writer writes it again; OpenUSD
// then reads ours. It returns the first difference per case. (The input
// is OpenUSD's crate, not the usda, so that this tests the writer alone:
// our usda parser has its own differential test.)
func runCrateWriterCases(t *testing.T, dir string, cases []*crateCase) ([]string, int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(cases))
	jobs := make([]crateJob, len(cases))
	for i, c := range cases {
		stem := filepath.Join(dir, fmt.Sprintf("c%05d", i))
		if err := os.WriteFile(stem+".usda", []byte(c.Usda), 0o644); err != nil {
			t.Fatal(err)
		}
		// OpenUSD starts at 0.8.0 and upgrades the file as the values
		// need (RequestWriteVersionUpgrade): our writer must do the same.
		jobs[i] = crateJob{Name: c.Name, Usda: stem + ".usda", Usdc: stem + ".theirs.usdc", Version: "0.8.0"}
	}
	theirs := RunBatch[crateAnswer](t, "crate_values.py", nil, jobs)
	if len(theirs) != len(jobs) {
		t.Fatalf("crate_values.py gave %d answers for %d jobs", len(theirs), len(jobs))
	}
	var reads []crateReadJob
	var readIdx []int
	for i, c := range cases {
		if theirs[i].Error != "" {
			out[i] = "reference: " + theirs[i].Error
			continue
		}
		ours := strings.TrimSuffix(jobs[i].Usdc, ".theirs.usdc") + ".ours.usdc"
		l, err := usd.ReadLayer(jobs[i].Usdc)
		if err != nil {
			out[i] = "ours: read OpenUSD's crate: " + err.Error()
			continue
		}
		var b bytes.Buffer
		if err := usd.WriteUsdc(&b, l); err != nil {
			out[i] = "ours: " + err.Error()
			continue
		}
		if err := os.WriteFile(ours, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		reads = append(reads, crateReadJob{Name: c.Name, Ours: ours, Theirs: jobs[i].Usdc})
		readIdx = append(readIdx, i)
	}
	answers := RunBatch[crateReadAnswer](t, "crate_read.py", nil, reads)
	if len(answers) != len(reads) {
		t.Fatalf("crate_read.py gave %d answers for %d jobs", len(answers), len(reads))
	}
	flattened := 0
	for k, a := range answers {
		i := readIdx[k]
		if a.Flatd {
			flattened++
		}
		switch {
		case a.Error != "":
			out[i] = "OpenUSD cannot read our crate: " + a.Error
		default:
			if d := DiffJSON(a.Dump, theirs[i].Dump); d != "" {
				out[i] = d
			} else if a.Flat != "" {
				out[i] = "flattened stage: " + a.Flat
			} else if a.Version != theirs[i].Version {
				out[i] = fmt.Sprintf("version: ours %s, OpenUSD's %s", a.Version, theirs[i].Version)
			}
		}
	}
	return out, flattened
}

// TestOracleCrateWriterCorpus rewrites every crate file of the shared
// corpus that our reader reads: OpenUSD must read our file as it reads the
// original, spec by spec and value by value (the version may differ: we
// write 0.8.0 or later), and flatten both stages alike.
func TestOracleCrateWriterCorpus(t *testing.T) {
	Python(t)
	shared := SharedDir()
	if shared == "" {
		t.Skip("shared corpus not found (../shared or RGALLERY_SHARED)")
	}
	tally := NewTally(t, "crate")
	var files []string
	filepath.Walk(filepath.Join(shared, "usd-corpus"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".usdc") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	dir := t.TempDir()
	var jobs []crateReadJob
	skipped := map[string]string{}
	for i, p := range files {
		rel, _ := filepath.Rel(shared, p)
		l, err := usd.ReadLayer(p)
		if err != nil {
			skipped[rel] = "our reader: " + err.Error()
			continue
		}
		var b bytes.Buffer
		if err := usd.WriteUsdc(&b, l); err != nil {
			tally.Case(t, "writer/"+rel, "ours: "+err.Error())
			continue
		}
		// Both files sit in a copy of the original's directory, so that
		// their relative asset paths (sublayers, references, textures)
		// resolve alike.
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i))
		if err := os.CopyFS(sub, os.DirFS(filepath.Dir(p))); err != nil {
			t.Fatal(err)
		}
		theirs := filepath.Join(sub, filepath.Base(p))
		ours := strings.TrimSuffix(theirs, ".usdc") + ".rgallery-written.usdc"
		if err := os.WriteFile(ours, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, crateReadJob{Name: "writer/" + rel, Ours: ours, Theirs: theirs, DumpTheirs: true})
	}
	answers := RunBatch[crateReadAnswer](t, "crate_read.py", nil, jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("crate_read.py gave %d answers for %d jobs", len(answers), len(jobs))
	}
	agree := 0
	for _, a := range answers {
		d := ""
		switch {
		case a.Error != "" && strings.Contains(a.Error, strings.TrimPrefix(a.Name, "writer/")):
			// OpenUSD cannot read the original either.
			skipped[a.Name] = "OpenUSD: " + a.Error
			continue
		case a.Error != "":
			d = "OpenUSD cannot read our crate: " + a.Error
		default:
			if d = DiffJSON(a.Dump, a.TheirsDump); d == "" && a.Flat != "" {
				d = "flattened stage: " + a.Flat
			}
		}
		if d == "" {
			agree++
		}
		tally.Case(t, a.Name, d)
	}
	for k, why := range skipped {
		t.Logf("not rewritten: %s: %.200s", k, why)
	}
	t.Logf("%d of %d corpus crate files rewritten by our writer read by OpenUSD as the originals (%d not rewritten)", agree, len(files)-len(skipped), len(skipped))
	tally.Report(t)
}
