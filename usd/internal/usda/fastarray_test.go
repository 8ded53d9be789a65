package usda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// floatEdgeCases are decimal strings at the edges of float64 and float32:
// rounding boundaries, subnormals, overflow, the Clinger fast path limits.
var floatEdgeCases = []string{
	"0", "-0", "0.0", "-0.0", "00000.00000", "1", "-1", "1.", ".5", "-.5",
	"0.1", "0.2", "0.3", "1.5", "123456789012345", "1234567890123456", "12345678901234567",
	"9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
	"16777216", "16777217", "16777218", "16777219", "33554431", "33554433",
	"0.000001", "1e-10", "1e-11", "1e10", "1e11", "1e22", "1e23", "1e-22", "1e-23",
	"123456789e-22", "123456789e22", "1.7976931348623157e308", "1.7976931348623158e308",
	"1.7976931348623159e308", "1e309", "-1e309", "1e-400", "-1e-400",
	"4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
	"2.2250738585072011e-308", "2.2250738585072012e-308", "2.225073858507201e-308",
	"3.4028234663852886e38", "3.4028235e38", "3.4028236e38", "3.5e38", "1e39",
	"1.17549435e-38", "1.1754942e-38", "1.4e-45", "7e-46", "7.1e-46", "1e-46",
	"0.7569440", "-0.756944", "0.439019", "0.159939", "7.8985e-05", "8.496e-05",
	"1E5", "1e+5", "1e-5", "1e005", "1e0000000000000000000001", "1e-99999999999999",
	"0.000000000000000000000000000000000000000000000000001",
	"100000000000000000000000000000000000000000000000000",
	"3.141592653589793238462643383279502884197", "2.718281828459045",
	"0.30000000000000004", "0.1000000000000000055511151231257827",
	"999999999999999", "9999999999999999", "99999999999999999999",
	"1.0000000000000002", "1.00000000000000011102230246251565404236316680908203125",
	"1.00000000000000011102230246251565404236316680908203124",
	"1.00000000000000011102230246251565404236316680908203126",
	"1.00000005960464477539062499", "1.000000059604644775390625", "1.00000005960464477539062501",
}

// randomDecimal makes a decimal string of the shapes writers produce and
// of odd ones: many digits, leading zeros, exponents near the limits.
func randomDecimal(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(3) == 0 {
		b.WriteByte('-') // no leading '+': Sdf's Number has an optional '-' only
	}
	digits := func(n int) {
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	intDigits := r.IntN(8)
	if r.IntN(8) == 0 {
		intDigits = r.IntN(30)
	}
	fracDigits := r.IntN(10)
	if r.IntN(8) == 0 {
		fracDigits = r.IntN(30)
	}
	if intDigits+fracDigits == 0 {
		intDigits = 1
	}
	digits(intDigits)
	if fracDigits > 0 || r.IntN(5) == 0 {
		b.WriteByte('.')
		digits(fracDigits)
	}
	if r.IntN(4) == 0 {
		b.WriteByte("eE"[r.IntN(2)])
		switch r.IntN(3) {
		case 0:
			b.WriteByte('-')
		case 1:
			b.WriteByte('+')
		}
		switch r.IntN(4) {
		case 0:
			fmt.Fprint(&b, r.IntN(400))
		case 1:
			fmt.Fprint(&b, 280+r.IntN(60))
		default:
			fmt.Fprint(&b, r.IntN(40))
		}
	}
	return b.String()
}

// TestScanFloatBitIdenticalToStrconv: every number the fast scanner accepts
// has exactly strconv.ParseFloat's value (an out-of-range one its ±Inf or
// 0), for float and double.
func TestScanFloatBitIdenticalToStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	cases := append([]string{}, floatEdgeCases...)
	for range 100000 {
		cases = append(cases, randomDecimal(r))
	}
	// Random float32/float64 values printed shortest and with extra digits.
	for range 30000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		cases = append(cases, strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'e', 16+r.IntN(4), 64))
		g := math.Float32frombits(r.Uint32())
		if !math.IsNaN(float64(g)) && !math.IsInf(float64(g), 0) {
			cases = append(cases, strconv.FormatFloat(float64(g), 'g', -1, 32), strconv.FormatFloat(float64(g), 'f', r.IntN(12), 32))
		}
	}
	for _, tok := range cases {
		for _, bits := range []int{32, 64} {
			src := []byte(tok + ",")
			got, end, ok := scanFloat(src, 0, len(src), bits)
			if !ok {
				t.Errorf("scanFloat(%q, %d) gave up on a plain number", tok, bits)
				continue
			}
			if end != len(tok) {
				t.Errorf("scanFloat(%q) ended at %d, want %d", tok, end, len(tok))
			}
			want, err := strconv.ParseFloat(tok, bits)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				t.Fatalf("strconv.ParseFloat(%q): %v", tok, err)
			}
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("scanFloat(%q, %d) = %v (%#x), strconv gives %v (%#x)", tok, bits, got, math.Float64bits(got), want, math.Float64bits(want))
			}
		}
	}
}

