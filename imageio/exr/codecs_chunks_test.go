package exr

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Test support for the codec tests (piz_test.go, pxr24_test.go,
// b44_test.go): a minimal reader of single-part scanline files that returns
// the raw chunks, and the comparison of a compressed file's chunks, decoded
// by our codecs, with the chunks of the same pixels written uncompressed by
// OpenEXR (scripts/oracle/exr_chunks.py).

type ctFile struct {
	channels []chunkChannel
	names    []string
	comp     compression
	x0, y0   int
	x1, y1   int
	chunks   map[int][]byte // by first line
}

func ctLinesPerChunk(c compression) int {
	switch c {
	case compNone, compRLE, compZIPS:
		return 1
	case compZIP, compPXR24:
		return 16
	case compPIZ, compB44, compB44A, compDWAA:
		return 32
	case compDWAB:
		return 256
	}
	return 0
}

// ctReadScanline reads the header, offset table and chunks of a
// single-part scanline file.
func ctReadScanline(path string) (*ctFile, error) {
	d, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(d) < 8 || binary.LittleEndian.Uint32(d) != 20000630 {
		return nil, errors.New("not an EXR file")
	}
	if v := binary.LittleEndian.Uint32(d[4:]); v&0x1a00 != 0 {
		return nil, fmt.Errorf("version flags %#x: tiled, deep or multi-part", v)
	}
	f := &ctFile{chunks: map[int][]byte{}}
	pos := 8
	cstr := func() string {
		i := bytes.IndexByte(d[pos:], 0)
		if i < 0 {
			pos = len(d)
			return ""
		}
		s := string(d[pos : pos+i])
		pos += i + 1
		return s
	}
	haveDW := false
	for pos < len(d) {
		name := cstr()
		if name == "" {
			break
		}
		_ = cstr()
		if pos+4 > len(d) {
			return nil, errors.New("truncated header")
		}
		size := int(binary.LittleEndian.Uint32(d[pos:]))
		pos += 4
		if pos+size > len(d) {
			return nil, errors.New("truncated attribute")
		}
		v := d[pos : pos+size]
		pos += size
		switch name {
		case "channels":
			for len(v) > 1 {
				i := bytes.IndexByte(v, 0)
				if i < 0 || len(v) < i+17 {
					return nil, errors.New("bad chlist")
				}
				f.names = append(f.names, string(v[:i]))
				e := v[i+1:]
				f.channels = append(f.channels, chunkChannel{
					name:      string(v[:i]),
					typ:       pixelType(binary.LittleEndian.Uint32(e)),
					pLinear:   e[4] != 0,
					xSampling: int(int32(binary.LittleEndian.Uint32(e[8:]))),
					ySampling: int(int32(binary.LittleEndian.Uint32(e[12:]))),
				})
				v = e[16:]
			}
		case "compression":
			f.comp = compression(v[0])
		case "dataWindow":
			f.x0 = int(int32(binary.LittleEndian.Uint32(v)))
			f.y0 = int(int32(binary.LittleEndian.Uint32(v[4:])))
			f.x1 = int(int32(binary.LittleEndian.Uint32(v[8:])))
			f.y1 = int(int32(binary.LittleEndian.Uint32(v[12:])))
			haveDW = true
		}
	}
	if !haveDW || len(f.channels) == 0 {
		return nil, errors.New("header lacks channels or dataWindow")
	}
	lpc := ctLinesPerChunk(f.comp)
	if lpc == 0 {
		return nil, fmt.Errorf("compression %d", f.comp)
	}
	n := (f.y1 - f.y0 + lpc) / lpc
	if pos+8*n > len(d) {
		return nil, errors.New("truncated offset table")
	}
	for i := 0; i < n; i++ {
		off := int(binary.LittleEndian.Uint64(d[pos+8*i:]))
		if off < 0 || off+8 > len(d) {
			return nil, fmt.Errorf("chunk %d offset %d out of range", i, off)
		}
		y := int(int32(binary.LittleEndian.Uint32(d[off:])))
		size := int(binary.LittleEndian.Uint32(d[off+4:]))
		if off+8+size > len(d) {
			return nil, fmt.Errorf("chunk %d size %d out of range", i, size)
		}
		f.chunks[y] = d[off+8 : off+8+size]
	}
	return f, nil
}

// ctLayouts returns the chunk layouts of a file, in line order, with the
// first line of each.
func (f *ctFile) layouts() []chunkLayout {
	lpc := ctLinesPerChunk(f.comp)
	var ls []chunkLayout
	for y := f.y0; y <= f.y1; y += lpc {
		ls = append(ls, chunkLayout{
			channels: f.channels,
			x0:       f.x0, y0: y,
			width:  f.x1 - f.x0 + 1,
			height: min(lpc, f.y1-y+1),
		})
	}
	return ls
}

var ctCodecs = map[compression]decompressor{
	compPIZ:   decompressPIZ,
	compPXR24: decompressPXR24,
	compB44:   decompressB44,
	compB44A:  decompressB44,
	compDWAA:  decompressDWA,
	compDWAB:  decompressDWA,
}

// ctCompareWithNone decodes every chunk of the compressed file and
// compares it byte for byte with the same lines of the uncompressed one.
// It returns the number of chunks compared that were compressed (a chunk
// that compression would not shrink is stored as is).
func ctCompareWithNone(t *testing.T, compPath, nonePath string) int {
	t.Helper()
	n, _ := ctCompareWithNoneTol(t, compPath, nonePath, 0)
	return n
}

// ctCompareWithNoneTol is ctCompareWithNone allowing HALF samples (and
// FLOAT ones that hold halves) to differ by up to tol units in the last
// place; it also returns how many samples differed within that tolerance.
func ctCompareWithNoneTol(t *testing.T, compPath, nonePath string, tol int) (int, int) {
	t.Helper()
	inexact := 0
	cf, err := ctReadScanline(compPath)
	if err != nil {
		t.Fatalf("%s: %v", compPath, err)
	}
	nf, err := ctReadScanline(nonePath)
	if err != nil {
		t.Fatalf("%s: %v", nonePath, err)
	}
	if nf.comp != compNone {
		t.Fatalf("%s: compression %d, want none", nonePath, nf.comp)
	}
	dec := ctCodecs[cf.comp]
	if dec == nil {
		t.Fatalf("%s: no codec for compression %d", compPath, cf.comp)
	}
	n := 0
	for _, l := range cf.layouts() {
		src, ok := cf.chunks[l.y0]
		if !ok {
			t.Fatalf("%s: no chunk for line %d", compPath, l.y0)
		}
		var want []byte
		for y := l.y0; y < l.y0+l.height; y++ {
			want = append(want, nf.chunks[y]...)
		}
		if got := l.uncompressedSize(); got != len(want) {
			t.Fatalf("%s: chunk at line %d: layout size %d, OpenEXR's uncompressed lines hold %d", compPath, l.y0, got, len(want))
		}
		dst := make([]byte, len(want))
		if err := dec(dst, src, l); err != nil {
			t.Errorf("%s: chunk at line %d (%d bytes): %v", compPath, l.y0, len(src), err)
			continue
		}
		if tol > 0 && !bytes.Equal(dst, want) {
			bad, off := ctSampleDiff(l, dst, want, tol)
			inexact += bad
			if off >= 0 {
				t.Errorf("%s: chunk at line %d: sample at byte %d of %d differs by more than %d ulp: got % x, want % x",
					compPath, l.y0, off, len(want), tol, dst[off:min(off+4, len(dst))], want[off:min(off+4, len(want))])
				continue
			}
		} else if !bytes.Equal(dst, want) {
			i := 0
			for dst[i] == want[i] {
				i++
			}
			t.Errorf("%s: chunk at line %d: first difference at byte %d of %d: got % x, want % x",
				compPath, l.y0, i, len(want), dst[i:min(i+8, len(dst))], want[i:min(i+8, len(want))])
			continue
		}
		if len(src) != len(want) {
			n++
		}
	}
	return n, inexact
}

// ctSampleDiff counts the samples of a chunk that differ within tol half
// ulps and returns the byte offset of the first one that differs by more
// (-1 if none).
func ctSampleDiff(l chunkLayout, got, want []byte, tol int) (int, int) {
	ord := func(h uint16) int { // half bits to a monotonic integer
		if h&0x8000 != 0 {
			return -int(h & 0x7fff)
		}
		return int(h)
	}
	near := func(a, b uint16) bool {
		d := ord(a) - ord(b)
		return d >= -tol && d <= tol
	}
	bad := 0
	off := 0
	for y := l.y0; y < l.y0+l.height; y++ {
		for _, c := range l.channels {
			if !c.hasLine(y) {
				continue
			}
			for x := 0; x < l.samplesX(c); x++ {
				sz := c.typ.size()
				g, w := got[off:off+sz], want[off:off+sz]
				if !bytes.Equal(g, w) {
					ok := false
					switch c.typ {
					case pixHalf:
						ok = near(binary.LittleEndian.Uint16(g), binary.LittleEndian.Uint16(w))
					case pixFloat:
						gf := math.Float32frombits(binary.LittleEndian.Uint32(g))
						wf := math.Float32frombits(binary.LittleEndian.Uint32(w))
						gh, wh := halfFromFloat32(gf), halfFromFloat32(wf)
						ok = halfToFloat(gh) == gf && halfToFloat(wh) == wf && near(gh, wh)
					}
					if !ok {
						return bad, off
					}
					bad++
				}
				off += sz
			}
		}
	}
	return bad, -1
}

// ctCase is one generated file for scripts/oracle/exr_chunks.py.
type ctCase struct {
	Name        string      `json:"name"`
	Compression string      `json:"compression"`
	Width       int         `json:"width"`
	Height      int         `json:"height"`
	X0          int         `json:"x0"`
	Y0          int         `json:"y0"`
	Seed        int         `json:"seed"`
	Channels    []ctChannel `json:"channels"`
}

type ctChannel struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	XS      int    `json:"xs"`
	YS      int    `json:"ys"`
	PLinear bool   `json:"plinear"`
	Fill    string `json:"fill"`
}

