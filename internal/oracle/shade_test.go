package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd"
)

// TestOracleShadeInputs compares usd.Prim.ShaderInputAt (the connection
// walk render/usdscene shades with) with OpenUSD's
// UsdShadeInput::GetValueProducingAttributes (scripts/oracle/shade_inputs.py)
// on generated material networks (genShadeNetwork; -oracle.n, default 40,
// seeds from -oracle.seed, default 1): connections from a
// UsdPreviewSurface and a UsdUVTexture to Material and NodeGraph interface
// inputs (authored, time-sampled or empty), NodeGraph outputs (to shaders
// inside, to the graph's own inputs, chained through a nested graph),
// shader outputs, undeclared outputs, shader inputs (invalid sources),
// missing prims, cycles and several hops. One case per
// input: the same producing shader output, or the same value at the time,
// or nothing from both (ours then gives the specification fallback, or
// nil when the producer has no value at the time).
func TestOracleShadeInputs(t *testing.T) {
	Python(t)
	n, seed := N(40), Seed(1)
	dir := t.TempDir()
	type job struct {
		File   string      `json:"file"`
		Inputs [][2]string `json:"inputs"`
		Time   *float64    `json:"time"`
	}
	var jobs []job
	for i := range n {
		s := seed + uint64(i)
		text, inputs := genShadeNetwork(s)
		f := filepath.Join(dir, fmt.Sprintf("gen-%d.usda", s))
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		j := job{File: f, Inputs: inputs}
		if s%2 == 1 {
			tm := 2.0
			j.Time = &tm
		}
		jobs = append(jobs, j)
	}
	type ref struct {
		Source string `json:"source"`
		Output string `json:"output"`
		Value  any    `json:"value"`
		Error  string `json:"error"`
	}
	type answer struct {
		File   string `json:"file"`
		Error  string `json:"error"`
		Inputs []ref  `json:"inputs"`
	}
	answers := RunBatch[answer](t, "shade_inputs.py", nil, jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("%d answers for %d jobs", len(answers), len(jobs))
	}
	if d := os.Getenv("RGALLERY_SHADE_DUMP"); d != "" {
		for _, j := range jobs {
			data, _ := os.ReadFile(j.File)
			os.WriteFile(filepath.Join(d, filepath.Base(j.File)), data, 0o644)
		}
	}
	ta := NewTally(t, "shade")
	for i, j := range jobs {
		a := answers[i]
		name := strings.TrimSuffix(filepath.Base(j.File), ".usda")
		if a.Error != "" || len(a.Inputs) != len(j.Inputs) {
			ta.Case(t, name+"/open", fmt.Sprintf("OpenUSD: %q (%d answers)", a.Error, len(a.Inputs)))
			continue
		}
		st, err := usd.Open(j.File)
		if err != nil {
			ta.Case(t, name+"/open", "ours: "+err.Error())
			continue
		}
		tc := usd.Default
		if j.Time != nil {
			tc = usd.TimeCode(*j.Time)
		}
		for k, in := range j.Inputs {
			r := a.Inputs[k]
			p := st.PrimAtPath(in[0])
			if p == nil {
				ta.Case(t, name+in[0]+"."+in[1], "ours: no prim")
				continue
			}
			v, src, out := p.ShaderInputAt(in[1], tc)
			var d string
			switch {
			case r.Error != "":
				d = "OpenUSD: " + r.Error
			case r.Source != "":
				if src == nil || src.Path() != r.Source || out != r.Output {
					d = fmt.Sprintf("OpenUSD: output %s.%s; ours: source %v output %q value %v", r.Source, r.Output, pathOf(src), out, v)
				}
			case r.Value != nil:
				if src != nil || !sameShadeValue(v, r.Value) {
					d = fmt.Sprintf("OpenUSD: value %v; ours: value %v (%T) source %v", r.Value, v, v, pathOf(src))
				}
			default:
				if src != nil {
					d = fmt.Sprintf("OpenUSD: nothing; ours: source %s.%s", src.Path(), out)
				} else if fb, ok := usd.ShaderFallback(p.ShaderID(), in[1]); ok && v != nil && !sameShadeValue(v, canonShade(fb)) {
					d = fmt.Sprintf("OpenUSD: nothing; ours: %v, not the fallback %v", v, fb)
				}
			}
			ta.Case(t, name+in[0]+"."+in[1], d)
		}
	}
	ta.Report(t)
}

