package exr

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// The file's start ("OpenEXR File Layout"): magic number, version field
// (version 2 in the low byte, flags above), then one header (single part)
// or several headers ended by an empty one (multi-part), each a list of
// attributes ended by a null byte.

const (
	flagTiled     = 0x200  // single-part tiled file
	flagLongNames = 0x400  // names up to 255 bytes
	flagNonImage  = 0x800  // deep data present
	flagMultiPart = 0x1000 // several headers
)

var magic = []byte{0x76, 0x2f, 0x31, 0x01}

// LineOrder is the order scanline chunks were written in.
type LineOrder uint8

// OpenEXR's line orders.
const (
	IncreasingY LineOrder = 0
	DecreasingY LineOrder = 1
	RandomY     LineOrder = 2
)

func (o LineOrder) String() string {
	switch o {
	case IncreasingY:
		return "INCREASING_Y"
	case DecreasingY:
		return "DECREASING_Y"
	case RandomY:
		return "RANDOM_Y"
	}
	return fmt.Sprintf("LineOrder(%d)", uint8(o))
}

// header is one part's header, with the fields the reader needs decoded.
type header struct {
	attrs         []Attribute
	channels      []Channel
	comp          compression
	dataWindow    Box2i
	displayWindow Box2i
	lineOrder     LineOrder
	tiles         *TileDesc
	typ           string // scanlineimage, tiledimage, deepscanline, deeptile
	name          string
	chunkCount    int // -1 when the attribute is absent
}

// readHeaders parses the version field and the headers; it returns them
// and the offset of the first offset table.
func readHeaders(d []byte) ([]*header, uint32, int, error) {
	if len(d) < 8 || !bytes.Equal(d[:4], magic) {
		return nil, 0, 0, &FormatError{0, "not an OpenEXR file (bad magic number)"}
	}
	flags := binary.LittleEndian.Uint32(d[4:8])
	if flags&0xff != 2 {
		return nil, 0, 0, UnsupportedError(fmt.Sprintf("file format version %d", flags&0xff))
	}
	if flags&^uint32(0xff|flagTiled|flagLongNames|flagNonImage|flagMultiPart) != 0 {
		return nil, 0, 0, &FormatError{4, fmt.Sprintf("unknown flags %#x in the version field", flags&^0xff)}
	}
	if flags&flagTiled != 0 && flags&(flagNonImage|flagMultiPart) != 0 {
		return nil, 0, 0, &FormatError{4, "single-part tiled flag together with deep or multi-part flag"}
	}
	maxName := 31
	if flags&flagLongNames != 0 {
		maxName = 255
	}
	pos := 8
	var hdrs []*header
	for {
		if flags&flagMultiPart != 0 {
			if pos >= len(d) {
				return nil, 0, 0, &FormatError{int64(pos), "header list not terminated"}
			}
			if d[pos] == 0 {
				pos++
				break
			}
		}
		h, next, err := readHeader(d, pos, maxName)
		if err != nil {
			return nil, 0, 0, err
		}
		pos = next
		if err := h.finish(flags, len(hdrs)); err != nil {
			if u, ok := err.(UnsupportedError); ok {
				return nil, 0, 0, u
			}
			return nil, 0, 0, &FormatError{int64(pos), fmt.Sprintf("part %d: %v", len(hdrs), err)}
		}
		hdrs = append(hdrs, h)
		if flags&flagMultiPart == 0 {
			break
		}
		if len(hdrs) > 1<<16 {
			return nil, 0, 0, &FormatError{int64(pos), "more than 65536 parts"}
		}
	}
	if len(hdrs) == 0 {
		return nil, 0, 0, &FormatError{int64(pos), "multi-part file without parts"}
	}
	return hdrs, flags, pos, nil
}

func cstring(d []byte, pos, maxLen int) (string, int, error) {
	i := bytes.IndexByte(d[pos:], 0)
	if i < 0 {
		return "", 0, &FormatError{int64(pos), "unterminated name in header"}
	}
	if i > maxLen {
		return "", 0, &FormatError{int64(pos), fmt.Sprintf("name of %d bytes, longer than %d", i, maxLen)}
	}
	return string(d[pos : pos+i]), pos + i + 1, nil
}

func readHeader(d []byte, pos, maxName int) (*header, int, error) {
	h := &header{chunkCount: -1}
	seen := map[string]bool{}
	for {
		if pos >= len(d) {
			return nil, 0, &FormatError{int64(pos), "header not terminated"}
		}
		if d[pos] == 0 {
			return h, pos + 1, nil
		}
		at := pos
		name, p, err := cstring(d, pos, maxName)
		if err != nil {
			return nil, 0, err
		}
		typ, p, err := cstring(d, p, maxName)
		if err != nil {
			return nil, 0, err
		}
		if name == "" || typ == "" {
			return nil, 0, &FormatError{int64(at), "attribute with an empty name or type"}
		}
		if p+4 > len(d) {
			return nil, 0, &FormatError{int64(p), "attribute size past end of file"}
		}
		size := int(le32(d[p:]))
		p += 4
		if size < 0 || size > len(d)-p {
			return nil, 0, &FormatError{int64(at), fmt.Sprintf("attribute %q of size %d past end of file", name, size)}
		}
		raw := d[p : p+size]
		pos = p + size
		if seen[name] {
			return nil, 0, &FormatError{int64(at), fmt.Sprintf("attribute %q twice in one header", name)}
		}
		seen[name] = true
		val, err := decodeAttr(typ, raw)
		if err != nil {
			return nil, 0, &FormatError{int64(at), fmt.Sprintf("attribute %q: %v", name, err)}
		}
		a := Attribute{Name: name, Type: typ, Raw: raw, Value: val}
		h.attrs = append(h.attrs, a)
		if err := h.take(a); err != nil {
			return nil, 0, &FormatError{int64(at), err.Error()}
		}
	}
}

