package oracle

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// tevJobs makes n random jobs for tev_packets.py: which tevclient packet
// builder to call and with what. Job i comes from seed+i alone, so any
// failing case is one number to reproduce.
func tevJobs(n int, seed uint64) []map[string]any {
	kinds := []string{"open", "reload", "close", "create", "update", "update", "update", "vg"}
	jobs := make([]map[string]any, n)
	for i := range jobs {
		s := seed + uint64(i)
		r := rand.New(rand.NewPCG(s, 0x74657621))
		kind := kinds[r.IntN(len(kinds))]
		j := map[string]any{"case": fmt.Sprintf("gen/%s/%d", kind, s), "kind": kind, "grab": r.IntN(2) == 0}
		switch kind {
		case "open":
			j["path"], j["selector"] = tevString(r, 40), tevString(r, 12)
		case "reload", "close":
			j["name"] = tevString(r, 30)
		case "create":
			j["name"], j["w"], j["h"] = tevString(r, 30), tevDim(r, 1<<16), tevDim(r, 1<<16)
			j["channels"] = nil
			if r.IntN(4) != 0 {
				// tevclient encodes CreateImage channel names as ASCII.
				j["channels"] = tevNames(r, r.IntN(9), true)
			}
		case "update":
			w, h, nc := tevDim(r, 40), tevDim(r, 40), r.IntN(7) // nc 0: a 2D (one channel) tile
			planes := max(nc, 1)
			j["name"], j["w"], j["h"], j["nc"] = tevString(r, 30), w, h, nc
			j["x"], j["y"] = tevCoord(r), tevCoord(r)
			j["data"] = tevFloats(r, w*h*planes)
			if planes <= 4 && r.IntN(3) == 0 {
				j["channels"] = nil // tevclient's default R, G, B, A
			} else {
				j["channels"] = tevNames(r, planes+r.IntN(3), false)
			}
		case "vg":
			j["name"], j["append"] = tevString(r, 20), r.IntN(2) == 0
			cmds := make([]map[string]any, r.IntN(30))
			for k := range cmds {
				cmds[k] = tevVgCommand(r)
			}
			j["commands"] = cmds
		}
		jobs[i] = j
	}
	return jobs
}

// tevString is a random string without NUL (the protocol's terminator):
// ASCII, path characters, accented and CJK letters, emoji.
func tevString(r *rand.Rand, maxLen int) string {
	alphabet := []rune("abcXYZ019 ._-/:\\*äöüß—渲染🎨\u00a0\t")
	var b strings.Builder
	for range r.IntN(maxLen + 1) {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func tevNames(r *rand.Rand, n int, ascii bool) []string {
	common := []string{"R", "G", "B", "A", "Y", "Z", "albedo.R", "normal.X", "ViewLayer.Combined.G", "depth"}
	out := make([]string, n)
	for i := range out {
		switch {
		case r.IntN(2) == 0:
			out[i] = common[r.IntN(len(common))]
		case ascii:
			out[i] = strings.Map(func(c rune) rune {
				if c > 127 {
					return 'x'
				}
				return c
			}, tevString(r, 10))
		default:
			out[i] = tevString(r, 10)
		}
	}
	return out
}

// tevDim is a size, often small, sometimes 0 or 1.
func tevDim(r *rand.Rand, limit int) int {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return r.IntN(limit + 1)
	}
	return 1 + r.IntN(min(limit, 24))
}

func tevCoord(r *rand.Rand) int {
	switch r.IntN(6) {
	case 0:
		return int(int32(r.Uint32())) // any int32, negative ones too
	case 1:
		return -r.IntN(200)
	}
	return r.IntN(5000)
}

// tevFloats returns n float32 as the hex of their little-endian bits: any
// bit pattern sometimes (NaN payloads, denormals), else ordinary values
// and the special ones.
func tevFloats(r *rand.Rand, n int) string {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00000), math.Float32frombits(0x7fc12345), math.Float32frombits(0xffc00001),
		math.SmallestNonzeroFloat32, math.MaxFloat32, 65504}
	b := make([]byte, 0, 4*n)
	for range n {
		var v float32
		switch r.IntN(10) {
		case 0:
			v = math.Float32frombits(r.Uint32())
		case 1:
			v = specials[r.IntN(len(specials))]
		default:
			v = float32(r.NormFloat64() * 10)
		}
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return hex.EncodeToString(b)
}

// tevVg lists tevclient's vector graphics helpers with their float
// arguments; enum arguments are drawn from their values.
var tevVg = []struct {
	fn     string
	floats int
	enum   []int // values of a last enum argument, if any
	text   bool
}{
	{fn: "vg_save"}, {fn: "vg_restore"}, {fn: "vg_fill_color", floats: 4}, {fn: "vg_fill"},
	{fn: "vg_stroke_color", floats: 4}, {fn: "vg_stroke_width", floats: 1, enum: []int{0, 1}}, {fn: "vg_stroke"},
	{fn: "vg_begin_path"}, {fn: "vg_close_path"}, {fn: "vg_path_winding", enum: []int{1, 2}},
	{fn: "vg_debug_dump_path_cache"}, {fn: "vg_move_to", floats: 2}, {fn: "vg_line_to", floats: 2},
	{fn: "vg_arc_to", floats: 5}, {fn: "vg_arc", floats: 5, enum: []int{1, 2}}, {fn: "vg_bezier_to", floats: 6},
	{fn: "vg_circle", floats: 3}, {fn: "vg_ellipse", floats: 4}, {fn: "vg_quad_to", floats: 4}, {fn: "vg_rect", floats: 4},
	{fn: "vg_rounded_rect", floats: 5}, {fn: "vg_rounded_rect_varying", floats: 8},
	{fn: "vg_text", floats: 2, text: true}, {fn: "vg_text_align", enum: []int{1, 2, 4, 8, 16, 32, 64, 1 | 8, 2 | 16, 4 | 64}},
	{fn: "vg_font_face", text: true}, {fn: "vg_font_size", floats: 1, enum: []int{0, 1}},
}

func tevVgCommand(r *rand.Rand) map[string]any {
	c := tevVg[r.IntN(len(tevVg))]
	args := []any{}
	for range c.floats {
		// A float32 value, exact in JSON's float64 and back.
		args = append(args, float64(float32(r.NormFloat64()*100)))
	}
	if c.enum != nil {
		args = append(args, c.enum[r.IntN(len(c.enum))])
	}
	if c.text {
		args = append(args, tevString(r, 20))
	}
	return map[string]any{"fn": c.fn, "args": args}
}