func pathOf(p *usd.Prim) string {
	if p == nil {
		return "<nil>"
	}
	return p.Path()
}

// canonShade puts one of our values in the script's form: a list of
// float64 or a string.
func canonShade(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case usd.Token:
		return string(x)
	case usd.AssetPath:
		return x.Authored
	case float32:
		return []float64{float64(x)}
	case float64:
		return []float64{x}
	case int32:
		return []float64{float64(x)}
	case usd.Vec2f:
		return []float64{float64(x[0]), float64(x[1])}
	case usd.Vec3f:
		return []float64{float64(x[0]), float64(x[1]), float64(x[2])}
	case usd.Vec4f:
		return []float64{float64(x[0]), float64(x[1]), float64(x[2]), float64(x[3])}
	}
	return fmt.Sprint(v)
}

func sameShadeValue(ours, ref any) bool {
	o := canonShade(ours)
	if c, ok := ours.([]float64); ok {
		o = c
	}
	switch r := ref.(type) {
	case []float64:
		f, ok := o.([]float64)
		if !ok || len(f) != len(r) {
			return false
		}
		for i, x := range r {
			if math.Abs(x-f[i]) > 1e-6*math.Max(1, math.Abs(x)) {
				return false
			}
		}
		return true
	case string:
		s, ok := o.(string)
		return ok && s == r
	case []any:
		f, ok := o.([]float64)
		if !ok || len(f) != len(r) {
			return false
		}
		for i, e := range r {
			x, ok := e.(float64)
			if !ok || math.Abs(x-f[i]) > 1e-6*math.Max(1, math.Abs(x)) {
				return false
			}
		}
		return true
	}
	return false
}