// take fills the header's fields from the standard attributes, checking
// their types.
func (h *header) take(a Attribute) error {
	want := map[string]string{
		"channels": "chlist", "compression": "compression", "dataWindow": "box2i",
		"displayWindow": "box2i", "lineOrder": "lineOrder", "tiles": "tiledesc",
		"type": "string", "name": "string", "chunkCount": "int",
	}
	w, ok := want[a.Name]
	if !ok {
		return nil
	}
	if a.Type != w {
		return fmt.Errorf("attribute %q has type %q, want %q", a.Name, a.Type, w)
	}
	switch a.Name {
	case "channels":
		h.channels = a.Value.([]Channel)
	case "compression":
		h.comp = compression(a.Value.(uint8))
	case "dataWindow":
		h.dataWindow = a.Value.(Box2i)
	case "displayWindow":
		h.displayWindow = a.Value.(Box2i)
	case "lineOrder":
		h.lineOrder = LineOrder(a.Value.(uint8))
	case "tiles":
		t := a.Value.(TileDesc)
		h.tiles = &t
	case "type":
		h.typ = a.Value.(string)
	case "name":
		h.name = a.Value.(string)
	case "chunkCount":
		h.chunkCount = int(a.Value.(int32))
	}
	return nil
}

// limit on coordinates, as OpenEXR's: windows must stay well inside int32
// so that sizes and tile counts do not overflow.
const coordLimit = 1 << 30

// finish checks that the required attributes are present and sane.
func (h *header) finish(flags uint32, index int) error {
	have := map[string]bool{}
	for _, a := range h.attrs {
		have[a.Name] = true
	}
	for _, n := range []string{"channels", "compression", "dataWindow", "displayWindow", "lineOrder", "pixelAspectRatio", "screenWindowCenter", "screenWindowWidth"} {
		if !have[n] {
			return fmt.Errorf("required attribute %q missing", n)
		}
	}
	if flags&flagMultiPart != 0 {
		for _, n := range []string{"name", "type", "chunkCount"} {
			if !have[n] {
				return fmt.Errorf("multi-part header lacks %q", n)
			}
		}
	}
	if h.typ == "" {
		switch {
		case flags&flagNonImage != 0 && flags&flagTiled != 0:
			h.typ = "deeptile"
		case flags&flagNonImage != 0:
			h.typ = "deepscanline"
		case flags&flagTiled != 0:
			h.typ = "tiledimage"
		default:
			h.typ = "scanlineimage"
		}
	}
	switch h.typ {
	case "scanlineimage", "tiledimage":
	case "deepscanline", "deeptile":
		switch h.comp {
		case compNone, compRLE, compZIPS, compZIP, compZSTD:
		default:
			return UnsupportedError(fmt.Sprintf("deep data with %s compression (part %q)", h.comp, h.name))
		}
		if h.typ == "deeptile" && h.tiles == nil {
			return fmt.Errorf("deep tiled part without a tiles attribute")
		}
	default:
		return UnsupportedError(fmt.Sprintf("part type %q", h.typ))
	}
	if flags&flagMultiPart == 0 && (h.typ == "tiledimage") != (flags&flagTiled != 0) {
		return fmt.Errorf("type %q disagrees with the tiled flag", h.typ)
	}
	if h.typ == "scanlineimage" || h.typ == "deepscanline" {
		h.tiles = nil // a stray tiles attribute does not make scanlines tiles
	}
	if h.typ == "tiledimage" && h.tiles == nil {
		return fmt.Errorf("tiled part without a tiles attribute")
	}
	if h.tiles != nil {
		t := h.tiles
		if t.XSize < 1 || t.YSize < 1 || t.XSize > coordLimit || t.YSize > coordLimit {
			return fmt.Errorf("tile size %d x %d", t.XSize, t.YSize)
		}
		if t.Mode > RipMap {
			return fmt.Errorf("unknown level mode %d", t.Mode)
		}
	}
	for _, b := range []Box2i{h.dataWindow, h.displayWindow} {
		if b.XMin > b.XMax || b.YMin > b.YMax {
			return fmt.Errorf("empty or inverted window %v", b)
		}
		if b.XMin < -coordLimit || b.YMin < -coordLimit || b.XMax > coordLimit || b.YMax > coordLimit {
			return fmt.Errorf("window %v out of range", b)
		}
	}
	if h.lineOrder > RandomY {
		return fmt.Errorf("unknown line order %d", h.lineOrder)
	}
	if h.comp > compZSTD {
		return fmt.Errorf("unknown compression %d", h.comp)
	}
	if len(h.channels) == 0 {
		return fmt.Errorf("part without channels")
	}
	for _, c := range h.channels {
		if h.typ != "scanlineimage" && (c.XSampling != 1 || c.YSampling != 1) {
			return fmt.Errorf("tiled part with sampled channel %q", c.Name)
		}
		if floorMod(h.dataWindow.XMin, c.XSampling) != 0 || floorMod(h.dataWindow.YMin, c.YSampling) != 0 ||
			floorMod(h.dataWindow.Width(), c.XSampling) != 0 || floorMod(h.dataWindow.Height(), c.YSampling) != 0 {
			return fmt.Errorf("channel %q sampling %d x %d does not divide the data window %v", c.Name, c.XSampling, c.YSampling, h.dataWindow)
		}
	}
	return nil
}
