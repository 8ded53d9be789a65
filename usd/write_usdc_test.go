package usd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// usdaEveryType is a layer with one attribute of every value type of the
// text format, scalar and array (arrays long enough to be compressed),
// default and time-sampled, plus metadata of every kind.
func usdaEveryType() string {
	scalars := map[string]string{
		"bool": "true", "uchar": "200", "int": "-7", "uint": "4000000000", "int64": "-1099511627776",
		"uint64": "9223372036854775808", "half": "1.5", "float": "0.1", "double": "0.1",
		"timecode": "12.5", "string": `"a \"quoted\" string"`, "token": `"tok"`, "asset": "@./tex.png@",
		"matrix2d": "((1, 2), (3, 4.5))", "matrix3d": "((1, 0, 0), (0, 1, 0), (0.5, 0, 1))",
		"matrix4d": "((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (10, 20, 30.5, 1))",
		"quath":    "(1, 0, -1, 0.5)", "quatf": "(0.5, 1, 2, 3)", "quatd": "(1, 0.5, 0.25, -0.125)",
		"half2": "(1.5, -2)", "half3": "(1, 2, 3.5)", "half4": "(1, 2, 3, 4)",
		"float2": "(1.5, 2)", "float3": "(0.1, 0.2, 0.3)", "float4": "(1, 2, 3, 0.5)",
		"double2": "(0.5, 2)", "double3": "(1e10, 0, 0)", "double4": "(1, 2, 3, 400)",
		"int2": "(1000, 2)", "int3": "(1, 2, 300)", "int4": "(-129, 2, 3, 4)",
		"point3f": "(1, 2, 3)", "normal3f": "(0, 1, 0)", "color3f": "(0.25, 0.5, 1)", "texCoord2f": "(0.5, 0.5)",
		"pathExpression": `"/A//B"`,
	}
	long := func(v string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = strings.ReplaceAll(v, "I", fmt.Sprint(i%5))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	arrays := map[string]string{
		"bool[]": "[true, false]", "uchar[]": "[0, 255]", "int[]": long("I", 40), "uint[]": long("I", 20),
		"int64[]": long("I", 20), "uint64[]": long("I", 20), "half[]": long("I.5", 20), "float[]": long("I.25", 40),
		"double[]": long("I", 40), "timecode[]": "[1, 2.25]", "string[]": `["a", "", "b"]`, "token[]": `["x", "y"]`,
		"asset[]": "[@a.usd@, @b.usd@]", "matrix2d[]": "[((1, 2), (3, 4))]", "matrix3d[]": "[((1, 2, 3), (4, 5, 6), (7, 8, 9))]",
		"matrix4d[]": "[((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (1, 2, 3, 1))]",
		"quath[]":    "[(0.5, 1, 1, 1)]", "quatf[]": "[(1, 0, 1, 0)]", "quatd[]": "[(1, 0, 0, 0)]",
		"half2[]": "[(1, 2), (0.5, -1)]", "half3[]": "[(1, 2, 3)]", "half4[]": "[(1, 2, 3, 4)]",
		"float2[]": "[(1, 2)]", "float3[]": long("(I, 1.5, -2)", 20), "float4[]": "[(1, 2, 3, 4)]",
		"double2[]": "[(1, 2)]", "double3[]": "[(1, 2, 3), (0.5, 0, 0)]", "double4[]": "[(1, 2, 3, 4)]",
		"int2[]": "[(1, 2)]", "int3[]": "[(1, 2, 3)]", "int4[]": "[(1, 2, 3, 4)]", "point3f[]": "[(0, 0, 0), (1, 2, 3)]",
		"pathExpression[]": `["/X", "//Y"]`,
	}
	var b strings.Builder
	b.WriteString(`#usda 1.0
(
    defaultPrim = "P"
    customLayerData = {
        int answer = 42
        dictionary nested = {
            double[] d = [1, 2]
            string s = "x"
        }
    }
    subLayers = [@./a.usda@ (offset = 10; scale = 2), @b.usda@]
)

def Xform "P" (
    kind = "component"
    prepend apiSchemas = ["MaterialBindingAPI"]
    references = [@r.usda@</R> (offset = 3), </Local>]
    payload = @p.usda@</Pay>
    inherits = </C>
    variants = {
        string v = "x"
    }
    prepend variantSets = "v"
)
{
    rel r = [</P/C>, </Other>]
    float conn.connect = </P.float>
    double animated.timeSamples = {
        1: 2,
        3: 4.5,
    }
    float3[] points.timeSamples = {
        0: [(0, 0, 0)],
        1: [(1, 1, 1)],
    }
`)
	for _, m := range []map[string]string{scalars, arrays} {
		for _, tn := range sortedTypeNames(m) {
			name := strings.NewReplacer("[]", "Array").Replace(tn)
			fmt.Fprintf(&b, "    %s %s = %s\n", tn, name, m[tn])
		}
	}
	b.WriteString(`    variantSet "v" = {
        "x" {
            def Sphere "S"
            {
                double radius = 2
            }
        }
    }
}

class "C"
{
}
`)
	return b.String()
}

func sortedTypeNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestUsdaToUsdcToUsdaRoundTripsEveryType: a usda layer holding every
// value type (scalar and array, default and time-sampled) and metadata of
// every kind, written as a crate by WriteUsdc and read back, prints as the
// same usda as the layer it came from.
func TestUsdaToUsdcToUsdaRoundTripsEveryType(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "every.usda")
	if err := os.WriteFile(src, []byte(usdaEveryType()), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLayer(src)
	if err != nil {
		t.Fatal(err)
	}
	var crate bytes.Buffer
	if err := WriteUsdc(&crate, l); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "every.usdc")
	if err := os.WriteFile(dst, crate.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLayer(dst)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != "0.10.0" {
		t.Errorf("crate version %s, want 0.10.0 (path expressions)", back.Version)
	}
	var want, got bytes.Buffer
	if err := WriteUsda(&want, l); err != nil {
		t.Fatal(err)
	}
	if err := WriteUsda(&got, back); err != nil {
		t.Fatal(err)
	}
	if want.String() != got.String() {
		wl, gl := strings.Split(want.String(), "\n"), strings.Split(got.String(), "\n")
		for i := 0; i < len(wl) || i < len(gl); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Fatalf("line %d: usda %q, after usdc %q", i+1, w, g)
			}
		}
	}
	if n := strings.Count(want.String(), "\n"); n < 100 {
		t.Errorf("only %d lines of usda: the layer lost values", n)
	}
}