// TestScanFloatGivesUpOnNonNumbers: tokens the general parser handles
// differently (inf, nan, a bare exponent, junk after the number) are left
// to it.
func TestScanFloatGivesUpOnNonNumbers(t *testing.T) {
	for _, tok := range []string{"", "-", "+", "+1", "+.5", ".", "-.", "e5", "1e", "1e+", "1.5.2", "1..5", "inf", "-inf", "nan",
		"1x", "1.5f", "0x10", "1_000", "--1", "1e5e5", "١"} {
		src := []byte(tok + " ")
		if _, _, ok := scanFloat(src, 0, len(src), 64); ok {
			t.Errorf("scanFloat(%q) accepted it", tok)
		}
	}
	for _, tok := range []string{"", "-", "1.0", "1e3", "1234567890123456789", "12a", "0x1"} {
		src := []byte(tok + " ")
		if _, _, ok := scanInt(src, 0, len(src)); ok {
			t.Errorf("scanInt(%q) accepted it", tok)
		}
	}
}

// arrayTypes are the array types with a fast path, and two without.
var arrayTypes = []string{"float", "float2", "float3", "float4", "double", "double2", "double3", "double4",
	"half", "int", "point3f", "normal3f", "texCoord2f", "color3f", "half3", "int2"}

// randomArrayText writes an array value of type tn with n elements in
// random layout; when bad is set it also plants mistakes and constructs
// the fast path must leave to the general parser.
func randomArrayText(r *rand.Rand, tn string, n int, bad, plain bool) string {
	vt, _, _ := lookupType(tn)
	var b strings.Builder
	blank := func() {
		switch r.IntN(12) {
		case 0:
			b.WriteString("\n        ")
		case 1:
			b.WriteString("  ")
		case 2:
			b.WriteString("\t")
		case 3, 4, 5:
			b.WriteByte(' ')
		case 6:
			if bad {
				b.WriteString(" # a comment, with ] and ( in it\n")
			}
		}
	}
	number := func() {
		if bad && r.IntN(200) == 0 {
			b.WriteString([]string{"inf", "-inf", "nan", "1.5x", "1e", "--2", "1.0", ".", "1,,2", ")", "("}[r.IntN(11)])
			return
		}
		if vt.k == kInt {
			fmt.Fprint(&b, r.IntN(2000000)-1000)
			if bad && r.IntN(300) == 0 {
				b.WriteString(".0")
			}
			return
		}
		if plain && r.IntN(50) != 0 {
			// As writers print: up to 6 or 7 significant digits.
			b.WriteString(strconv.FormatFloat((r.Float64()-0.5)*math.Pow(10, float64(r.IntN(5)-2)), 'g', 6+r.IntN(2), 32))
			return
		}
		b.WriteString(randomDecimal(r))
	}
	b.WriteByte('[')
	blank()
	for i := range n {
		if i > 0 {
			blank()
			if !(bad && r.IntN(300) == 0) {
				b.WriteByte(',')
			}
			blank()
		}
		if vt.n > 1 {
			b.WriteByte('(')
			m := vt.n
			if bad && r.IntN(300) == 0 {
				m += r.IntN(3) - 1
			}
			for j := range m {
				blank()
				if j > 0 {
					b.WriteByte(',')
					blank()
				}
				number()
			}
			if r.IntN(20) == 0 {
				b.WriteByte(',')
			}
			blank()
			b.WriteByte(')')
		} else {
			number()
		}
	}
	blank()
	if n > 0 && r.IntN(5) == 0 {
		b.WriteByte(',')
		blank()
	}
	b.WriteByte(']')
	return b.String()
}

