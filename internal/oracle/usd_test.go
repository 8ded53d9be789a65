package oracle

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/usd"
	"github.com/rgallery/rgallery/usd/dump"
)

// TestOracleUsd compares our composed stages (usd/dump) with OpenUSD's
// (scripts/oracle/usd_dump.py) on every file of the shared corpus, on the
// saved regression cases and on generated layer stacks (usd_gen.go).

func init() {
	// Another area's file may define the flag too; one definition serves all.
	if flag.Lookup("oracle.update") == nil {
		flag.Bool("oracle.update", false, "write shrunk failing generated cases under testdata (usd: internal/oracle/testdata/usd/regress)")
	}
}

func usdUpdate() bool {
	f := flag.Lookup("oracle.update")
	return f != nil && f.Value.String() == "true"
}

// usdJob is one stage to open, on both sides.
type usdJob struct {
	Name      string              `json:"-"`
	File      string              `json:"file"`
	Session   string              `json:"session,omitempty"`
	Fallbacks map[string][]string `json:"fallbacks"`
	Timeout   float64             `json:"timeout,omitempty"` // seconds for the reference (0: its default)
}

type usdAnswer struct {
	OK    bool            `json:"ok"`
	Error string          `json:"error"`
	Dump  json.RawMessage `json:"dump"`
}

type usdOurs struct {
	dump []byte
	err  error
}

// ourUsdTimeout bounds our side of one case. A case that takes longer is
// a mismatch of its own ("ours-timeout"); its goroutine cannot be stopped
// and runs on until the test ends.
const ourUsdTimeout = 10 * time.Second

func ourUsdDump(j usdJob) usdOurs {
	done := make(chan usdOurs, 1)
	go func() { done <- ourUsdDumpNow(j) }()
	select {
	case o := <-done:
		return o
	case <-time.After(ourUsdTimeout):
		return usdOurs{err: errOursTimeout}
	}
}

var errOursTimeout = errors.New("ours did not finish composing in 10s")

func ourUsdDumpNow(j usdJob) usdOurs {
	var opts []usd.OpenOption
	if j.Session != "" {
		opts = append(opts, usd.WithSessionLayer(j.Session))
	}
	if len(j.Fallbacks) > 0 {
		opts = append(opts, usd.WithVariantFallbacks(j.Fallbacks))
	}
	var out usdOurs
	func() {
		defer func() {
			if r := recover(); r != nil {
				out = usdOurs{err: fmt.Errorf("panic: %v", r)}
			}
		}()
		s, err := usd.Open(j.File, opts...)
		if err != nil {
			out.err = err
			return
		}
		out.dump, out.err = json.Marshal(dump.Dump(s))
	}()
	return out
}

// usdCompare runs a batch on both sides and returns one diff per job ("" =
// agree). Ours run on the other core while the reference runs.
func usdCompare(t *testing.T, jobs []usdJob) []string {
	t.Helper()
	diffs, _, _ := usdCompareRuns(t, jobs)
	return diffs
}

// usdCompareRuns is usdCompare that also returns both sides' answers (the
// asset survey reports the errors of files that both sides refuse).
func usdCompareRuns(t *testing.T, jobs []usdJob) ([]string, []usdOurs, []usdAnswer) {
	t.Helper()
	ours := make([]usdOurs, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, runtime.GOMAXPROCS(0)-1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ours[i] = ourUsdDump(jobs[i])
			}
		}()
	}
	go func() {
		for i := range jobs {
			next <- i
		}
		close(next)
	}()
	refs := RunBatch[usdAnswer](t, "usd_dump.py", nil, jobs)
	wg.Wait()
	if len(refs) != len(jobs) {
		t.Fatalf("usd_dump.py answered %d of %d jobs", len(refs), len(jobs))
	}
	diffs := make([]string, len(jobs))
	for i := range jobs {
		diffs[i] = usdDiff(ours[i], refs[i])
	}
	return diffs, ours, refs
}

