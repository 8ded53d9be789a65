package exr

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Multi-layer output (layers.go): WriteLayers writes the layers (AOVs) of
// one image into one file, named by the layer convention of OpenEXR's
// "Technical Introduction" (section Layers; ImfChannelList's layer
// functions) that Blender's multilayer files follow too: channel
// "albedo.R" is channel R of layer "albedo", "ViewLayer.Combined.A"
// channel A of layer "ViewLayer.Combined"; the unnamed base layer holds R,
// G, B, A. The channel list is sorted by the byte order of the full names,
// as "OpenEXR File Layout" requires, and so is each line's data.

// OutLayer is one layer to write: its name ("" for the base layer, e.g.
// the beauty pass), its channels' short names ("R", "G", "B", "A", "X",
// "Z", ...) and its pixels, len(Channels) values per pixel, rows from the
// top.
type OutLayer struct {
	Name     string
	Channels []string
	Pix      []float32
	// Type is Half or Float (the zero value means Float). HALF values are
	// rounded to nearest even; out-of-range values become infinities.
	Type PixelType
}

// LayerOptions say how WriteLayers writes.
type LayerOptions struct {
	// Compression is "NONE", "ZIPS" or "ZIP" ("" means ZIP).
	Compression string
	// MultiPart writes one part per layer instead of one part holding
	// every layer. Parts are named after their layer ("rgba" for the base
	// layer); channel names keep their layer prefix in both forms, so the
	// names stay unique across parts, as OpenEXR recommends.
	MultiPart bool
	// Attributes are added to every part as string attributes.
	Attributes map[string]string
}

// outChannel is one channel as written: full name, type, source.
type outChannel struct {
	name  string
	typ   PixelType
	layer *OutLayer
	index int // channel index within the layer's pixels
}

