package sdf

import (
	"math"
	"strings"
	"testing"
)

// TestArrayEditFloatLiteralsPrintAsTfStringify: float literals print as
// usd-core 26.11 prints them in an edit (TfStringify's shortest form).
func TestArrayEditFloatLiteralsPrintAsTfStringify(t *testing.T) {
	d := []float64{0.1, 1e20, 123456789, 1.17549435e-38, 3.4028235e38, 1e-5, 0.0001, 1e21, 12345678, 1e16, 100000, 1000000, 1e7, math.Copysign(0, -1), 2.5e-7, 0.000123, math.NaN(), math.Inf(1), math.Inf(-1),
		1e15, 999999999999999, 1e-6, 9.9e-7, 1.5e15, 123456789012345678, 1e300, 5e-324}
	want64 := "0.1 1e20 123456789 1.17549435e-38 3.4028235e38 0.00001 0.0001 1e21 12345678 1e16 100000 1000000 10000000 -0 2.5e-7 0.000123 nan inf -inf 1e15 999999999999999 0.000001 9.9e-7 1.5e15 1.2345678901234568e17 1e300 5e-324"
	want32 := "0.1 1e20 123456790 1.1754944e-38 3.4028235e38 0.00001 0.0001 1e21 12345678 1e16 100000 1000000 10000000 -0 2.5e-7 0.000123 nan inf -inf"
	var g64, g32 []string
	for i, f := range d {
		g64 = append(g64, FormatArrayEditElem(f))
		if i < 19 {
			g32 = append(g32, FormatArrayEditElem(float32(f)))
		}
	}
	if g := strings.Join(g64, " "); g != want64 {
		t.Errorf("double:\n got %s\nwant %s", g, want64)
	}
	for _, h := range []Half{Half(math.Inf(-1)), Half(math.Inf(1)), HalfFromBits(0x2e66)} {
		g32 = append(g32, FormatArrayEditElem(h))
	}
	want32 += " -inf inf 0.0999756"
	if g := strings.Join(g32, " "); g != want32 {
		t.Errorf("float:\n got %s\nwant %s", g, want32)
	}
}

// TestArrayEditApplyFollowsVtArrayEdit: the operations as
// VtArrayEdit::_ApplyEdits applies them (usd-core 26.11 gave the results):
// indexes normalized against the size at each step, out-of-range ones
// skipped, fills, sizes.
func TestArrayEditApplyFollowsVtArrayEdit(t *testing.T) {
	lits := []int32{5, 0, 9, 7, 4}
	e := ArrayEdit{Values: lits, Ins: AppendSteps(nil,
		ArrayEditStep{Op: EditInsertLiteral, A1: 0, A2: EditEndIndex}, // append 5
		ArrayEditStep{Op: EditInsertLiteral, A1: 1, A2: 0},            // prepend 0
		ArrayEditStep{Op: EditWriteLiteral, A1: 2, A2: -1},            // write 9 to [-1]
		ArrayEditStep{Op: EditErase, A1: 1},                           // erase [1]
		ArrayEditStep{Op: EditInsertLiteral, A1: 3, A2: 2},            // insert 7 at [2]
		ArrayEditStep{Op: EditWriteRef, A1: 0, A2: 1},                 // write [0] to [1]
		ArrayEditStep{Op: EditMinSizeFill, A1: 8, A2: 4},              // minsize 8 fill 4
		ArrayEditStep{Op: EditMaxSize, A1: 7},                         // maxsize 7
		ArrayEditStep{Op: EditErase, A1: 99},                          // out of range: skipped
	)}
	got, err := e.Apply([]int32{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{0, 0, 7, 3, 9, 4, 4}; !equalInts(got.([]int32), want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Composing two edits, then applying, equals applying one after the
	// other; the fill literal of the stronger edit keeps its value.
	weak := ArrayEdit{Values: []int32{1}, Ins: AppendSteps(nil, ArrayEditStep{Op: EditInsertLiteral, A1: 0, A2: EditEndIndex})}
	strong := ArrayEdit{Values: []int32{7}, Ins: AppendSteps(nil, ArrayEditStep{Op: EditMinSizeFill, A1: 5, A2: 0})}
	c, err := strong.ComposeOver(weak)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.(ArrayEdit).String(); s != "edit [append 1; minsize 5 fill 7]" {
		t.Errorf("composed edit %s", s)
	}
	r, _ := c.(ArrayEdit).ComposeOver([]int32{0})
	if !equalInts(r.([]int32), []int32{0, 1, 7, 7, 7}) {
		t.Errorf("composed over [0]: %v", r)
	}
}

func equalInts(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDiffComparesArrayEditLiteralsWithNaN: a layer holding an edit whose
// literal is NaN equals itself read back (the fuzzers' round trips compare
// layers with Diff).
func TestDiffComparesArrayEditLiteralsWithNaN(t *testing.T) {
	mk := func() ArrayEdit {
		return ArrayEdit{Values: []float32{float32(math.NaN())}, Ins: AppendSteps(nil, ArrayEditStep{Op: EditInsertLiteral, A2: EditEndIndex})}
	}
	if !valuesEqual(mk(), mk()) {
		t.Error("an edit with a NaN literal differs from itself")
	}
	other := mk()
	other.Ins = AppendSteps(nil, ArrayEditStep{Op: EditInsertLiteral, A2: 0})
	if valuesEqual(mk(), other) {
		t.Error("append and prepend compare equal")
	}
}
