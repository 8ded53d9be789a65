package exr

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// headerWriter builds a header's attributes.
type headerWriter struct{ bytes.Buffer }

func (h *headerWriter) attr(name, typ string, val []byte) {
	h.WriteString(name)
	h.WriteByte(0)
	h.WriteString(typ)
	h.WriteByte(0)
	_ = binary.Write(h, binary.LittleEndian, int32(len(val)))
	h.Write(val)
}

func le(v ...any) []byte {
	var b bytes.Buffer
	for _, x := range v {
		_ = binary.Write(&b, binary.LittleEndian, x)
	}
	return b.Bytes()
}

func chlistBytes(chans []Channel) []byte {
	var ch bytes.Buffer
	for _, c := range chans {
		ch.WriteString(c.Name)
		ch.WriteByte(0)
		pl := byte(0)
		if c.PLinear {
			pl = 1
		}
		ch.Write(le(int32(c.Type), pl, [3]byte{}, int32(c.XSampling), int32(c.YSampling)))
	}
	ch.WriteByte(0)
	return ch.Bytes()
}

func boxBytes(b Box2i) []byte {
	return le(int32(b.XMin), int32(b.YMin), int32(b.XMax), int32(b.YMax))
}

// WriteRGB writes linear float RGB pixels (3 per pixel) as a FLOAT, ZIP
// compressed scanline EXR. Extra string attributes may be added.
func WriteRGB(w io.Writer, width, height int, rgb []float32, attrs map[string]string) error {
	if width <= 0 || height <= 0 || len(rgb) != 3*width*height {
		return fmt.Errorf("exr: %d values for %dx%d RGB", len(rgb), width, height)
	}
	var h headerWriter
	h.Write(magic)
	h.Write([]byte{2, 0, 0, 0})
	var chans []Channel
	for _, c := range []string{"B", "G", "R"} {
		chans = append(chans, Channel{Name: c, Type: pixFloat, XSampling: 1, YSampling: 1})
	}
	box := Box2i{0, 0, width - 1, height - 1}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	h.attr("channels", "chlist", chlistBytes(chans))
	h.attr("compression", "compression", []byte{byte(compZIP)})
	h.attr("dataWindow", "box2i", boxBytes(box))
	h.attr("displayWindow", "box2i", boxBytes(box))
	h.attr("lineOrder", "lineOrder", []byte{0})
	h.attr("pixelAspectRatio", "float", le(float32(1)))
	h.attr("screenWindowCenter", "v2f", le(float32(0), float32(0)))
	h.attr("screenWindowWidth", "float", le(float32(1)))
	for _, k := range names {
		h.attr(k, "string", []byte(attrs[k]))
	}
	h.WriteByte(0)

	const linesPerBlock = 16
	nBlocks := (height + linesPerBlock - 1) / linesPerBlock
	offset := int64(h.Len()) + int64(8*nBlocks)
	chunks := make([][]byte, nBlocks)
	offsets := make([]uint64, nBlocks)
	raw := make([]byte, 0, 12*width*linesPerBlock)
	for b := 0; b < nBlocks; b++ {
		y0 := b * linesPerBlock
		y1 := min(y0+linesPerBlock, height)
		raw = raw[:0]
		for y := y0; y < y1; y++ {
			for _, c := range []int{2, 1, 0} { // B, G, R
				for x := 0; x < width; x++ {
					raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(rgb[3*(y*width+x)+c]))
				}
			}
		}
		data, err := zipCompress(raw)
		if err != nil {
			return err
		}
		chunks[b] = append(le(int32(y0), int32(len(data))), data...)
		offsets[b] = uint64(offset)
		offset += int64(len(chunks[b]))
	}
	return writeOut(w, h.Bytes(), [][]uint64{offsets}, chunks)
}

