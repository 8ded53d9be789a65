package oracle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/imageio/exr"
)

// Neither OpenEXR's Python bindings nor OpenImageIO write RIPMAP files
// (the bindings write no levels at all, OpenImageIO only MIPMAPs), so
// these cases build uncompressed MIPMAP/RIPMAP files byte by byte, as the
// OpenEXR file layout describes them (levels in offset-table order, ly
// outer for RIPMAP; tiles dy outer), from a seed. OpenEXR must read their
// base level with our values, and our reader every level.

type exrTiledCase struct {
	name     string
	path     string
	levels   map[[2]int][][]uint16 // (lx, ly) -> channel -> HALF samples
	sizes    map[[2]int][2]int
	channels []string
}

func exrLevelSize(n, l int, up bool) int {
	s := n >> l
	if up && s<<l < n {
		s++
	}
	return max(s, 1)
}

func exrLog2(n int, up bool) int {
	l := 0
	for 1<<(l+1) <= n {
		l++
	}
	if up && 1<<l < n {
		l++
	}
	return l
}

// exrWriteTiled writes one random multi-level HALF file.
func exrWriteTiled(dir string, seed uint64) (exrTiledCase, error) {
	r := rand.New(rand.NewPCG(seed, 0x7469))
	mode := 1 + r.IntN(2) // MIPMAP or RIPMAP
	up := r.IntN(2) == 1
	w, h := 1+r.IntN(90), 1+r.IntN(70)
	x0, y0 := r.IntN(41)-20, r.IntN(41)-20
	tw, th := []int{1, 4, 7, 16, 32}[r.IntN(5)], []int{1, 3, 8, 16}[r.IntN(4)]
	chans := []string{"A", "B", "G", "R"}[:1+r.IntN(4)]
	kind := map[int]string{1: "mip", 2: "rip"}[mode]
	c := exrTiledCase{
		name: fmt.Sprintf("tiled/%s-%d", kind, seed), path: filepath.Join(dir, fmt.Sprintf("tiled-%d.exr", seed)),
		levels: map[[2]int][][]uint16{}, sizes: map[[2]int][2]int{}, channels: chans,
	}
	var lv [][2]int
	if mode == 1 {
		for l := 0; l <= exrLog2(max(w, h), up); l++ {
			lv = append(lv, [2]int{l, l})
		}
	} else {
		for ly := 0; ly <= exrLog2(h, up); ly++ {
			for lx := 0; lx <= exrLog2(w, up); lx++ {
				lv = append(lv, [2]int{lx, ly})
			}
		}
	}
	var hdr bytes.Buffer
	le := func(v ...any) []byte {
		var b bytes.Buffer
		for _, x := range v {
			_ = binary.Write(&b, binary.LittleEndian, x)
		}
		return b.Bytes()
	}
	attr := func(name, typ string, v []byte) {
		hdr.WriteString(name + "\x00" + typ + "\x00")
		hdr.Write(le(int32(len(v))))
		hdr.Write(v)
	}
	hdr.Write([]byte{0x76, 0x2f, 0x31, 0x01, 2, 2, 0, 0}) // version 2, tiled
	var cl bytes.Buffer
	for _, n := range chans {
		cl.WriteString(n + "\x00")
		cl.Write(le(int32(1), [4]byte{}, int32(1), int32(1)))
	}
	cl.WriteByte(0)
	box := le(int32(x0), int32(y0), int32(x0+w-1), int32(y0+h-1))
	attr("channels", "chlist", cl.Bytes())
	attr("compression", "compression", []byte{0})
	attr("dataWindow", "box2i", box)
	attr("displayWindow", "box2i", box)
	attr("lineOrder", "lineOrder", []byte{0})
	attr("pixelAspectRatio", "float", le(float32(1)))
	attr("screenWindowCenter", "v2f", le(float32(0), float32(0)))
	attr("screenWindowWidth", "float", le(float32(1)))
	rm := byte(mode)
	if up {
		rm |= 1 << 4
	}
	attr("tiles", "tiledesc", append(le(uint32(tw), uint32(th)), rm))
	hdr.WriteByte(0)

	var chunks [][]byte
	for _, l := range lv {
		lw, lh := exrLevelSize(w, l[0], up), exrLevelSize(h, l[1], up)
		c.sizes[l] = [2]int{lw, lh}
		planes := make([][]uint16, len(chans))
		for i := range planes {
			planes[i] = make([]uint16, lw*lh)
			for k := range planes[i] {
				// finite halves only: NaN payloads are not the point here
				planes[i][k] = uint16(r.IntN(0x7c00)) | uint16(r.IntN(2))<<15
			}
		}
		c.levels[l] = planes
		for dy := 0; dy*th < lh; dy++ {
			for dx := 0; dx*tw < lw; dx++ {
				var data []byte
				for y := dy * th; y < min(lh, (dy+1)*th); y++ {
					for _, p := range planes {
						for x := dx * tw; x < min(lw, (dx+1)*tw); x++ {
							data = binary.LittleEndian.AppendUint16(data, p[y*lw+x])
						}
					}
				}
				chunks = append(chunks, append(le(int32(dx), int32(dy), int32(l[0]), int32(l[1]), int32(len(data))), data...))
			}
		}
	}
	off := uint64(hdr.Len() + 8*len(chunks))
	var out bytes.Buffer
	out.Write(hdr.Bytes())
	for _, ch := range chunks {
		out.Write(le(off))
		off += uint64(len(ch))
	}
	for _, ch := range chunks {
		out.Write(ch)
	}
	return c, os.WriteFile(c.path, out.Bytes(), 0o644)
}

