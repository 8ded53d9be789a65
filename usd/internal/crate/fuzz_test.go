package crate

import (
	"testing"
)

// FuzzRead feeds the crate reader arbitrary bytes; it must return a layer
// or an error, never panic or allocate without bound, and every field of
// a layer it returns must decode or report an error.
func FuzzRead(f *testing.F) {
	func() {
		defer func() { recover() }() // no corpus: still fuzz from the seed below
		for _, b := range corpusCrates(f) {
			if len(b) <= 64<<10 {
				f.Add(b)
			}
		}
	}()
	f.Add([]byte("PXR-USDC\x00\x08\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Read("fuzz.usdc", data)
		if err != nil {
			return
		}
		for _, s := range l.Specs {
			for _, fl := range s.Fields {
				s.GetErr(fl.Name)
			}
		}
	})
}
