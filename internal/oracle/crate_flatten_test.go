package oracle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rgallery/rgallery/usd"
)

// TestOracleFlattenUsdc is `rgallery usd flatten --format usdc` against
// OpenUSD: for each generated composition case (usd_gen.go) our stage is
// flattened and written as a crate; OpenUSD opens that crate and its
// composed stage (prims, types, specifiers, properties, values, samples)
// must equal OpenUSD's stage of the source layers. Prim stacks, variant
// selections and composition errors are left out of the comparison: a
// flattened stage has none of them by design. Cases whose composed stage
// already differs from OpenUSD's (TestOracleUsd's mismatches) are counted
// apart, so a difference here is Flatten's (the crate itself is checked
// by TestOracleCrateWriter).
func TestOracleFlattenUsdc(t *testing.T) {
	Python(t)
	tally := NewTally(t, "crate")
	n, seed := N(200), Seed(1)
	dir := t.TempDir()
	var jobs []usdJob
	var names []string
	skipped := 0
	for i := 0; i < n; i++ {
		c := GenUsdCase(seed + uint64(i))
		root, err := c.Write(filepath.Join(dir, c.Name))
		if err != nil {
			t.Fatal(err)
		}
		var opts []usd.OpenOption
		if len(c.Fallbacks) > 0 {
			opts = append(opts, usd.WithVariantFallbacks(c.Fallbacks))
		}
		s, err := usd.Open(root, opts...)
		if err != nil {
			skipped++
			continue
		}
		var b bytes.Buffer
		if err := usd.WriteUsdc(&b, s.Flatten()); err != nil {
			tally.Case(t, "flatten/"+c.Name, "ours: "+err.Error())
			continue
		}
		flat := filepath.Join(dir, c.Name, "flattened.usdc")
		if err := os.WriteFile(flat, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, usdJob{File: root, Fallbacks: c.Fallbacks}, usdJob{File: flat, Fallbacks: map[string][]string{}})
		names = append(names, "flatten/"+c.Name)
	}
	start := time.Now()
	answers := RunBatch[usdAnswer](t, "usd_dump.py", nil, jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("usd_dump.py answered %d of %d jobs", len(answers), len(jobs))
	}
	agree, refFailed, composedDiffer := 0, 0, 0
	kinds := map[string]int{}
	for i, name := range names {
		src, flat := answers[2*i], answers[2*i+1]
		var d string
		switch {
		case !src.OK:
			refFailed++ // OpenUSD does not open the source: nothing to compare
			continue
		case usdDiff(ourUsdDump(jobs[2*i]), src) != "":
			// Our composed stage already differs from OpenUSD's (a
			// TestOracleUsd case): the flattened one cannot agree, and
			// the difference is not Flatten's.
			composedDiffer++
			continue
		case !flat.OK:
			d = "OpenUSD cannot open our flattened crate: " + flat.Error
		default:
			d = DiffJSON(stripComposition(t, flat.Dump), stripComposition(t, src.Dump))
		}
		if d == "" {
			agree++
		} else {
			kinds[usdKind(d)]++
		}
		tally.Case(t, usdCaseName(name, d), d)
	}
	t.Logf("flatten mismatches by kind: %v", kinds)
	t.Logf("%d of %d flattened stages written as crates read by OpenUSD as it composes their sources (not compared: %d whose composition already differs, %d our reader refused, %d OpenUSD refused), in %v",
		agree, len(names)-refFailed-composedDiffer, composedDiffer, skipped, refFailed, time.Since(start).Round(time.Millisecond))
	tally.Report(t)
}

// stripComposition drops what a flattened stage cannot keep: prim stacks,
// variant selections, composition errors.
func stripComposition(t *testing.T, dump json.RawMessage) []byte {
	var d map[string]any
	if err := json.Unmarshal(dump, &d); err != nil {
		t.Fatalf("decode dump: %v", err)
	}
	delete(d, "errors")
	if prims, ok := d["prims"].(map[string]any); ok {
		for _, p := range prims {
			if m, ok := p.(map[string]any); ok {
				delete(m, "stack")
				delete(m, "variants")
			}
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(fmt.Errorf("encode dump: %w", err))
	}
	return b
}