func usdDiff(o usdOurs, ref usdAnswer) string {
	if errors.Is(o.err, errOursTimeout) {
		return "ours-timeout: " + o.err.Error()
	}
	switch {
	case o.err != nil && !ref.OK:
		return ""
	case o.err != nil:
		return fmt.Sprintf("open: ours failed (%.200v), reference opened the stage", o.err)
	case !ref.OK:
		return fmt.Sprintf("open: ours opened the stage, reference failed (%.400s)", ref.Error)
	}
	// Prims first: a composition difference usually brings different
	// errors too, and the prim that differs says more.
	var a, b map[string]any
	if err := json.Unmarshal(o.dump, &a); err != nil {
		return fmt.Sprintf("ours is not JSON: %v", err)
	}
	if err := json.Unmarshal(ref.Dump, &b); err != nil {
		return fmt.Sprintf("reference is not JSON: %v", err)
	}
	for _, k := range []string{"prims", "root", "errors"} {
		if d := firstDiff("$."+k, a[k], b[k], 0); d != "" {
			return d
		}
	}
	return FirstDiff(a, b)
}

var (
	usdKeyRe   = regexp.MustCompile(`\["[^"]*"\]|\[\d+\]`)
	usdPropsRe = regexp.MustCompile(`\.props\.[^.]+`)
	usdPrimsRe = regexp.MustCompile(`^\$\.prims\.[^.]+`)
)

// usdKind names the rule family of a diff: the dump field that differs
// (prim names, property names and indexes dropped) and how, e.g.
// "prims.stack", "props.samples", "prims+missing-ours", "errors", "open".
func usdKind(diff string) string {
	if diff == "" {
		return ""
	}
	if strings.HasPrefix(diff, "ours-timeout") {
		return "ours-timeout"
	}
	if strings.HasPrefix(diff, "open: ours failed") {
		return "open-ours-failed"
	}
	if strings.HasPrefix(diff, "open:") {
		if strings.Contains(diff, "reference did not finish") {
			return "ref-timeout"
		}
		if strings.Contains(diff, "reference crashed") {
			return "ref-crash"
		}
		if strings.Contains(diff, "Failed verification") {
			return "open-ref-failed-verify" // a TF_VERIFY inside OpenUSD
		}
		return "open-ref-failed"
	}
	path, rest, _ := strings.Cut(diff, ": ")
	path = usdKeyRe.ReplaceAllString(path, "")
	path = usdPropsRe.ReplaceAllString(path, ".props")
	if strings.HasPrefix(path, "$.prims.") && !strings.Contains(path[len("$.prims."):], ".") {
		path = "$.prims"
	} else if !strings.HasPrefix(path, "$.prims.props") {
		path = usdPrimsRe.ReplaceAllString(path, "$.prims")
	}
	kind := strings.TrimPrefix(strings.TrimPrefix(path, "$."), "prims.")
	if strings.HasPrefix(kind, "variants.") {
		kind = "variants"
	}
	switch {
	case strings.Contains(rest, "missing in ours"):
		kind += "+missing-ours"
	case strings.Contains(rest, "missing in reference"):
		kind += "+missing-ref"
	case strings.Contains(rest, "elements"):
		kind += "+length"
	}
	return kind
}

// usdNoReference reports whether a diff says OpenUSD gave no answer to
// compare with: it failed one of its own internal assertions (TF_VERIFY in
// strengthOrdering.cpp or primIndex.cpp on some specializes graphs), did
// not finish in its time limit (recursive references through sublayers),
// or crashed. Ours is still checked: it must open such a stage without
// panicking or hanging (ours-timeout and open-ours-failed stay mismatches).
// A reference that refuses the stage with an ordinary error is compared:
// we must refuse it too.
func usdNoReference(diff string) bool {
	switch usdKind(diff) {
	case "ref-timeout", "ref-crash", "open-ref-failed-verify":
		return true
	}
	return false
}

// usdCaseName is the name a case is tallied under: with the rule family of
// its mismatch, so that a known-mismatch line covers one family only.
func usdCaseName(name, diff string) string {
	if diff == "" {
		return name
	}
	return name + ":" + usdKind(diff)
}

