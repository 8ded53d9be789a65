package exr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Attributes as the OpenEXR file layout stores them: name, type name and a
// size-prefixed value ("OpenEXR File Layout", Header; OpenEXRCore
// openexr_attr.h for the types). Every attribute is kept as written; the
// known types are also decoded for printing and for the header fields the
// reader needs.

// Attribute is one header attribute. Raw holds the value's bytes as
// written; Value holds the decoded value for the known types (Box2i,
// []float32 for vectors and matrices, float32, float64, int32, string,
// []string, TileDesc, []Channel for chlist, uint8 for enums) and nil
// otherwise.
type Attribute struct {
	Name, Type string
	Raw        []byte
	Value      any
}

// Box2i is an integer box, both corners inclusive, as OpenEXR's box2i.
type Box2i struct{ XMin, YMin, XMax, YMax int }

// Width is the number of columns in the box (0 when empty).
func (b Box2i) Width() int { return max(0, b.XMax-b.XMin+1) }

// Height is the number of rows in the box (0 when empty).
func (b Box2i) Height() int { return max(0, b.YMax-b.YMin+1) }

func (b Box2i) String() string {
	return fmt.Sprintf("(%d %d) - (%d %d)", b.XMin, b.YMin, b.XMax, b.YMax)
}

// LevelMode is a tiled part's level structure.
type LevelMode uint8

// The level modes of OpenEXR's tiledesc.
const (
	OneLevel LevelMode = 0
	MipMap   LevelMode = 1
	RipMap   LevelMode = 2
)

func (m LevelMode) String() string {
	switch m {
	case OneLevel:
		return "ONE_LEVEL"
	case MipMap:
		return "MIPMAP_LEVELS"
	case RipMap:
		return "RIPMAP_LEVELS"
	}
	return fmt.Sprintf("LevelMode(%d)", uint8(m))
}

// TileDesc is OpenEXR's tiledesc: tile size, level mode and whether level
// sizes round up (else down).
type TileDesc struct {
	XSize, YSize int
	Mode         LevelMode
	RoundUp      bool
}

func le32(b []byte) int32    { return int32(binary.LittleEndian.Uint32(b)) }
func lef32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// decodeAttr decodes the value of the known attribute types; a value of
// the wrong size for its type is a format error.
func decodeAttr(typ string, v []byte) (any, error) {
	fixed := func(n int) error {
		if len(v) != n {
			return fmt.Errorf("%s value of %d bytes, want %d", typ, len(v), n)
		}
		return nil
	}
	floats := func(n int) (any, error) {
		if err := fixed(4 * n); err != nil {
			return nil, err
		}
		f := make([]float32, n)
		for i := range f {
			f[i] = lef32(v[4*i:])
		}
		return f, nil
	}
	ints := func(n int) (any, error) {
		if err := fixed(4 * n); err != nil {
			return nil, err
		}
		f := make([]int32, n)
		for i := range f {
			f[i] = le32(v[4*i:])
		}
		return f, nil
	}
	switch typ {
	case "box2i":
		if err := fixed(16); err != nil {
			return nil, err
		}
		return Box2i{int(le32(v)), int(le32(v[4:])), int(le32(v[8:])), int(le32(v[12:]))}, nil
	case "box2f":
		return floats(4)
	case "v2f":
		return floats(2)
	case "v3f":
		return floats(3)
	case "m33f":
		return floats(9)
	case "m44f":
		return floats(16)
	case "chromaticities":
		return floats(8)
	case "v2i":
		return ints(2)
	case "v3i":
		return ints(3)
	case "rational":
		if err := fixed(8); err != nil {
			return nil, err
		}
		return [2]int64{int64(le32(v)), int64(binary.LittleEndian.Uint32(v[4:]))}, nil
	case "int":
		if err := fixed(4); err != nil {
			return nil, err
		}
		return le32(v), nil
	case "float":
		if err := fixed(4); err != nil {
			return nil, err
		}
		return lef32(v), nil
	case "double":
		if err := fixed(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(v)), nil
	case "compression", "lineOrder", "envmap", "deepImageState":
		if err := fixed(1); err != nil {
			return nil, err
		}
		return v[0], nil
	case "string":
		return string(v), nil
	case "stringvector":
		var out []string
		for p := 0; p < len(v); {
			if p+4 > len(v) {
				return nil, fmt.Errorf("truncated stringvector")
			}
			n := int(le32(v[p:]))
			p += 4
			if n < 0 || n > len(v)-p {
				return nil, fmt.Errorf("stringvector entry of %d bytes past its end", n)
			}
			out = append(out, string(v[p:p+n]))
			p += n
		}
		return out, nil
	case "tiledesc":
		if err := fixed(9); err != nil {
			return nil, err
		}
		return TileDesc{
			XSize:   int(binary.LittleEndian.Uint32(v)),
			YSize:   int(binary.LittleEndian.Uint32(v[4:])),
			Mode:    LevelMode(v[8] & 0xf),
			RoundUp: v[8]>>4&1 == 1,
		}, nil
	case "chlist":
		return decodeChlist(v)
	}
	return nil, nil
}

// decodeChlist reads a channel list: per channel a name, pixel type
// (int32), pLinear (uint8), three reserved bytes and the x and y sampling
// (int32), ended by an empty name.
func decodeChlist(v []byte) ([]Channel, error) {
	var out []Channel
	p := 0
	for {
		if p >= len(v) {
			return nil, fmt.Errorf("channel list not terminated")
		}
		if v[p] == 0 {
			break
		}
		i := bytes.IndexByte(v[p:], 0)
		if i < 0 || p+i+1+16 > len(v) {
			return nil, fmt.Errorf("truncated channel list")
		}
		name := string(v[p : p+i])
		p += i + 1
		pt := le32(v[p:])
		c := Channel{
			Name:      name,
			Type:      PixelType(pt),
			PLinear:   v[p+4] != 0,
			XSampling: int(le32(v[p+8:])),
			YSampling: int(le32(v[p+12:])),
		}
		p += 16
		if pt < 0 || pt > 2 {
			return nil, fmt.Errorf("channel %q has pixel type %d", name, pt)
		}
		if c.XSampling < 1 || c.YSampling < 1 || c.XSampling > 1<<16 || c.YSampling > 1<<16 {
			return nil, fmt.Errorf("channel %q has sampling %d x %d", name, c.XSampling, c.YSampling)
		}
		if len(out) > 0 && out[len(out)-1].Name >= name {
			// OpenEXR keeps channel lists sorted; it refuses duplicates.
			if out[len(out)-1].Name == name {
				return nil, fmt.Errorf("channel %q listed twice", name)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// FormatValue is the attribute's value in the text form `image info`
// prints.
func (a Attribute) FormatValue() string {
	switch v := a.Value.(type) {
	case nil:
		return fmt.Sprintf("<%d bytes>", len(a.Raw))
	case string:
		return fmt.Sprintf("%q", v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case uint8:
		switch a.Type {
		case "compression":
			return compression(v).String()
		case "lineOrder":
			return LineOrder(v).String()
		}
		return fmt.Sprint(v)
	case []Channel:
		var s []string
		for _, c := range v {
			s = append(s, c.describe())
		}
		return strings.Join(s, ", ")
	case TileDesc:
		r := "down"
		if v.RoundUp {
			r = "up"
		}
		return fmt.Sprintf("%dx%d %s rounding %s", v.XSize, v.YSize, v.Mode, r)
	}
	return fmt.Sprint(a.Value)
}
