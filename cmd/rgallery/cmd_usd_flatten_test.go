//go:build linux || darwin

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsdFlattenWritesUsdc: `usd flatten --format usdc -o FILE` writes a
// crate (to a.usd, which OpenUSD reads by content; the .usdc suffix alone
// picks the format too) that `usd cat`
// prints as the same usda `usd flatten` prints; usdc to stdout and an
// unknown format are usage errors (exit 2) that write nothing.
func TestUsdFlattenWritesUsdc(t *testing.T) {
	scene, _ := filepath.Abs("../../usd/testdata/resolve_root.usda")
	dir := t.TempDir()
	want, _, code := usdRun(t, "flatten", scene)
	if code != 0 {
		t.Fatalf("flatten: exit %d", code)
	}
	for _, args := range [][]string{
		{"flatten", "--format", "usdc", "-o", filepath.Join(dir, "a.usd"), scene},
		{"flatten", "-o", filepath.Join(dir, "b.usdc"), scene},
	} {
		out := args[len(args)-2]
		if _, errOut, code := usdRun(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		b, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(b, []byte("PXR-USDC")) {
			t.Fatalf("%s: not a crate file (%v)", out, err)
		}
		got, errOut, code := usdRun(t, "cat", out)
		if code != 0 {
			t.Fatalf("cat %s: exit %d: %s", out, code, errOut)
		}
		// The layer's identifier differs; everything else must not.
		if strings.Count(got, "\n") < 10 || stripDoc(got) != stripDoc(want) {
			t.Errorf("cat %s:\n%s\nwant (flatten):\n%s", out, got, want)
		}
	}
	if _, _, code := usdRun(t, "flatten", "--format", "usdc", scene); code != 2 {
		t.Errorf("usdc to stdout: exit %d, want 2", code)
	}
	bad := filepath.Join(dir, "c.usdx")
	if _, _, code := usdRun(t, "flatten", "--format", "usdx", "-o", bad, scene); code != 2 {
		t.Errorf("--format usdx: exit %d, want 2", code)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Errorf("--format usdx wrote %s", bad)
	}
}

func stripDoc(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "(flattened)") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
