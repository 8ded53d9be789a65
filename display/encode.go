package display

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Append appends the encoding of p to b, in the form Decode reads: for a
// Go client of tev (or of this server) and for round-trip tests. The
// packet's Type chooses the version (an UpdateImage of TypeUpdateImage or
// TypeUpdateImageV2 must have planar offsets and strides, which those
// versions imply). The length field is computed; Header.Length and
// Trailing are ignored.
func Append(b []byte, p Packet) ([]byte, error) {
	start := len(b)
	h := p.Head()
	b = append(b, 0, 0, 0, 0, byte(h.Type))
	str := func(s string) {
		b = append(b, s...)
		b = append(b, 0)
	}
	i32 := func(v int32) { b = binary.LittleEndian.AppendUint32(b, uint32(v)) }
	boolean := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	switch p := p.(type) {
	case *OpenImage:
		boolean(p.GrabFocus)
		switch h.Type {
		case TypeOpenImageV2:
			str(p.Path)
			str(p.ChannelSelector)
		case TypeOpenImage:
			// tev splits at the last colon, so a path with a colon
			// needs one after it even with no selector.
			if p.ChannelSelector != "" || strings.ContainsRune(p.Path, ':') {
				str(p.Path + ":" + p.ChannelSelector)
			} else {
				str(p.Path)
			}
		default:
			return b[:start], fmt.Errorf("encode OpenImage as %v", h.Type)
		}
	case *ReloadImage:
		boolean(p.GrabFocus)
		str(p.Name)
	case *CloseImage:
		str(p.Name)
	case *CreateImage:
		boolean(p.GrabFocus)
		str(p.Name)
		i32(p.Width)
		i32(p.Height)
		i32(int32(len(p.Channels)))
		for _, c := range p.Channels {
			str(c)
		}
	case *UpdateImage:
		nc := len(p.Channels)
		if len(p.Offsets) != nc || len(p.Strides) != nc {
			return b[:start], fmt.Errorf("encode UpdateImage: %d channels, %d offsets, %d strides", nc, len(p.Offsets), len(p.Strides))
		}
		boolean(p.GrabFocus)
		str(p.Name)
		switch h.Type {
		case TypeUpdateImage:
			if nc != 1 {
				return b[:start], fmt.Errorf("encode UpdateImage v1 with %d channels, want 1", nc)
			}
		case TypeUpdateImageV2, TypeUpdateImageV3:
			i32(int32(nc))
		default:
			return b[:start], fmt.Errorf("encode UpdateImage as %v", h.Type)
		}
		for _, c := range p.Channels {
			str(c)
		}
		i32(p.X)
		i32(p.Y)
		i32(p.Width)
		i32(p.Height)
		if h.Type == TypeUpdateImageV3 {
			for _, o := range p.Offsets {
				b = binary.LittleEndian.AppendUint64(b, uint64(o))
			}
			for _, s := range p.Strides {
				b = binary.LittleEndian.AppendUint64(b, uint64(s))
			}
		} else {
			n := int64(p.Width) * int64(p.Height)
			for c := range nc {
				if p.Offsets[c] != int64(c)*n || p.Strides[c] != 1 {
					return b[:start], fmt.Errorf("encode %v: channel %d is not planar", h.Type, c)
				}
			}
		}
		for _, v := range p.Data {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	case *VectorGraphics:
		boolean(p.GrabFocus)
		str(p.Name)
		boolean(p.Append)
		i32(int32(len(p.Commands)))
		for i, c := range p.Commands {
			if n, ok := vgFloats[c.Type]; !ok || n != len(c.Data) {
				return b[:start], fmt.Errorf("encode vector graphics command %d: type %d with %d floats", i, c.Type, len(c.Data))
			}
			b = append(b, byte(c.Type))
			for _, v := range c.Data {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
			if c.Type == VgText || c.Type == VgFontFace {
				str(c.Text)
			}
		}
	default:
		return b[:start], fmt.Errorf("encode %T", p)
	}
	if uint64(len(b)-start) > math.MaxUint32 {
		return b[:start], fmt.Errorf("encode %v: %d bytes do not fit the length field", h.Type, len(b)-start)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b, nil
}