// flatBits lists the values of a parsed array as bits, so that -0 and NaN
// compare exactly.
func flatBits(v any) []uint64 {
	rv := reflect.ValueOf(v)
	var out []uint64
	var walk func(x reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Slice, reflect.Array:
			for i := range x.Len() {
				walk(x.Index(i))
			}
		case reflect.Float32:
			out = append(out, uint64(math.Float32bits(float32(x.Float()))))
		case reflect.Float64:
			out = append(out, math.Float64bits(x.Float()))
		case reflect.Int32, reflect.Int64:
			out = append(out, uint64(x.Int()))
		default:
			panic(fmt.Sprintf("flatBits: %v", x.Kind()))
		}
	}
	walk(rv)
	return out
}

// checkSameAsGeneral parses text as an array of tn with the fast path (and
// its fallback) and with the general parser alone, and wants the same
// type, bits, end position and error.
func checkSameAsGeneral(t *testing.T, tn, text string) {
	t.Helper()
	checkSameAsGeneralWorkers(t, tn, text, 0, false)
}

// checkSameAsGeneralWorkers also wants the fast path itself (not its
// fallback) to succeed when mustBeFast is set.
func checkSameAsGeneralWorkers(t *testing.T, tn, text string, workers int, mustBeFast bool) {
	t.Helper()
	vt, _, ok := lookupType(tn)
	if !ok {
		t.Fatalf("unknown type %s", tn)
	}
	src := []byte("x = " + text + "\nnext")
	fast := &scanner{src: src, file: "t.usda", pos: 4, workers: workers}
	gen := &scanner{src: src, file: "t.usda", pos: 4}
	fv, ferr := fast.value(vt, true, 0)
	gv, gerr := gen.generalArray(vt, 0)
	if (ferr == nil) != (gerr == nil) || ferr != nil && ferr.Error() != gerr.Error() {
		t.Fatalf("%s %.200q: error %v, general parser: %v", tn, text, ferr, gerr)
	}
	if ferr != nil {
		return
	}
	if reflect.TypeOf(fv) != reflect.TypeOf(gv) {
		t.Fatalf("%s %.200q: type %T, general parser %T", tn, text, fv, gv)
	}
	if fast.pos != gen.pos {
		t.Fatalf("%s %.200q: ends at %d, general parser at %d", tn, text, fast.pos, gen.pos)
	}
	if reflect.ValueOf(fv).Len() == 0 && reflect.ValueOf(fv).IsNil() != reflect.ValueOf(gv).IsNil() {
		t.Fatalf("%s %.200q: empty array nil-ness differs", tn, text)
	}
	if mustBeFast {
		again := &scanner{src: src, file: "t.usda", pos: 4, workers: workers}
		if _, ok := again.fastArray(vt); !ok {
			t.Fatalf("%s %.200q: the fast path gave up on a clean array", tn, text)
		}
	}
	fb, gb := flatBits(fv), flatBits(gv)
	if len(fb) != len(gb) {
		t.Fatalf("%s %.200q: %d scalars, general parser %d", tn, text, len(fb), len(gb))
	}
	for i := range fb {
		if fb[i] != gb[i] {
			t.Fatalf("%s %.200q: scalar %d is %#x, general parser %#x", tn, text, i, fb[i], gb[i])
		}
	}
}

// TestFastArraySameAsGeneralParser: arrays of every fast type, small and
// empty, in random layouts, with and without mistakes: the same values,
// end position and error (file:line:column) as the element-by-element
// parser.
func TestFastArraySameAsGeneralParser(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2))
	for _, fixed := range []string{"[]", "[ ]", "[\n]", "[,]", "[1]", "[1,]", "[(1,2,3)]", "[(1,2,3,)]", "[(1,2,3),]", "[(1,2)]",
		"[(1,2,3,4)]", "[1 2]", "[(1,2,3) (4,5,6)]", "[1,2", "[", "[# c\n1]", "[1e, 2]", "[inf, -inf, nan]", "[1.0, 2]",
		"[3000000000, -3000000000]", "[99999999999999999999]", "[+1, -1, +0, -0]", "[(1, 2, 3)", "[)]"} {
		for _, tn := range arrayTypes {
			checkSameAsGeneral(t, tn, fixed)
		}
	}
	for i := range 4000 {
		tn := arrayTypes[r.IntN(len(arrayTypes))]
		n := r.IntN(40)
		_, fast := fastArrayKind(lookupTypeOK(tn))
		checkSameAsGeneralWorkers(t, tn, randomArrayText(r, tn, n, i%2 == 1, false), 0, fast && i%2 == 0)
	}
}