func TestOracleUsd(t *testing.T) {
	Python(t)
	tally := NewTally(t, "usd")
	defer tally.Report(t)
	kinds := map[string]int{}
	var kmu sync.Mutex
	record := func(t *testing.T, name, diff string) {
		if usdNoReference(diff) {
			tally.NoReference(t, name, diff)
			return
		}
		if diff != "" {
			kmu.Lock()
			kinds[usdKind(diff)]++
			kmu.Unlock()
		}
		tally.Case(t, usdCaseName(name, diff), diff)
	}
	defer func() {
		var ks []string
		for k, n := range kinds {
			ks = append(ks, fmt.Sprintf("%6d  %s", n, k))
		}
		sort.Sort(sort.Reverse(sort.StringSlice(ks)))
		if len(ks) > 0 {
			t.Logf("usd mismatches by kind:\n%s", strings.Join(ks, "\n"))
		}
	}()

	t.Run("corpus", func(t *testing.T) {
		jobs := usdCorpusJobs(t)
		if len(jobs) == 0 {
			t.Skip("no ../shared/usd-corpus")
		}
		for i, d := range usdCompare(t, jobs) {
			record(t, jobs[i].Name, d)
		}
	})
	t.Run("regress", func(t *testing.T) {
		dirs, _ := filepath.Glob(filepath.Join(Root(), "internal", "oracle", "testdata", "usd", "regress", "*", "root.usda"))
		var jobs []usdJob
		for _, f := range dirs {
			// Named as generated (gen-SEED), so the known-mismatch lines
			// of the generated cases cover them.
			j := usdJob{Name: filepath.Base(filepath.Dir(f)), File: f}
			if data, err := os.ReadFile(filepath.Join(filepath.Dir(f), "fallbacks.json")); err == nil {
				if err := json.Unmarshal(data, &j.Fallbacks); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			}
			jobs = append(jobs, j)
		}
		if len(jobs) == 0 {
			t.Skip("no saved regression cases")
		}
		for i, d := range usdCompare(t, jobs) {
			record(t, jobs[i].Name, d)
		}
	})
	t.Run("generated", func(t *testing.T) {
		n, seed := N(300), Seed(1)
		dir := t.TempDir()
		cases := make([]*UsdCase, n)
		jobs := make([]usdJob, n)
		for i := range cases {
			c := GenUsdCase(seed + uint64(i))
			root, err := c.Write(filepath.Join(dir, c.Name))
			if err != nil {
				t.Fatal(err)
			}
			cases[i], jobs[i] = c, usdJob{Name: c.Name, File: root, Fallbacks: c.Fallbacks}
		}
		// Large soak runs go in batches, so a slow reference never holds
		// everything in memory at once.
		const batch = 500
		shrunk := 0
		// Shrinking is bounded in time, so a new kind of mismatch costs CI a
		// minute at most; -oracle.update gives it longer.
		budget := time.Minute
		if usdUpdate() {
			budget = 10 * time.Minute
		}
		for lo := 0; lo < n; lo += batch {
			hi := min(n, lo+batch)
			for i, d := range usdCompare(t, jobs[lo:hi]) {
				c := cases[lo+i]
				name := usdCaseName(c.Name, d)
				// New kinds of mismatch are shrunk; with -oracle.update known
				// ones too, to save them as regression cases.
				if d != "" && !usdNoReference(d) && (usdUpdate() || !usdIsKnown(tally, name)) && shrunk < 3 && budget > 0 {
					shrunk++
					start := time.Now()
					usdShrink(t, c, d, dir, start.Add(budget))
					budget -= time.Since(start)
				}
				record(t, c.Name, d)
			}
		}
	})
}

// usdIsKnown reports whether a tallied case name matches a known-mismatch
// line (such cases are not shrunk).
func usdIsKnown(ta *Tally, name string) bool {
	for _, k := range ta.known {
		if ok, _ := filepath.Match(k.Case, name); ok {
			return true
		}
	}
	return false
}

// usdShrink reduces a failing generated case greedily, in the manner of
// delta debugging: the case's fragments are cut into chunks, each chunk's
// removal is tried (one batch for all chunks), the first removal that keeps
// the same kind of mismatch is taken, and chunks get smaller until single
// fragments are tried. It stops at the deadline. The result is logged, and
// saved under testdata/usd/regress/<name>/ with -oracle.update.
func usdShrink(t *testing.T, c *UsdCase, diff, dir string, deadline time.Time) {
	t.Helper()
	kind := usdKind(diff)
	cur, curDiff := c, diff
	chunks := 2
	for round := 0; time.Now().Before(deadline); round++ {
		n := cur.Size()
		if n == 0 {
			break
		}
		chunks = min(chunks, n)
		var jobs []usdJob
		var cands []*UsdCase
		for ci := 0; ci < chunks; ci++ {
			var drop []int
			for k := ci * n / chunks; k < (ci+1)*n/chunks; k++ {
				drop = append(drop, k)
			}
			cand := cur.Without(drop...)
			root, err := cand.Write(filepath.Join(dir, "shrink", c.Name, fmt.Sprintf("r%d-%d", round, ci)))
			if err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, usdJob{Name: c.Name, File: root, Fallbacks: cand.Fallbacks, Timeout: 2})
			cands = append(cands, cand)
		}
		found := false
		for k, d := range usdCompare(t, jobs) {
			if d != "" && usdKind(d) == kind {
				cur, curDiff, found = cands[k], d, true
				break
			}
		}
		if !found && chunks >= n {
			break // no single fragment can go
		}
		if found {
			chunks = max(2, chunks-1)
		} else {
			chunks = min(n, 2*chunks)
		}
	}
	var text strings.Builder
	for _, l := range cur.Layers {
		fmt.Fprintf(&text, "--- %s\n%s", l.File, l.Text())
	}
	if len(cur.Fallbacks) > 0 {
		fmt.Fprintf(&text, "--- variant fallbacks %v\n", cur.Fallbacks)
	}
	t.Logf("%s shrunk from %d to %d fragments, still %s\n%s", c.Name, c.Size(), cur.Size(), curDiff, text.String())
	if usdUpdate() {
		out := filepath.Join(Root(), "internal", "oracle", "testdata", "usd", "regress", c.Name)
		if _, err := cur.Write(out); err != nil {
			t.Fatalf("save regression case: %v", err)
		}
		t.Logf("saved %s", out)
	}
}

