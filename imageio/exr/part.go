package exr

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// PixelType is a channel's sample type: UINT, HALF or FLOAT.
type PixelType = pixelType

// The pixel types, with OpenEXR's values.
const (
	Uint  = pixUint
	Half  = pixHalf
	Float = pixFloat
)

// Channel is one channel of a part's level: its description from the
// channel list and, once read, its samples. Width and Height count
// samples, i.e. the level's size divided by the sampling. The samples are
// in the channel's own type, row by row from the top: Half holds HALF bits,
// Float FLOAT values, Uint UINT values; the other two are nil.
type Channel struct {
	Name                 string
	Type                 PixelType
	XSampling, YSampling int
	PLinear              bool

	Width, Height int
	Half          []uint16
	Float         []float32
	Uint          []uint32
}

// At returns sample i as a float32 (UINT converted, exact below 2^24).
func (c *Channel) At(i int) float32 {
	switch c.Type {
	case pixHalf:
		return halfToFloat(c.Half[i])
	case pixFloat:
		return c.Float[i]
	}
	return float32(c.Uint[i])
}

// Len is the number of samples held: Width*Height for flat parts, the
// total of the level's Counts for deep ones.
func (c *Channel) Len() int {
	return len(c.Half) + len(c.Float) + len(c.Uint)
}

// Floats returns all samples as float32.
func (c *Channel) Floats() []float32 {
	if c.Type == pixFloat {
		return c.Float
	}
	out := make([]float32, c.Len())
	for i := range out {
		out[i] = c.At(i)
	}
	return out
}

func (c Channel) describe() string {
	s := c.Name + " " + c.Type.String()
	if c.XSampling != 1 || c.YSampling != 1 {
		s += fmt.Sprintf(" %dx%d", c.XSampling, c.YSampling)
	}
	if c.PLinear {
		s += " pLinear"
	}
	return s
}

// Level is one resolution level of a part. Scanline and ONE_LEVEL parts
// have one; MIPMAP parts one per halving; RIPMAP parts one per (LX, LY).
type Level struct {
	LX, LY        int
	Width, Height int
	Channels      []*Channel
	// Counts is, for deep parts, each pixel's number of samples
	// (row-major); nil for flat parts. See deep.go.
	Counts []uint32
}

// Part is one part of a file: its header and, once read, its pixels.
type Part struct {
	Name          string // the "name" attribute; "" in single-part files without one
	Type          string // scanlineimage, tiledimage, deepscanline or deeptile
	Attributes    []Attribute
	DataWindow    Box2i
	DisplayWindow Box2i
	Compression   string
	LineOrder     LineOrder
	Tiles         *TileDesc // nil for scanline parts
	// Channels is the base level's channels (Levels[0].Channels).
	Channels []*Channel
	Levels   []*Level
}

// Attribute returns the named attribute, or nil.
func (p *Part) Attribute(name string) *Attribute {
	for i := range p.Attributes {
		if p.Attributes[i].Name == name {
			return &p.Attributes[i]
		}
	}
	return nil
}

// Layer groups a part's channels by the name before their last dot:
// "diffuse.R" and "diffuse.G" form layer "diffuse", "R" and "A" the
// unnamed base layer.
type Layer struct {
	Name     string
	Channels []*Channel
}

// Layers returns the base level's layers, sorted by name.
func (p *Part) Layers() []Layer {
	idx := map[string]int{}
	var out []Layer
	for _, c := range p.Channels {
		name := ""
		if i := strings.LastIndexByte(c.Name, '.'); i >= 0 {
			name = c.Name[:i]
		}
		k, ok := idx[name]
		if !ok {
			k = len(out)
			idx[name] = k
			out = append(out, Layer{Name: name})
		}
		out[k].Channels = append(out[k].Channels, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// File is a whole OpenEXR file.
type File struct {
	MultiPart bool
	LongNames bool
	Parts     []*Part
}

// Options bound what a read may cost.
type Options struct {
	// HeaderOnly reads headers, no pixels.
	HeaderOnly bool
	// MaxSamples caps the samples over all parts, levels and channels; 0
	// means DefaultMaxSamples. Checked before anything is allocated.
	MaxSamples int64
}

// DefaultMaxSamples allows 1 GiB of FLOAT samples.
const DefaultMaxSamples = 1 << 28

// ratioLimit bounds the samples a file may claim per byte of file: a
// header may not make us allocate far more than its chunks can hold.
// Generous (a constant image compresses hugely), but it stops a 100-byte
// header from claiming 2^31 pixels.
const ratioLimit = 4096

// Open reads an OpenEXR file, all parts and levels.
func Open(path string) (*File, error) {
	return OpenWith(path, Options{})
}

// OpenWith reads an OpenEXR file with options.
func OpenWith(path string, o Options) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data, o)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return f, nil
}

// DecodeFile reads a whole OpenEXR file from r.
func DecodeFile(r io.Reader, o Options) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, math.MaxInt32))
	if err != nil {
		return nil, err
	}
	return Parse(data, o)
}