// ctGenerate runs the oracle script over cases, writing into dir. It skips
// the test when RGALLERY_ORACLE is unset.
func ctGenerate(t testing.TB, dir string, cases []ctCase) {
	t.Helper()
	py := os.Getenv("RGALLERY_ORACLE")
	if py == "" {
		t.Skip("RGALLERY_ORACLE unset: no OpenEXR to write test files (scripts/oracle-dev.sh setup)")
	}
	job, err := json.Marshal(map[string]any{"out": dir, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, filepath.Join("..", "..", "scripts", "oracle", "exr_chunks.py"))
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exr_chunks.py: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			Name  string `json:"name"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("exr_chunks.py answer %q: %v", line, err)
		}
		if r.Error != "" {
			t.Errorf("OpenEXR could not write case %s: %s", r.Name, r.Error)
		}
	}
}

// ctGoldenPairs lists the committed (compressed, uncompressed) file pairs
// under testdata/codecs whose name starts with prefix.
func ctGoldenPairs(t *testing.T, prefix string) [][2]string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("testdata", "codecs", prefix+"*.none.exr"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	var pairs [][2]string
	for _, none := range m {
		pairs = append(pairs, [2]string{strings.TrimSuffix(none, ".none.exr") + ".exr", none})
	}
	if len(pairs) == 0 {
		t.Fatalf("no golden files testdata/codecs/%s*.none.exr", prefix)
	}
	return pairs
}

// ctFuzzLayout builds a small chunk layout from fuzz parameters: up to 4
// channels whose types and sampling come from the bits of kinds.
func ctFuzzLayout(kinds uint16, w, h uint8, y0 int8) chunkLayout {
	l := chunkLayout{x0: 0, y0: int(y0) &^ 1, width: int(w)%40 + 1, height: int(h)%40 + 1}
	n := int(kinds&3) + 1
	names := [...]string{"R", "G", "B", "A"} // DWA classifies by name
	if kinds&(1<<14) != 0 {
		names = [...]string{"Y", "BY", "RY", "Z"}
	}
	for i := 0; i < n; i++ {
		k := kinds >> (2 + 3*i)
		c := chunkChannel{name: names[i], typ: pixelType(k % 3), xSampling: 1, ySampling: 1, pLinear: k&4 != 0}
		if k&4 != 0 && l.width%2 == 0 {
			c.xSampling, c.ySampling = 2, 2
		}
		l.channels = append(l.channels, c)
	}
	return l
}

// ctFuzz runs a decompressor on fuzz input: it must return, with an error
// or not, and never panic or write outside dst.
func ctFuzz(f *testing.F, prefix string, dec decompressor) {
	for _, p := range ctGoldenPairsF(f, prefix) {
		cf, err := ctReadScanline(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, src := range cf.chunks {
			f.Add(src, uint16(0), uint8(20), uint8(31), int8(0))
			// Four HALF channels R, G, B, A, 24 by 32: DWA's lossy path.
			f.Add(src, uint16(3|1<<2|1<<5|1<<8|1<<11), uint8(23), uint8(31), int8(0))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, kinds uint16, w, h uint8, y0 int8) {
		l := ctFuzzLayout(kinds, w, h, y0)
		dst := make([]byte, l.uncompressedSize())
		_ = dec(dst, src, l)
	})
}

func ctGoldenPairsF(f *testing.F, prefix string) []string {
	m, _ := filepath.Glob(filepath.Join("testdata", "codecs", prefix+"*.exr"))
	var out []string
	for _, p := range m {
		if !strings.HasSuffix(p, ".none.exr") {
			out = append(out, p)
		}
	}
	return out
}

// ctCases is the generated suite for one compression: HALF only, mixed
// HALF/FLOAT/UINT, sampled chroma channels, constant and random images,
// odd sizes and negative data-window origins.
func ctCases(comp string) []ctCase {
	p := strings.ToLower(comp) + "_"
	h := func(name, fill string) ctChannel {
		return ctChannel{Name: name, Type: "HALF", XS: 1, YS: 1, Fill: fill}
	}
	return []ctCase{
		{Name: p + "half_smooth", Compression: comp, Width: 37, Height: 45, Seed: 1,
			Channels: []ctChannel{h("B", "smooth"), h("G", "smooth"), h("R", "smooth")}},
		{Name: p + "half_noise", Compression: comp, Width: 64, Height: 70, X0: -3, Y0: -17, Seed: 2,
			Channels: []ctChannel{h("A", "noise"), h("R", "finite")}},
		{Name: p + "mixed", Compression: comp, Width: 29, Height: 33, X0: 5, Y0: 7, Seed: 3,
			Channels: []ctChannel{h("R", "smooth"),
				{Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "halfish"},
				{Name: "id", Type: "UINT", XS: 1, YS: 1, Fill: "smooth"},
				{Name: "zz", Type: "FLOAT", XS: 1, YS: 1, Fill: "const"}}},
		{Name: p + "mixed_noise", Compression: comp, Width: 29, Height: 33, X0: 5, Y0: 7, Seed: 3,
			Channels: []ctChannel{h("R", "smooth"),
				{Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "finite"},
				{Name: "id", Type: "UINT", XS: 1, YS: 1, Fill: "noise"},
				{Name: "zz", Type: "FLOAT", XS: 1, YS: 1, Fill: "noise"}}},
		{Name: p + "sampled", Compression: comp, Width: 300, Height: 46, X0: -4, Y0: -6, Seed: 4,
			Channels: []ctChannel{h("Y", "smooth"),
				{Name: "BY", Type: "HALF", XS: 2, YS: 2, Fill: "smooth"},
				{Name: "RY", Type: "HALF", XS: 2, YS: 2, Fill: "blocks"},
				{Name: "Zs", Type: "FLOAT", XS: 2, YS: 2, Fill: "halfish"}}},
		{Name: p + "sampled_noise", Compression: comp, Width: 38, Height: 46, X0: -4, Y0: -6, Seed: 4,
			Channels: []ctChannel{h("Y", "smooth"),
				{Name: "BY", Type: "HALF", XS: 2, YS: 2, Fill: "smooth"},
				{Name: "RY", Type: "HALF", XS: 2, YS: 2, Fill: "noise"},
				{Name: "Zs", Type: "FLOAT", XS: 2, YS: 2, Fill: "finite"}}},
		{Name: p + "sparse", Compression: comp, Width: 1500, Height: 70, Y0: -3, Seed: 12,
			Channels: []ctChannel{h("B", "sparse"), h("G", "smooth"), h("R", "sparse"),
				{Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "halfish"}}},
		{Name: p + "wide", Compression: comp, Width: 300, Height: 40, Seed: 13,
			Channels: []ctChannel{h("B", "wide"), {Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "wide"}}},
		{Name: p + "const", Compression: comp, Width: 21, Height: 19, Seed: 5,
			Channels: []ctChannel{h("G", "const"), {Name: "U", Type: "UINT", XS: 1, YS: 1, Fill: "const"}}},
		{Name: p + "const_half", Compression: comp, Width: 21, Height: 19, Seed: 5,
			Channels: []ctChannel{h("G", "const"), h("R", "const")}},
		{Name: p + "blocks", Compression: comp, Width: 43, Height: 35, Seed: 6,
			Channels: []ctChannel{h("R", "blocks"), {Name: "L", Type: "HALF", XS: 1, YS: 1, Fill: "blocks", PLinear: true}}},
		{Name: p + "narrow", Compression: comp, Width: 50, Height: 40, Seed: 7,
			Channels: []ctChannel{h("R", "narrow"), {Name: "U", Type: "UINT", XS: 1, YS: 1, Fill: "narrow"}}},
		{Name: p + "tiny", Compression: comp, Width: 1, Height: 1, Seed: 8,
			Channels: []ctChannel{h("R", "finite")}},
		{Name: p + "thin", Compression: comp, Width: 5, Height: 3, X0: -1000, Y0: 1001, Seed: 9,
			Channels: []ctChannel{h("R", "finite"), {Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "smooth"}}},
		{Name: p + "wide_noise", Compression: comp, Width: 300, Height: 40, Seed: 10,
			Channels: []ctChannel{h("B", "noise"), h("G", "noise"), h("R", "noise"),
				{Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "noise"}}},
		{Name: p + "plinear", Compression: comp, Width: 24, Height: 20, Seed: 11,
			Channels: []ctChannel{{Name: "L", Type: "HALF", XS: 1, YS: 1, Fill: "smooth", PLinear: true},
				{Name: "K", Type: "HALF", XS: 1, YS: 1, Fill: "finite", PLinear: true},
				{Name: "M", Type: "HALF", XS: 1, YS: 1, Fill: "noise", PLinear: true}}},
	}
}

// ctOracleSuite generates ctCases(comp) with OpenEXR and compares every
// chunk.
func ctOracleSuite(t *testing.T, comp string) {
	dir := t.TempDir()
	cases := ctCases(comp)
	ctGenerate(t, dir, cases)
	chunks := 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			n := ctCompareWithNone(t, filepath.Join(dir, c.Name+".exr"), filepath.Join(dir, c.Name+".none.exr"))
			t.Logf("%d compressed chunks identical to OpenEXR's decoding", n)
			chunks += n
		})
	}
	t.Logf("%s: %d cases, %d compressed chunks identical to OpenEXR's decoding", comp, len(cases), chunks)
	if chunks == 0 {
		t.Error("no chunk was compressed: the suite tested nothing")
	}
}

var ctUpdate = flag.Bool("codecs.update", false, "rewrite the golden codec files under testdata/codecs with OpenEXR")

// TestCodecsUpdateGolden rewrites testdata/codecs (with -codecs.update and
// RGALLERY_ORACLE set): one small file per codec with HALF (pLinear too),
// UINT and sampled channels, and OpenEXR's uncompressed decoding of it.
func TestCodecsUpdateGolden(t *testing.T) {
	if !*ctUpdate {
		t.Skip("golden files are rewritten only with -codecs.update")
	}
	dir := filepath.Join("testdata", "codecs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var cases []ctCase
	for _, comp := range []string{"PIZ", "PXR24", "B44", "B44A"} {
		c := ctCase{
			Name: strings.ToLower(comp) + "_golden", Compression: comp, Width: 32, Height: 34, X0: -2, Y0: -4, Seed: 42,
			Channels: []ctChannel{
				{Name: "BY", Type: "HALF", XS: 2, YS: 2, Fill: "smooth"},
				{Name: "L", Type: "HALF", XS: 1, YS: 1, Fill: "blocks", PLinear: true},
				{Name: "U", Type: "UINT", XS: 1, YS: 1, Fill: "narrow"},
				{Name: "Y", Type: "HALF", XS: 1, YS: 1, Fill: "smooth"},
			},
		}
		if comp == "PXR24" { // its FLOAT path rounds to 24 bits
			c.Channels = append(c.Channels, ctChannel{Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "finite"})
		}
		cases = append(cases, c)
	}
	for _, comp := range []string{"DWAA", "DWAB"} {
		// DWA picks schemes by channel name: R, G, B lossy as Y'CbCr, A
		// run-length coded, anything else (Z) zlib.
		cases = append(cases, ctCase{
			Name: "dwa_" + strings.ToLower(comp) + "_golden", Compression: comp, Width: 24, Height: 34, X0: -2, Y0: -4, Seed: 43,
			Channels: []ctChannel{
				{Name: "A", Type: "HALF", XS: 1, YS: 1, Fill: "blocks"},
				{Name: "B", Type: "HALF", XS: 1, YS: 1, Fill: "smooth"},
				{Name: "G", Type: "HALF", XS: 1, YS: 1, Fill: "smooth"},
				{Name: "R", Type: "HALF", XS: 1, YS: 1, Fill: "smooth"},
				{Name: "Z", Type: "FLOAT", XS: 1, YS: 1, Fill: "narrow"},
			},
		})
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctGenerate(t, abs, cases)
}

// BenchmarkDecompressHD decodes a 1920x1080 RGBA HALF image written by
// OpenEXR with each codec; MB/s counts uncompressed bytes.
func BenchmarkDecompressHD(b *testing.B) {
	dir := b.TempDir()
	var cases []ctCase
	comps := []string{"PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB"}
	for _, comp := range comps {
		var chans []ctChannel
		for _, n := range []string{"A", "B", "G", "R"} {
			chans = append(chans, ctChannel{Name: n, Type: "HALF", XS: 1, YS: 1, Fill: "smooth"})
		}
		cases = append(cases, ctCase{Name: "hd_" + strings.ToLower(comp), Compression: comp, Width: 1920, Height: 1080, Seed: 1, Channels: chans})
	}
	ctGenerate(b, dir, cases)
	for _, comp := range comps {
		f, err := ctReadScanline(filepath.Join(dir, "hd_"+strings.ToLower(comp)+".exr"))
		if err != nil {
			b.Fatal(err)
		}
		ls := f.layouts()
		total := 0
		for _, l := range ls {
			total += l.uncompressedSize()
		}
		dec := ctCodecs[f.comp]
		b.Run(comp, func(b *testing.B) {
			b.SetBytes(int64(total))
			for b.Loop() {
				for _, l := range ls {
					dst := make([]byte, l.uncompressedSize())
					if err := dec(dst, f.chunks[l.y0], l); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestCodecsRefuseTruncatedChunks cuts every compressed golden chunk short
// and requires an error: a damaged chunk must not decode into plausible
// pixels silently.
func TestCodecsRefuseTruncatedChunks(t *testing.T) {
	tried := 0
	for _, p := range ctGoldenPairs(t, "") {
		f, err := ctReadScanline(p[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range f.layouts() {
			src := f.chunks[l.y0]
			dst := make([]byte, l.uncompressedSize())
			if len(src) == len(dst) {
				continue // stored as is
			}
			for _, cut := range []int{0, 1, len(src) / 3, len(src) / 2, len(src) - 1} {
				if cut >= len(src) || cut == len(dst) {
					continue
				}
				tried++
				if err := ctCodecs[f.comp](dst, src[:cut], l); err == nil {
					t.Errorf("%s: chunk at line %d cut to %d of %d bytes decoded without error", p[0], l.y0, cut, len(src))
				}
			}
		}
	}
	if tried == 0 {
		t.Fatal("no chunk tried")
	}
}
