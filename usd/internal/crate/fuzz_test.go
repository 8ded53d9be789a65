package crate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// FuzzRead feeds the crate reader arbitrary bytes; it must return a layer
// or an error, never panic or allocate without bound, and every field of
// a layer it returns must decode or report an error. A layer whose every
// value decodes goes through the writer: what the writer accepts must read
// back with the same values.
func FuzzRead(f *testing.F) {
	// Without the corpus, still fuzz from the seeds below.
	if shared, ok := findSharedDir(); ok {
		for _, b := range corpusCratesIn(shared) {
			if len(b) <= 64<<10 {
				f.Add(b)
			}
		}
	}
	// The package's own OpenUSD-written crates (array edits, splines,
	// compressed arrays) seed the layouts the corpus may lack.
	if names, err := filepath.Glob(filepath.Join("testdata", "*.usdc")); err == nil {
		for _, n := range names {
			if b, err := os.ReadFile(n); err == nil && len(b) <= 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("PXR-USDC\x00\x08\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Read("fuzz.usdc", data)
		if err != nil {
			return
		}
		ok := true
		for _, s := range l.Specs {
			for _, fl := range s.Fields {
				if _, _, err := s.GetErr(fl.Name); err != nil {
					ok = false
				}
			}
		}
		if !ok {
			return
		}
		out, err := Write(l)
		if err != nil {
			return // a value with no crate form (a spline...): an error, not a panic
		}
		back, err := Read("fuzz-rewritten.usdc", out)
		if err != nil {
			t.Fatalf("written crate does not read: %v", err)
		}
		if errs := back.DecodeErrors.Errors(); len(errs) > 0 {
			t.Fatalf("written crate has undecodable values: %v", errs)
		}
		if d := sdf.Diff(l, back); len(d) > 0 {
			t.Fatalf("written crate differs from what was read: %v", d)
		}
	})
}