// TestFastArrayParallelSameAsGeneralParser: arrays long enough to be split
// across goroutines, clean and with one planted mistake or comment at a
// random place (also right at a split point's neighbourhood), parse as the
// general parser does.
func TestFastArrayParallelSameAsGeneralParser(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 3))
	for _, tn := range []string{"point3f", "int", "float", "texCoord2f", "double3"} {
		for k := range 6 {
			text := randomArrayText(r, tn, 40000, false, true)
			if len(text) < parallelMinBytes {
				t.Fatalf("%s: %d bytes is too short to test the split", tn, len(text))
			}
			if k > 0 {
				// Plant one mistake near a split point or anywhere.
				at := len(text) / 2
				if k > 2 {
					at = 1 + r.IntN(len(text)-2)
				}
				for at < len(text)-1 && text[at] != ',' {
					at++
				}
				repl := []string{" # note\n,", ",,", ", inf,", ",1.5x,", " "}[k-1]
				text = text[:at] + repl + text[at+1:]
			}
			for _, w := range []int{2, 3, 7} {
				checkSameAsGeneralWorkers(t, tn, text, w, k == 0)
			}
		}
	}
}

func lookupTypeOK(tn string) valueType {
	vt, _, _ := lookupType(tn)
	return vt
}

// TestFastArrayBadNumberNamesLine: a bad number deep inside a large array
// is reported with the file and the line it is on.
func TestFastArrayBadNumberNamesLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("#usda 1.0\ndef Mesh \"M\"\n{\n    point3f[] points = [")
	for i := range 40000 {
		if i > 0 {
			b.WriteString(",\n")
		}
		if i == 30000 {
			b.WriteString("(1, 2.5q, 3)")
			continue
		}
		fmt.Fprintf(&b, "(%d.25, -0.5, 1e-3)", i)
	}
	b.WriteString("]\n}\n")
	_, err := Parse("bad.usda", []byte(b.String()))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *SyntaxError", err)
	}
	if se.File != "bad.usda" || se.Line != 4+30000 {
		t.Fatalf("error at %s:%d, want bad.usda:%d (%v)", se.File, se.Line, 4+30000, err)
	}
}

// TestFastArrayTypes: each fast array type gives the slice type the rest
// of the package (and usd) expects.
func TestFastArrayTypes(t *testing.T) {
	want := map[string]any{
		"float": []float32{}, "float2": []sdf.Vec2f{}, "float3": []sdf.Vec3f{}, "float4": []sdf.Vec4f{},
		"double": []float64{}, "double2": []sdf.Vec2d{}, "double3": []sdf.Vec3d{}, "double4": []sdf.Vec4d{},
		"half": []sdf.Half{}, "int": []int32{},
	}
	for tn, w := range want {
		vt, _, _ := lookupType(tn)
		s := &scanner{src: []byte("[]"), file: "t"}
		v, ok := s.fastArray(vt)
		if !ok || reflect.TypeOf(v) != reflect.TypeOf(w) {
			t.Errorf("%s[]: %T (ok %v), want %T", tn, v, ok, w)
		}
	}
}

// TestFastArrayMalformedCountsDoNotSizeAllocations: brackets full of
// parentheses or commas (a hostile file) fail as syntax errors without
// allocating a slice sized by the separator count: at most a few bytes
// per byte of text, as a valid array of that length would take.
func TestFastArrayMalformedCountsDoNotSizeAllocations(t *testing.T) {
	for _, tn := range []string{"double4", "float", "int"} {
		for _, fill := range []string{"(", ",", "(,"} {
			text := "[" + strings.Repeat(fill, 4<<20) + "]"
			vt, _, _ := lookupType(tn)
			s := &scanner{src: []byte(text), file: "t"}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			_, err := s.value(vt, true, 0)
			runtime.ReadMemStats(&ms)
			if err == nil {
				t.Errorf("%s %q...: no error", tn, fill)
			}
			if grew := ms.TotalAlloc - before; grew > 4*uint64(len(text)) {
				t.Errorf("%s %q... (%d bytes of text): parsing allocated %d bytes", tn, fill, len(text), grew)
			}
		}
	}
}

// FuzzFastArray: for any text, the fast path (with its fallback) and the
// general parser agree on values, end position and error.
func FuzzFastArray(f *testing.F) {
	r := rand.New(rand.NewPCG(16, 5))
	for i := range 50 {
		tn := arrayTypes[i%len(arrayTypes)]
		f.Add(uint8(i), randomArrayText(r, tn, r.IntN(8), i%3 == 0, false))
	}
	f.Fuzz(func(t *testing.T, ti uint8, text string) {
		checkSameAsGeneral(t, arrayTypes[int(ti)%len(arrayTypes)], text)
	})
}
