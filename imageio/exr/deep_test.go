package exr

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// deepTestFile builds an uncompressed single-part deep scanline file, 3x2
// pixels, channels A (HALF), R (FLOAT), Z (FLOAT); counts per pixel as
// given, sample s of pixel p having A = 0.5, R = p+s/10, Z = 10-s.
func deepTestFile(counts []int) []byte {
	le := func(v ...any) []byte {
		var b bytes.Buffer
		for _, x := range v {
			_ = binary.Write(&b, binary.LittleEndian, x)
		}
		return b.Bytes()
	}
	var h headerWriter
	h.Write(magic)
	h.Write(le(uint32(2 | flagNonImage)))
	h.attr("channels", "chlist", chlistBytes([]Channel{{Name: "A", Type: pixHalf, XSampling: 1, YSampling: 1}, {Name: "R", Type: pixFloat, XSampling: 1, YSampling: 1}, {Name: "Z", Type: pixFloat, XSampling: 1, YSampling: 1}}))
	h.attr("compression", "compression", []byte{0})
	h.attr("dataWindow", "box2i", boxBytes(Box2i{10, 20, 12, 21}))
	h.attr("displayWindow", "box2i", boxBytes(Box2i{0, 0, 99, 99}))
	h.attr("lineOrder", "lineOrder", []byte{0})
	h.attr("pixelAspectRatio", "float", le(float32(1)))
	h.attr("screenWindowCenter", "v2f", le(float32(0), float32(0)))
	h.attr("screenWindowWidth", "float", le(float32(1)))
	h.attr("type", "string", []byte("deepscanline"))
	h.attr("version", "int", le(int32(1)))
	h.WriteByte(0)
	var chunks [][]byte
	for y := 0; y < 2; y++ {
		var table, data []byte
		cum := 0
		for x := 0; x < 3; x++ {
			cum += counts[y*3+x]
			table = append(table, le(int32(cum))...)
		}
		for ch := 0; ch < 3; ch++ {
			for x := 0; x < 3; x++ {
				p := y*3 + x
				for s := 0; s < counts[p]; s++ {
					switch ch {
					case 0:
						data = append(data, le(uint16(0x3800))...) // 0.5
					case 1:
						data = append(data, le(float32(p)+float32(s)/10)...)
					default:
						data = append(data, le(float32(10-s))...)
					}
				}
			}
		}
		c := le(int32(20+y), uint64(len(table)), uint64(len(data)), uint64(len(data)))
		chunks = append(chunks, append(append(c, table...), data...))
	}
	off := uint64(h.Len() + 16)
	var out bytes.Buffer
	out.Write(h.Bytes())
	for _, c := range chunks {
		out.Write(le(off))
		off += uint64(len(c))
	}
	for _, c := range chunks {
		out.Write(c)
	}
	return out.Bytes()
}

// Deep samples come back per pixel, and Flatten composites them front to
// back: the sample with the smaller Z is in front.
func TestDeepReadAndFlatten(t *testing.T) {
	counts := []int{0, 1, 2, 3, 0, 1}
	f, err := Parse(deepTestFile(counts), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := f.Parts[0]
	lv := p.Levels[0]
	if p.Type != "deepscanline" || lv.Width != 3 || lv.Height != 2 {
		t.Fatalf("part %s %dx%d", p.Type, lv.Width, lv.Height)
	}
	off := lv.Offsets()
	for i, c := range counts {
		if int(lv.Counts[i]) != c {
			t.Fatalf("counts %v, want %v", lv.Counts, counts)
		}
		for s := 0; s < c; s++ {
			if r := lv.Channels[1].Float[off[i]+s]; r != float32(i)+float32(s)/10 {
				t.Fatalf("pixel %d sample %d: R = %v", i, s, r)
			}
		}
	}
	flat, err := p.Flatten()
	if err != nil {
		t.Fatal(err)
	}
	// pixel 2: samples (R 2.0, Z 10) and (R 2.1, Z 9), A 0.5 each: the Z 9
	// sample is in front: R = 2.1 + 0.5*2.0 = 3.1, A = 0.75, Z = 9.
	a, r, z := flat.Channels[0].Float[2], flat.Channels[1].Float[2], flat.Channels[2].Float[2]
	if math.Abs(float64(r)-3.1) > 1e-6 || a != 0.75 || z != 9 {
		t.Errorf("pixel 2 flattened: A %v R %v Z %v", a, r, z)
	}
	if flat.Channels[1].Float[0] != 0 || flat.Channels[0].Float[4] != 0 {
		t.Error("pixels without samples are not 0")
	}
	im, err := p.Image()
	if err != nil || im.Width != 3 || im.Height != 2 {
		t.Fatalf("Image: %v", err)
	}
	// truncations error, never panic
	d := deepTestFile(counts)
	for n := 0; n < len(d); n += 5 {
		if _, err := Parse(d[:n], Options{}); err == nil {
			t.Fatalf("%d of %d bytes read without error", n, len(d))
		}
	}
}