// Parse reads an OpenEXR file held in d. The returned channels do not
// alias d.
func Parse(d []byte, o Options) (*File, error) {
	hdrs, flags, pos, err := readHeaders(d)
	if err != nil {
		return nil, err
	}
	f := &File{MultiPart: flags&flagMultiPart != 0, LongNames: flags&flagLongNames != 0}
	maxS := o.MaxSamples
	if maxS <= 0 {
		maxS = DefaultMaxSamples
	}
	var total int64
	for _, h := range hdrs {
		p := &Part{
			Name: h.name, Type: h.typ, Attributes: h.attrs, DataWindow: h.dataWindow,
			DisplayWindow: h.displayWindow, Compression: h.comp.String(), LineOrder: h.lineOrder, Tiles: h.tiles,
		}
		for _, lv := range h.levels() {
			L := &Level{LX: lv.lx, LY: lv.ly, Width: lv.w, Height: lv.h}
			for _, c := range h.channels {
				c := c
				if h.tiles == nil && !strings.HasPrefix(h.typ, "deep") {
					c.Width = numSamples(c.XSampling, h.dataWindow.XMin, h.dataWindow.XMax)
					c.Height = numSamples(c.YSampling, h.dataWindow.YMin, h.dataWindow.YMax)
				} else {
					c.Width, c.Height = lv.w, lv.h
				}
				total += int64(c.Width) * int64(c.Height)
				L.Channels = append(L.Channels, &c)
			}
			p.Levels = append(p.Levels, L)
		}
		p.Channels = p.Levels[0].Channels
		f.Parts = append(f.Parts, p)
	}
	if o.HeaderOnly {
		return f, nil
	}
	if total > maxS || total > ratioLimit*int64(len(d)) {
		return nil, &FormatError{int64(pos), fmt.Sprintf("%d samples claimed by a file of %d bytes, over the limit", total, len(d))}
	}
	tables, err := readOffsets(d, hdrs, pos)
	if err != nil {
		return nil, err
	}
	for i, h := range hdrs {
		var err error
		if strings.HasPrefix(h.typ, "deep") {
			err = readDeepPart(d, f.Parts[i], h, i, f.MultiPart, tables[i], maxS)
		} else {
			err = readPart(d, f.Parts[i], h, i, f.MultiPart, tables[i])
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func readPart(d []byte, p *Part, h *header, index int, multi bool, table []uint64) error {
	if h.comp != compNone {
		if _, ok := codecs[h.comp]; !ok {
			return unsupportedCompression(h.comp, index, p.Name)
		}
	}
	k := 0
	for li, lv := range h.levels() {
		L := p.Levels[li]
		planes := make([]plane, len(L.Channels))
		for i, c := range L.Channels {
			n := c.Width * c.Height
			switch c.Type {
			case pixHalf:
				c.Half = make([]uint16, n)
			case pixFloat:
				c.Float = make([]float32, n)
			default:
				c.Uint = make([]uint32, n)
			}
			x0, y0 := h.dataWindow.XMin, h.dataWindow.YMin
			planes[i] = plane{ch: c, x0: x0 + floorMod(-x0, c.XSampling), y0: y0 + floorMod(-y0, c.YSampling), xs: c.XSampling, ys: c.YSampling}
		}
		n := 1
		if h.tiles != nil {
			n = lv.tilesX * lv.tilesY
		} else {
			n = len(table)
		}
		for j := 0; j < n; j++ {
			if err := readChunk(d, h, index, multi, j, table[k], &lv, planes); err != nil {
				return err
			}
			k++
		}
	}
	return nil
}

// unsupportedCompression names the compression and the part a file needs
// and we lack. The JPEG 2000 codecs of OpenEXR 3.4+ (HTJ2K256, HTJ2K32:
// the High-Throughput block coder of ITU-T T.814 | ISO/IEC 15444-15 inside
// a JPEG 2000 Part 1 codestream, through OpenJPH; LJ2K) are not decoded:
// a faithful decoder (codestream markers, tier-2 packets, the HT cleanup,
// refinement and magnitude passes, inverse wavelet and colour transforms)
// is a project of its own, and half of one would decode plausible wrong
// pixels. docs/exr.md says more.
func unsupportedCompression(c compression, index int, name string) error {
	part := fmt.Sprintf("part %d", index)
	if name != "" {
		part = fmt.Sprintf("part %d %q", index, name)
	}
	switch c {
	case compHTJ2K256, compHTJ2K32, compLJ2K:
		return UnsupportedError(fmt.Sprintf("%s compression (%s): JPEG 2000 (HTJ2K, ISO/IEC 15444-15) decoding is not implemented; rewrite the file with another compression, e.g. oiiotool IN --compression zip -o OUT", c, part))
	}
	return UnsupportedError(fmt.Sprintf("%s compression (%s)", c, part))
}