// exrTiledLevels checks hand-built MIPMAP/RIPMAP files: our reader
// against the values written (every level), OpenEXR against them (base
// level, which is all its bindings read).
func exrTiledLevels(t *testing.T, tally *Tally, n int, seed uint64) {
	dir := t.TempDir()
	var cases []exrTiledCase
	var jobs []map[string]any
	for i := 0; i < n; i++ {
		c, err := exrWriteTiled(dir, seed+uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
		jobs = append(jobs, map[string]any{"name": c.name, "path": c.path})
	}
	answers := exrRunTolerant(t, []string{"read", dir}, jobs)
	for i, c := range cases {
		diff := exrTiledOurs(c)
		if diff == "" {
			d := answers[i]
			if d.refused() {
				diff = "OpenEXR refuses the file: " + d.Error + d.Warnings
			} else if f, err := exrDecode(c.path); err == nil {
				// base level, compared as any other file
				diff = exrCompare(f, &d, false)
			}
		}
		tally.Case(t, c.name, diff)
	}
}

func exrTiledOurs(c exrTiledCase) string {
	f, err := exrDecode(c.path)
	if err != nil {
		return "ours: " + exrShortErr(err)
	}
	p := f.Parts[0]
	if len(p.Levels) != len(c.levels) {
		return fmt.Sprintf("levels: ours %d, written %d", len(p.Levels), len(c.levels))
	}
	for _, l := range p.Levels {
		k := [2]int{l.LX, l.LY}
		want, ok := c.levels[k]
		if !ok {
			return fmt.Sprintf("ours has level %v, not written", k)
		}
		if sz := c.sizes[k]; l.Width != sz[0] || l.Height != sz[1] {
			return fmt.Sprintf("level %v: ours %dx%d, written %dx%d", k, l.Width, l.Height, sz[0], sz[1])
		}
		for ci, ch := range l.Channels {
			if ch.Type != exr.Half {
				return fmt.Sprintf("level %v channel %s: type %v", k, ch.Name, ch.Type)
			}
			for j, v := range want[ci] {
				if ch.Half[j] != v {
					return fmt.Sprintf("level %v channel %s sample %d: ours %#x, written %#x", k, ch.Name, j, ch.Half[j], v)
				}
			}
		}
	}
	return ""
}