// WriteLayers writes layers of a width×height image as a scanline OpenEXR
// file (data and display window (0,0)-(width-1,height-1)). exrheader,
// oiiotool, OpenEXR's libraries and Blender read it; imageio and
// `rgallery import` keep every layer.
func WriteLayers(w io.Writer, width, height int, layers []OutLayer, o LayerOptions) error {
	if width <= 0 || height <= 0 {
		return fmt.Errorf("exr: write layers: size %dx%d", width, height)
	}
	if len(layers) == 0 {
		return fmt.Errorf("exr: write layers: no layers")
	}
	comp := compZIP
	switch strings.ToUpper(o.Compression) {
	case "", "ZIP":
	case "ZIPS":
		comp = compZIPS
	case "NONE":
		comp = compNone
	default:
		return fmt.Errorf("exr: write layers: compression %q (NONE, ZIPS or ZIP)", o.Compression)
	}
	seen := map[string]bool{}
	var parts [][]outChannel
	var partNames []string
	var all []outChannel
	for li := range layers {
		l := &layers[li]
		typ := l.Type
		if typ != pixHalf {
			typ = pixFloat
		}
		if len(l.Channels) == 0 {
			return fmt.Errorf("exr: write layers: layer %q has no channels", l.Name)
		}
		if len(l.Pix) != len(l.Channels)*width*height {
			return fmt.Errorf("exr: write layers: layer %q: %d values for %d channels of %dx%d", l.Name, len(l.Pix), len(l.Channels), width, height)
		}
		if strings.HasPrefix(l.Name, ".") || strings.HasSuffix(l.Name, ".") {
			return fmt.Errorf("exr: write layers: layer name %q", l.Name)
		}
		var chans []outChannel
		for ci, c := range l.Channels {
			if c == "" || strings.ContainsRune(c, '.') {
				return fmt.Errorf("exr: write layers: layer %q: channel name %q (one name, no dot)", l.Name, c)
			}
			full := c
			if l.Name != "" {
				full = l.Name + "." + c
			}
			if len(full) > 255 {
				return fmt.Errorf("exr: write layers: channel name %q longer than 255 bytes", full)
			}
			if seen[full] {
				return fmt.Errorf("exr: write layers: channel %q twice", full)
			}
			seen[full] = true
			chans = append(chans, outChannel{name: full, typ: typ, layer: l, index: ci})
		}
		all = append(all, chans...)
		parts = append(parts, chans)
		name := l.Name
		if name == "" {
			name = "rgba"
		}
		partNames = append(partNames, name)
	}
	if !o.MultiPart {
		parts, partNames = [][]outChannel{all}, nil
	} else {
		used := map[string]bool{}
		for _, n := range partNames {
			if used[n] {
				return fmt.Errorf("exr: write layers: two parts named %q", n)
			}
			used[n] = true
		}
	}
	for _, p := range parts {
		sort.Slice(p, func(a, b int) bool { return p[a].name < p[b].name })
	}

	long := false
	for _, c := range all {
		long = long || len(c.name) > 31
	}
	for _, n := range partNames {
		long = long || len(n) > 31
	}
	attrNames := make([]string, 0, len(o.Attributes))
	for k := range o.Attributes {
		if structural[k] || k == "pixelAspectRatio" || k == "screenWindowCenter" || k == "screenWindowWidth" {
			return fmt.Errorf("exr: write layers: attribute %q is set by the writer", k)
		}
		long = long || len(k) > 31
		attrNames = append(attrNames, k)
	}
	sort.Strings(attrNames)

	lines := comp.linesPerChunk()
	nChunks := (height + lines - 1) / lines
	box := Box2i{0, 0, width - 1, height - 1}
	var h headerWriter
	h.Write(magic)
	flags := uint32(2)
	if o.MultiPart {
		flags |= flagMultiPart
	}
	if long {
		flags |= flagLongNames
	}
	h.Write(le(flags))
	for pi, p := range parts {
		chl := make([]Channel, len(p))
		for i, c := range p {
			chl[i] = Channel{Name: c.name, Type: c.typ, XSampling: 1, YSampling: 1}
		}
		h.attr("channels", "chlist", chlistBytes(chl))
		if o.MultiPart {
			h.attr("chunkCount", "int", le(int32(nChunks)))
		}
		h.attr("compression", "compression", []byte{byte(comp)})
		h.attr("dataWindow", "box2i", boxBytes(box))
		h.attr("displayWindow", "box2i", boxBytes(box))
		h.attr("lineOrder", "lineOrder", []byte{0})
		if o.MultiPart {
			h.attr("name", "string", []byte(partNames[pi]))
		}
		h.attr("pixelAspectRatio", "float", le(float32(1)))
		h.attr("screenWindowCenter", "v2f", le(float32(0), float32(0)))
		h.attr("screenWindowWidth", "float", le(float32(1)))
		if o.MultiPart {
			h.attr("type", "string", []byte("scanlineimage"))
		}
		for _, k := range attrNames {
			h.attr(k, "string", []byte(o.Attributes[k]))
		}
		h.WriteByte(0)
	}
	if o.MultiPart {
		h.WriteByte(0)
	}

	offset := uint64(h.Len()) + 8*uint64(nChunks*len(parts))
	tables := make([][]uint64, len(parts))
	var chunks [][]byte
	var raw []byte
	for pi, p := range parts {
		tables[pi] = make([]uint64, nChunks)
		for k := 0; k < nChunks; k++ {
			y0 := k * lines
			y1 := min(y0+lines, height)
			raw = raw[:0]
			for y := y0; y < y1; y++ {
				for _, c := range p {
					nc := len(c.layer.Channels)
					row := c.layer.Pix[y*width*nc : (y+1)*width*nc]
					for x := 0; x < width; x++ {
						v := row[x*nc+c.index]
						if c.typ == pixHalf {
							raw = binary.LittleEndian.AppendUint16(raw, halfFromFloat32(v))
						} else {
							raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
						}
					}
				}
			}
			data := raw
			if comp != compNone {
				var err error
				if data, err = zipCompress(raw); err != nil {
					return fmt.Errorf("exr: write layers: %w", err)
				}
			}
			var c []byte
			if o.MultiPart {
				c = le(int32(pi))
			}
			c = append(c, le(int32(y0), int32(len(data)))...)
			c = append(c, data...)
			tables[pi][k] = offset
			offset += uint64(len(c))
			chunks = append(chunks, c)
		}
	}
	return writeOut(w, h.Bytes(), tables, chunks)
}

// WriteFileLayers writes WriteLayers' output to path atomically.
func WriteFileLayers(path string, width, height int, layers []OutLayer, o LayerOptions) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteLayers(w, width, height, layers, o) })
}
