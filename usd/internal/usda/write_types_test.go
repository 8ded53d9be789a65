package usda

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// sampleLiteral is a usda literal of type name n (from typeTable), or ""
// for types that have no literal (opaque, group, dictionary).
func sampleLiteral(vt valueType) string {
	var scalar string
	switch vt.k {
	case kBool:
		scalar = "1"
	case kUChar, kInt, kUInt, kInt64, kUInt64:
		scalar = "7"
	case kHalf, kFloat, kDouble, kTimeCode:
		scalar = "1.5"
	case kString, kToken:
		scalar = `"s"`
	case kAsset:
		scalar = "@a.usda@"
	case kPathExpr:
		scalar = `"/a//b"`
	case kMatrix2d:
		return "((1, 2), (3, 4))"
	case kMatrix3d:
		return "((1, 0, 0), (0, 1, 0), (0, 0, 1))"
	case kMatrix4d:
		return "((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (1, 2, 3, 1))"
	case kQuatf, kQuatd, kQuath:
		return "(1, 0, 0.5, 0)"
	default:
		return ""
	}
	if vt.n == 1 {
		return scalar
	}
	return "(" + strings.Repeat(scalar+", ", vt.n-1) + scalar + ")"
}

// TestWriterKeepsEveryValueTypeInDictionaries: Sdf's text writer writes a
// dictionary entry with its value's type name (fileIO_Common.cpp,
// Sdf_FileIOUtility::WriteDictionary uses the value's registered type), so
// every value type the parser makes must have a type name on the way
// out. Ours fell back to "string" plus fmt.Sprint for types it did not
// name (pathExpression, pathExpression[], half vector arrays, ...), which
// turned the value into another one on the next read. Attributes of every
// type are checked too.
func TestWriterKeepsEveryValueTypeInDictionaries(t *testing.T) {
	var names []string
	for n := range typeTable {
		names = append(names, n)
	}
	sort.Strings(names)
	var dict, attrs strings.Builder
	n := 0
	for i, name := range names {
		lit := sampleLiteral(typeTable[name])
		if lit == "" {
			continue
		}
		n++
		fmt.Fprintf(&dict, "        %s v%d = %s\n        %s[] a%d = [%s, %s]\n", name, i, lit, name, i, lit, lit)
		fmt.Fprintf(&attrs, "    %s v%d = %s\n    %s[] a%d = [%s, %s]\n", name, i, lit, name, i, lit, lit)
	}
	src := "#usda 1.0\n\ndef \"A\" (\n    customData = {\n" + dict.String() + "    }\n)\n{\n" + attrs.String() + "}\n"
	l, err := Parse("types.usda", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	var out bytes.Buffer
	if err := Write(&out, l); err != nil {
		t.Fatal(err)
	}
	l2, err := Parse("types.usda (rewritten)", out.Bytes())
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, out.String())
	}
	if d := sdf.Diff(l, l2); len(d) > 0 {
		t.Errorf("round trip of %d types differs:\n%.2000s", n, strings.Join(d, "\n"))
	}
	// The dictionary's values keep their Go types (Diff may compare by text).
	d1, _ := l.Specs["/A"].Get("customData")
	d2, _ := l2.Specs["/A"].Get("customData")
	m1, _ := d1.(map[string]any)
	m2, _ := d2.(map[string]any)
	if len(m1) != 2*n || len(m2) != len(m1) {
		t.Fatalf("customData has %d entries, rewritten %d, want %d", len(m1), len(m2), 2*n)
	}
	for k, v := range m1 {
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", m2[k]) {
			t.Errorf("customData %s: %T written and read back as %T (%v)", k, v, m2[k], m2[k])
		}
	}
}