// genShadeNetwork writes a material network from seed and lists the
// shader inputs to compare.
func genShadeNetwork(seed uint64) (string, [][2]string) {
	r := rand.New(rand.NewPCG(seed, 0x5eade))
	var b strings.Builder
	b.WriteString("#usda 1.0\ndef Scope \"Looks\" {\n def Material \"M\" {\n")
	b.WriteString("  token outputs:surface.connect = </Looks/M/S.outputs:surface>\n")
	// Material interface inputs.
	iface := func(prefix, owner string, n int) {
		for i := range n {
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&b, "%s  float inputs:%s%d = %d\n", prefix, owner, i, r.IntN(9))
			case 1:
				fmt.Fprintf(&b, "%s  float inputs:%s%d.timeSamples = { 1: %d, 3: %d }\n", prefix, owner, i, r.IntN(9), r.IntN(9))
			case 2:
				fmt.Fprintf(&b, "%s  float inputs:%s%d\n", prefix, owner, i)
			case 3:
				fmt.Fprintf(&b, "%s  float inputs:%s%d = %d\n%s  float inputs:%s%d.connect = </Looks/M.inputs:m%d>\n", prefix, owner, i, r.IntN(9), prefix, owner, i, r.IntN(3))
			}
		}
	}
	iface("", "m", 3)
	// A node graph with inputs, a texture inside, outputs and a nested graph.
	b.WriteString("  def NodeGraph \"G\" {\n")
	iface("  ", "g", 3)
	// graph inputs may connect to material inputs
	for i := range 2 {
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "    float outputs:o%d.connect = </Looks/M/G/T.outputs:%s>\n", i, []string{"r", "g", "rgb", "a"}[r.IntN(4)])
		case 1:
			fmt.Fprintf(&b, "    float outputs:o%d.connect = </Looks/M/G.inputs:g%d>\n", i, r.IntN(3))
		case 2:
			fmt.Fprintf(&b, "    float outputs:o%d.connect = </Looks/M/G/H.outputs:h>\n", i)
		case 3:
			fmt.Fprintf(&b, "    float outputs:o%d\n", i)
		}
	}
	b.WriteString("    def Shader \"T\" {\n     uniform token info:id = \"UsdUVTexture\"\n")
	for _, in := range []string{"scale", "bias", "fallback"} {
		switch r.IntN(3) {
		case 0:
			fmt.Fprintf(&b, "     float4 inputs:%s = (%d, 1, 1, 1)\n", in, r.IntN(5))
		case 1:
			fmt.Fprintf(&b, "     float4 inputs:%s.connect = </Looks/M/G.inputs:g%d>\n", in, r.IntN(3))
		}
	}
	b.WriteString("     float outputs:r\n     float outputs:g\n     float outputs:a\n     float3 outputs:rgb\n    }\n")
	b.WriteString("    def NodeGraph \"H\" {\n")
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "     float outputs:h.connect = </Looks/M/G/T.outputs:a>\n")
	} else {
		fmt.Fprintf(&b, "     float outputs:h.connect = </Looks/M.inputs:m%d>\n", r.IntN(3))
	}
	b.WriteString("    }\n  }\n")
	// The surface.
	b.WriteString("  def Shader \"S\" {\n   uniform token info:id = \"UsdPreviewSurface\"\n   token outputs:surface\n")
	names := []string{"roughness", "metallic", "opacity", "clearcoat", "ior", "diffuseColor", "emissiveColor", "occlusion"}
	var inputs [][2]string
	for _, n := range names {
		typ := "float"
		if strings.HasSuffix(n, "Color") {
			typ = "color3f"
		}
		val := fmt.Sprintf("%d", r.IntN(9))
		if typ == "color3f" {
			val = fmt.Sprintf("(%d, %d, 1)", r.IntN(9), r.IntN(9))
		}
		switch r.IntN(10) {
		case 7:
			fmt.Fprintf(&b, "   %s inputs:%s = %s\n   %s inputs:%s.connect = </Looks/M/G/T.outputs:undeclared>\n", typ, n, val, typ, n)
		case 8:
			fmt.Fprintf(&b, "   %s inputs:%s.connect = </Looks/M/G/T.inputs:scale>\n", typ, n)
		case 0:
			fmt.Fprintf(&b, "   %s inputs:%s = %s\n", typ, n, val)
		case 1:
			fmt.Fprintf(&b, "   %s inputs:%s.connect = </Looks/M.inputs:m%d>\n", typ, n, r.IntN(3))
		case 2:
			fmt.Fprintf(&b, "   %s inputs:%s.connect = </Looks/M/G.outputs:o%d>\n", typ, n, r.IntN(2))
		case 3:
			fmt.Fprintf(&b, "   %s inputs:%s.connect = </Looks/M/G/T.outputs:%s>\n", typ, n, []string{"r", "rgb", "a"}[r.IntN(3)])
		case 4:
			fmt.Fprintf(&b, "   %s inputs:%s = %s\n   %s inputs:%s.connect = </Looks/M/G.outputs:o%d>\n", typ, n, val, typ, n, r.IntN(2))
		case 5:
			fmt.Fprintf(&b, "   %s inputs:%s.connect = </Looks/M/Missing.outputs:x>\n", typ, n)
		case 6:
			fmt.Fprintf(&b, "   %s inputs:%s.connect = </Looks/M/G.inputs:g%d>\n", typ, n, r.IntN(3))
		}
		inputs = append(inputs, [2]string{"/Looks/M/S", n})
	}
	b.WriteString("  }\n }\n}\n")
	for _, in := range []string{"scale", "bias", "fallback"} {
		inputs = append(inputs, [2]string{"/Looks/M/G/T", in})
	}
	return b.String(), inputs
}