// usdCorpusJobs lists the corpus stages: every USD file of the dev corpus
// opened as a root layer, and each pcp-museum run's root (and session)
// layer as its cases.json gives it, copied with the .sdf layers renamed
// .usda (OpenUSD no longer reads the .sdf extension).
func usdCorpusJobs(t *testing.T) []usdJob {
	shared := SharedDir()
	if shared == "" {
		return nil
	}
	corpus := filepath.Join(shared, "usd-corpus")
	var jobs []usdJob
	devDir := filepath.Join(corpus, "dev")
	filepath.WalkDir(devDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".usd", ".usda", ".usdc", ".usdz":
			rel, _ := filepath.Rel(corpus, p)
			jobs = append(jobs, usdJob{Name: filepath.ToSlash(rel), File: p})
		}
		return nil
	})
	museum := filepath.Join(corpus, "pcp-museum")
	data, err := os.ReadFile(filepath.Join(museum, "cases.json"))
	if err != nil {
		return jobs
	}
	var runs map[string]struct {
		Args string `json:"args"`
	}
	if err := json.Unmarshal(data, &runs); err != nil {
		t.Fatalf("pcp-museum/cases.json: %v", err)
	}
	tmp := t.TempDir()
	seen := map[string]bool{}
	var names []string
	for n := range runs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, run := range names {
		var root, session string
		args := strings.Fields(runs[run].Args)
		for i := 0; i < len(args); i++ {
			switch {
			case args[i] == "--session" && i+1 < len(args):
				session = args[i+1]
				i++
			case args[i] == "--errorFile" || args[i] == "--payloads" || args[i] == "--dumpPath":
				i++
			case strings.HasSuffix(args[i], ".sdf"):
				root = args[i]
			}
		}
		if root == "" || seen[root+"|"+session] {
			continue
		}
		seen[root+"|"+session] = true
		caseDir := filepath.Dir(root)
		src := filepath.Join(museum, caseDir, caseDir)
		dst := filepath.Join(tmp, caseDir)
		if _, err := os.Stat(dst); err != nil {
			if err := copySdfAsUsda(src, dst); err != nil {
				t.Fatalf("copy museum case %s: %v", caseDir, err)
			}
		}
		j := usdJob{Name: "pcp-museum/" + run, File: filepath.Join(tmp, sdfToUsda(root))}
		if session != "" {
			j.Session = filepath.Join(tmp, sdfToUsda(session))
		}
		jobs = append(jobs, j)
	}
	return jobs
}

func sdfToUsda(p string) string {
	if strings.HasSuffix(p, ".sdf") {
		return strings.TrimSuffix(p, ".sdf") + ".usda"
	}
	return p
}

var sdfAssetRe = regexp.MustCompile(`\.sdf(@|\[)`)

// copySdfAsUsda copies a museum case folder, renaming .sdf layers .usda
// and the asset paths that name them, with the usda cookie.
func copySdfAsUsda(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, sdfToUsda(rel))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".sdf") {
			s := string(data)
			if strings.HasPrefix(s, "#sdf") {
				if i := strings.IndexByte(s, '\n'); i >= 0 {
					s = "#usda 1.0" + s[i:]
				}
			}
			data = []byte(sdfAssetRe.ReplaceAllString(s, ".usda$1"))
		}
		return os.WriteFile(out, data, 0o644)
	})
}
