package usd

import (
	"slices"
	"sort"
	"testing"
)

// TestPropertyNamesInDictionaryOrder pins TfDictionaryLessThan's order, as
// OpenUSD 26.11 lists these property names (checked with the oracle).
func TestPropertyNamesInDictionaryOrder(t *testing.T) {
	want := []string{"A", "a", "aB", "ab", "b1", "b2", "b02", "b10", "b_c", "Ba", "bC", "bc"}
	got := slices.Clone(want)
	slices.Reverse(got)
	sort.Slice(got, func(i, j int) bool { return dictionaryLess(got[i], got[j]) })
	if !slices.Equal(got, want) {
		t.Errorf("dictionary order %q, want %q", got, want)
	}
}
