package usda

import (
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestHalfRoundsOnceFromDouble pins half parsing to GfHalf(double): the
// nearest half, ties to even, overflow to infinity (found by the oracle:
// 0.1 was kept as the float32 0.1).
func TestHalfRoundsOnceFromDouble(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want float32
	}{
		{0.1, 0.0999755859375}, {1e-05, 0.000010013580322265625}, {65504, 65504},
		{65519, 65504}, {-2.5, -2.5}, {1 + 1.0/2048, 1}, {1 + 3.0/2048, 1 + 2.0/1024},
	} {
		if got := float32(halfOf(c.in)); got != c.want {
			t.Errorf("halfOf(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if got := float32(halfOf(65520)); got < 1e38 {
		t.Errorf("halfOf(65520) = %v, want +Inf", got)
	}
}

// TestReorderRelationshipIsAPropertyStatement: "reorder rel r = [...]" is a
// relationship with a reorder list op, not a "reorder nameChildren".
func TestReorderRelationshipIsAPropertyStatement(t *testing.T) {
	l, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\"\n{\n    reorder rel r = [</B>, </C>]\n    half h = 0.1\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec("/A.r") == nil {
		t.Fatalf("no /A.r spec")
	}
	v, _ := l.Spec("/A.h").Get("default")
	if h, _ := v.(sdf.Half); float32(h) != 0.0999755859375 {
		t.Errorf("/A.h = %v, want the half nearest 0.1", v)
	}
}

// TestRootPrimsReorderAndPythonBools: layer-level "reorder rootPrims" and
// the True/False spelling of old files, both read by OpenUSD.
func TestRootPrimsReorderAndPythonBools(t *testing.T) {
	l, err := Parse("t.usda", []byte("#usda 1.0\ndef \"A\" (\n    instanceable = True\n)\n{\n}\n\ndef \"B\"\n{\n}\n\nreorder rootPrims = [\"B\", \"A\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Root().Tokens("primOrder"); len(got) != 2 || got[0] != "B" {
		t.Errorf("primOrder = %v, want [B A]", got)
	}
	if v, _ := l.Spec("/A").Get("instanceable"); v != true {
		t.Errorf("instanceable = %v, want true", v)
	}
}
