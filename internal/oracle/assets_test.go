package oracle

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestOracleAssets compares our composed stage with OpenUSD's on every USD
// file under $RGALLERY_ASSETS (a directory of public assets that are not in
// the shared corpus, e.g. usd-wg/assets and OpenUSD's imaging test scenes;
// see docs/assets-survey.md). It prints one line per file (ok, or the first
// difference and its rule family) and, with $RGALLERY_ASSETS_OUT, writes
// them as a TSV. It fails when the directory holds no USD file, and, with
// $RGALLERY_ASSETS_MIN_EQUAL=N, when fewer than N files compose equal to
// OpenUSD (the survey's figure, so that a regression on assets shows).
func TestOracleAssets(t *testing.T) {
	root := os.Getenv("RGALLERY_ASSETS")
	if root == "" {
		t.Skip("RGALLERY_ASSETS is not set (a directory of USD assets to survey)")
	}
	Python(t)
	var jobs []usdJob
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".usd", ".usda", ".usdc", ".usdz":
			rel, _ := filepath.Rel(root, p)
			jobs = append(jobs, usdJob{Name: rel, File: p, Timeout: 60})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	if len(jobs) == 0 {
		t.Fatalf("no USD file under %s", root)
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Name < jobs[j].Name })
	diffs, ours, refs := usdCompareRuns(t, jobs)
	var lines []string
	kinds := map[string]int{}
	equal := 0
	for i, d := range diffs {
		k := "equal"
		if d == "" {
			equal++
			if ours[i].err != nil {
				// Both sides refuse the file: keep both reasons, so that
				// a refusal without a clear error shows in the survey.
				k = "equal-both-refuse"
				kinds[k]++
				d = fmt.Sprintf("ours: %.300v | reference: %.300s", ours[i].err, lastErrorLine(refs[i].Error))
			}
		} else {
			k = usdKind(d)
			kinds[k]++
		}
		lines = append(lines, fmt.Sprintf("%s\t%s\t%.700s", jobs[i].Name, k, strings.ReplaceAll(d, "\t", " ")))
	}
	t.Logf("%d of %d files compose equal (%d of them refused by both)", equal, len(jobs), kinds["equal-both-refuse"])
	delete(kinds, "equal-both-refuse")
	if min, err := strconv.Atoi(os.Getenv("RGALLERY_ASSETS_MIN_EQUAL")); err == nil && equal < min {
		t.Errorf("%d of %d files compose equal to OpenUSD, fewer than RGALLERY_ASSETS_MIN_EQUAL=%d", equal, len(jobs), min)
	}
	for k, n := range kinds {
		t.Logf("%5d %s", n, k)
	}
	if out := os.Getenv("RGALLERY_ASSETS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatalf("write %s: %v", out, err)
		}
	} else {
		for _, l := range lines {
			t.Log(l)
		}
	}
}

// lastErrorLine keeps the message of an OpenUSD error report, without the
// "Error in 'function' at line N in file F :" prefix.
func lastErrorLine(e string) string {
	e = strings.TrimSpace(e)
	if i := strings.LastIndex(e, " : "); i >= 0 {
		e = e[i+3:]
	}
	return strings.ReplaceAll(e, "\n", " ")
}
