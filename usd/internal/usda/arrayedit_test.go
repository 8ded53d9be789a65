package usda

import (
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestArrayEditTextAsOpenUSDParsesIt: array edits in the text format
// (usda 1.2) parse to the edits usd-core 26.11 reads from the same text;
// the strings are what it prints for them (str() of the VtArrayEdit).
func TestArrayEditTextAsOpenUSDParsesIt(t *testing.T) {
	for _, c := range []struct{ decl, want string }{
		{`int[] a = edit [append 1;]`, "edit [append 1]"},
		{"int[] a = edit [append 1\n append 2]", "edit [append 1; append 2]"},
		{"int[] a = edit [\n append 1;\n append 2\n]", "edit [append 1; append 2]"},
		{`int[] a = edit [erase [ -1 ]]`, "edit [erase [-1]]"},
		{`int[] a = edit []`, "edit []"},
		{`int[] a = edit [resize 9223372036854775807]`, "edit [resize 9223372036854775807]"},
		{`uniform token[] a = edit [append "x"; append 'y']`, "edit [append x; append y]"},
		{`float[] f = edit [append 1.5; write 0.1 to [0]; insert 3 at [-2]; erase [-1]; minsize 3 fill 2.25; resize 4; maxsize 9; write [0] to [1]; insert [1] at [0]; prepend [2]; append [-1]; resize 5 fill 1e20]`,
			"edit [append 1.5; write 0.1 to [0]; insert 3 at [-2]; erase [-1]; minsize 3 fill 2.25; resize 4; maxsize 9; write [0] to [1]; prepend [1]; prepend [2]; append [-1]; resize 5 fill 1e20]"},
		{`float3[] v = edit [append (1, 2.5, 3)]`, "edit [append (1, 2.5, 3)]"},
		{`asset[] a = edit [append @x.png@]`, "edit [append @x.png@]"},
		{`int64[] i = edit [append -5; insert 2 at [9223372036854775807]]`, "edit [append -5; insert 2 at [9223372036854775807]]"},
		{`matrix2d[] m = edit [append ((1,2),(3,4))]`, "edit [append ( (1, 2), (3, 4) )]"},
	} {
		l, err := Parse("edit.usda", []byte("#usda 1.0\ndef \"P\"\n{\n    "+c.decl+"\n}\n"))
		if err != nil {
			t.Errorf("%s: %v", c.decl, err)
			continue
		}
		var v any
		for path, s := range l.Specs {
			if strings.HasPrefix(path, "/P.") {
				v, _ = s.Get("default")
			}
		}
		e, ok := v.(sdf.ArrayEdit)
		if !ok {
			t.Errorf("%s: %T", c.decl, v)
			continue
		}
		if got := e.String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.decl, got, c.want)
		}
		// Written back as usda, it reads back the same.
		var b strings.Builder
		if err := Write(&b, l); err != nil {
			t.Fatal(err)
		}
		l2, err := Parse("again.usda", []byte(b.String()))
		if err != nil {
			t.Errorf("%s: written as\n%s\nreread: %v", c.decl, b.String(), err)
			continue
		}
		for path, s := range l2.Specs {
			if strings.HasPrefix(path, "/P.") {
				v2, _ := s.Get("default")
				if e2, ok := v2.(sdf.ArrayEdit); !ok || e2.String() != c.want {
					t.Errorf("%s: reread as %v", c.decl, v2)
				}
			}
		}
	}
}

// TestArrayEditTextOpenUSDRefuses: text usd-core 26.11 refuses is refused.
func TestArrayEditTextOpenUSDRefuses(t *testing.T) {
	for _, decl := range []string{
		`int[] a = edit [resize -1]`,                         // negative size
		`int[] a = edit [append None]`,                       // no literal
		`int a = edit [append 1]`,                            // not an array
		`int[] a = edit [;]`,                                 // empty operation
		"int[] a = edit [append 1 # c\n; append 2]",          // ';' after a line break
		`int[] a = edit [minsize 3 fill [0]]`,                // fill takes a literal
		`int[] a = edit [write 1 to [99999999999999999999]]`, // index out of int64
		`int[] a = Edit [append 1]`,
		`int[] a = edit [erase [0x1]]`,
		`int[] a = edit [erase [1.0]]`,
		`int[] a = edit [erase [+1]]`,
		`int[] a = edit [append 1 append 2]`,
	} {
		if _, err := Parse("edit.usda", []byte("#usda 1.0\ndef \"P\"\n{\n    "+decl+"\n}\n")); err == nil {
			t.Errorf("%q: accepted", decl)
		}
	}
}