func writeOut(w io.Writer, head []byte, tables [][]uint64, chunks [][]byte) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(head); err != nil {
		return err
	}
	for _, t := range tables {
		if err := binary.Write(bw, binary.LittleEndian, t); err != nil {
			return err
		}
	}
	for _, c := range chunks {
		if _, err := bw.Write(c); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// structural attributes WriteFile sets itself rather than copying.
var structural = map[string]bool{
	"channels": true, "compression": true, "dataWindow": true, "displayWindow": true,
	"lineOrder": true, "type": true, "name": true, "chunkCount": true, "tiles": true,
	"version": true,
}

// WriteFile writes every part of f, full-resolution level, as an
// uncompressed scanline file: HALF channels become FLOAT (exactly), FLOAT
// and UINT stay as they are, sampling and windows are kept, and so are all
// other attributes (as written). Deep parts must be flattened first. A file of several parts, or of one named
// part, is written multi-part.
func WriteFile(w io.Writer, f *File) error {
	if len(f.Parts) == 0 {
		return fmt.Errorf("exr: write: no parts")
	}
	multi := len(f.Parts) > 1 || f.Parts[0].Name != ""
	long := false
	var h headerWriter
	h.Write(magic)
	type partOut struct {
		chans []Channel
		lines int
	}
	outs := make([]partOut, len(f.Parts))
	for i, p := range f.Parts {
		if strings.HasPrefix(p.Type, "deep") {
			return fmt.Errorf("exr: write: part %d is deep; Flatten it first", i)
		}
		dw := p.DataWindow
		var chans []Channel
		for _, c := range p.Channels {
			if c.Half == nil && c.Float == nil && c.Uint == nil {
				return fmt.Errorf("exr: write: part %d channel %q has no pixels", i, c.Name)
			}
			oc := *c
			if oc.Type == pixHalf {
				oc.Type = pixFloat
			}
			chans = append(chans, oc)
			if len(c.Name) > 31 {
				long = true
			}
		}
		sort.Slice(chans, func(a, b int) bool { return chans[a].Name < chans[b].Name })
		outs[i] = partOut{chans: chans, lines: dw.Height()}
		if len(p.Name) > 31 {
			long = true
		}
	}
	flags := uint32(2)
	if multi {
		flags |= flagMultiPart
	}
	if long {
		flags |= flagLongNames
	}
	h.Write(le(flags))
	for i, p := range f.Parts {
		var hw headerWriter
		hw.attr("channels", "chlist", chlistBytes(outs[i].chans))
		if multi {
			hw.attr("chunkCount", "int", le(int32(outs[i].lines)))
		}
		hw.attr("compression", "compression", []byte{byte(compNone)})
		hw.attr("dataWindow", "box2i", boxBytes(p.DataWindow))
		hw.attr("displayWindow", "box2i", boxBytes(p.DisplayWindow))
		hw.attr("lineOrder", "lineOrder", []byte{0})
		if multi {
			name := p.Name
			if name == "" {
				name = fmt.Sprintf("part%d", i)
			}
			hw.attr("name", "string", []byte(name))
			hw.attr("type", "string", []byte("scanlineimage"))
		}
		have := map[string]bool{}
		for _, a := range p.Attributes {
			if structural[a.Name] {
				continue
			}
			have[a.Name] = true
			hw.attr(a.Name, a.Type, a.Raw)
		}
		if !have["pixelAspectRatio"] {
			hw.attr("pixelAspectRatio", "float", le(float32(1)))
		}
		if !have["screenWindowCenter"] {
			hw.attr("screenWindowCenter", "v2f", le(float32(0), float32(0)))
		}
		if !have["screenWindowWidth"] {
			hw.attr("screenWindowWidth", "float", le(float32(1)))
		}
		hw.WriteByte(0)
		h.Write(hw.Bytes())
	}
	if multi {
		h.WriteByte(0)
	}
	offset := uint64(h.Len())
	for _, o := range outs {
		offset += 8 * uint64(o.lines)
	}
	var tables [][]uint64
	var chunks [][]byte
	for i, p := range f.Parts {
		dw := p.DataWindow
		// channels in the order written (sorted), each tied to its source
		src := map[string]*Channel{}
		for _, c := range p.Channels {
			src[c.Name] = c
		}
		table := make([]uint64, outs[i].lines)
		for k := range table {
			y := dw.YMin + k
			var c []byte
			if multi {
				c = le(int32(i))
			}
			var raw []byte
			for _, oc := range outs[i].chans {
				ch := src[oc.Name]
				if floorMod(y, ch.YSampling) != 0 {
					continue
				}
				row := (y - (dw.YMin + floorMod(-dw.YMin, ch.YSampling))) / ch.YSampling
				for x := 0; x < ch.Width; x++ {
					j := row*ch.Width + x
					switch ch.Type {
					case pixHalf:
						raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(halfToFloat(ch.Half[j])))
					case pixFloat:
						raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(ch.Float[j]))
					default:
						raw = binary.LittleEndian.AppendUint32(raw, ch.Uint[j])
					}
				}
			}
			c = append(c, le(int32(y), int32(len(raw)))...)
			c = append(c, raw...)
			table[k] = offset
			offset += uint64(len(c))
			chunks = append(chunks, c)
		}
		tables = append(tables, table)
	}
	return writeOut(w, h.Bytes(), tables, chunks)
}

// WriteFileRGB writes the image atomically: to a temporary file in the same
// directory, then renamed over path, so readers never see a partial file.
func WriteFileRGB(path string, width, height int, rgb []float32, attrs map[string]string) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteRGB(w, width, height, rgb, attrs) })
}

// WriteFileAtomic writes path through a temporary file and a rename.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
