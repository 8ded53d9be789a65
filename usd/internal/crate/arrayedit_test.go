package crate

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// array_edit_0.14.0.usdc was written by OpenUSD (usd-core 26.11) from
// testdata/array_edit.usda; the strings below are what OpenUSD prints for
// each value it reads back from that file (str() of the VtArrayEdit).
var openUSDArrayEdits = map[string]string{
	"a":    "edit [append @x.png@]",
	"b":    "edit [append 1]",
	"d":    "edit [append 0.1; prepend 1e-7]",
	"dd":   "edit [append 1; append 2]",
	"e":    "edit []",
	"f":    "edit [append 1.5; write 0.1 to [0]; insert 3 at [-2]; erase [-1]; minsize 3 fill 2.25; resize 4; maxsize 9; write [0] to [1]; prepend [1]; prepend [2]; append [-1]; resize 5 fill 1e20]",
	"h":    "edit [append 0.0999756]",
	"i":    "edit [append -5; insert 2 at [9223372036854775807]]",
	"m":    "edit [append ( (1, 2), (3, 4) )]",
	"q":    "edit [append (1, 2, 3, 4)]",
	"s":    `edit [append a b; prepend q"x]`,
	"t":    "edit [append tok]",
	"tc":   "edit [append 3.5]",
	"u":    "edit [append 200]",
	"v":    "edit [append (1, 2.5, 3)]",
	"big":  "edit [append 1; append 2; append 3; append 4; append 5; append 6; append 7; append 8; append 9; append 10; append 11; append 12; append 13; append 14; append 15; append 16; append 17; append 18; write 100 to [0]]",
	"bigf": "edit [append 1; append 2; append 3; append 4; append 5; append 6; append 7; append 8; append 9; append 10; append 11; append 12; append 13; append 14; append 15; append 16; append 17; append 18]",
}

// TestArrayEditsDecodeAsOpenUSDReadsThem: crate 0.14.0 array edits (an
// array-edit rep whose payload points at a values-array rep, an int64
// instruction-array rep and a dense flag, crateFile.cpp UnpackArrayEdit)
// decode to the edits OpenUSD reads from the same file, for every element
// type, with literal arrays long enough to be compressed, and as time
// samples.
func TestArrayEditsDecodeAsOpenUSDReadsThem(t *testing.T) {
	l, _ := readTestdata(t, "array_edit_0.14.0.usdc")
	for name, want := range openUSDArrayEdits {
		v := fieldOf(t, l, "/P."+name, "default")
		e, ok := v.(sdf.ArrayEdit)
		if !ok {
			t.Errorf("%s: %T, want an array edit", name, v)
			continue
		}
		if got := e.String(); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	if e := fieldOf(t, l, "/P.e", "default").(sdf.ArrayEdit); !e.IsIdentity() || reflect.TypeOf(e.Values) != reflect.TypeOf([]int32(nil)) {
		t.Errorf("identity edit: %#v", e)
	}
	ts, ok := fieldOf(t, l, "/P.ts", "timeSamples").(*sdf.TimeSamples)
	if !ok || len(ts.Times) != 3 {
		t.Fatalf("/P.ts samples: %#v", ts)
	}
	want := []string{"edit [prepend 0]", "[7 8]", "edit [erase [0]]"}
	for i := range ts.Times {
		v, err := ts.Value(i)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(v)
		if e, ok := v.(sdf.ArrayEdit); ok {
			got = e.String()
		}
		if got != want[i] {
			t.Errorf("sample %v = %q, want %q", ts.Times[i], got, want[i])
		}
	}
}

// TestWriterWritesArrayEditsAsCrate014: the writer packs array edits as
// PackArrayEdit does and upgrades the file to 0.14.0; they read back equal
// (OpenUSD reading the written file is internal/oracle's
// TestOracleCrateWriter, saved case v0.14.0-array-edit).
func TestWriterWritesArrayEditsAsCrate014(t *testing.T) {
	l, _ := readTestdata(t, "array_edit_0.14.0.usdc")
	back, b := roundTrip(t, l)
	if v := string(b[8:11]); v != "\x00\x0e\x00" {
		t.Errorf("written version %v, want 0.14.0", []byte(v))
	}
	for name, want := range openUSDArrayEdits {
		v := fieldOf(t, back, "/P."+name, "default")
		if e, ok := v.(sdf.ArrayEdit); !ok || e.String() != want {
			t.Errorf("%s read back as %v, want %s", name, v, want)
		}
	}
	if d := sdf.Diff(l, back); len(d) > 0 {
		t.Errorf("differs after writing: %v", d)
	}
}

// TestMalformedArrayEditIsAnError: an instruction stream OpenUSD would stop
// on (an unknown op, a count beyond the arguments) and a resize beyond
// MaxArrayEditSize are errors, not values that silently lose operations.
func TestMalformedArrayEditIsAnError(t *testing.T) {
	for _, ins := range [][]int64{
		{sdf.EditWord(sdf.ArrayEditOp(10), 1), 0},
		{sdf.EditWord(sdf.EditErase, 3), 0},
		{sdf.EditWord(sdf.EditErase, -1)},
	} {
		e := sdf.ArrayEdit{Values: []int32{}, Ins: ins}
		if _, err := e.Steps(); err == nil {
			t.Errorf("%v: no error", ins)
		}
		if _, err := e.Apply([]int32{1}); err == nil {
			t.Errorf("%v: applied", ins)
		}
	}
	e := sdf.ArrayEdit{Values: []int32{}, Ins: sdf.AppendSteps(nil, sdf.ArrayEditStep{Op: sdf.EditMinSize, A1: 1 << 40})}
	if _, err := e.Apply(nil); err == nil {
		t.Error("minsize 2^40 applied")
	}
	m := sdf.ArrayEdit{Values: []sdf.Matrix4d{}, Ins: sdf.AppendSteps(nil, sdf.ArrayEditStep{Op: sdf.EditSetSize, A1: 1 << 24})}
	if _, err := m.Apply(nil); err == nil {
		t.Error("resize of matrix4d[] to 2 GiB applied")
	}
}
