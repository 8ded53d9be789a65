// Package display is rgallery's display-server port: it speaks the TCP
// protocol of the tev image viewer, so that renderers which stream to tev
// (pbrt-v4's --display-server, tev's own Python and C++ clients, anything
// built on them) stream into the gallery instead. Each image a client
// creates becomes a live snapshot through the same bgrender Manager/Host
// path as any renderer: a stream is a renderer whose images arrive over TCP.
//
// The wire format is ported from tev's own sources (include/tev/Ipc.h and
// src/Ipc.cpp, IpcPacket::interpretAs*; include/tev/VectorGraphics.h for the
// command sizes) and from the packet builders of its Python client
// (tevclient 1.0.4, tevclient/packet.py), which the tests use as the
// reference. A packet is
//
//	uint32 length (little endian, counting these 4 bytes), uint8 type, payload
//
// with NUL-terminated strings, little-endian int32/int64/float32 fields, and
// bools as one byte that is true only when it is 1 (tev's rule). The types:
//
//	0 OpenImage (v1: "path:channelSelector" in one string)  7 OpenImage v2
//	1 ReloadImage   2 CloseImage   4 CreateImage   8 VectorGraphics
//	3 UpdateImage (v1: one channel)  5 v2 (n channels, planar)
//	6 v3 (per channel offset and stride into the float data)
//
// Unlike tev, the decoder checks every count, offset and stride against the
// packet's length before allocating or indexing, refuses negative ones, and
// reports a malformed packet as a *FormatError naming the packet and the
// byte offset; it never panics (FuzzDecode). Bytes after the last field,
// which tev ignores, are counted in Trailing. Server turns the packets
// into snapshots; it does not draw vector graphics.
package display

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Type is a packet's type byte, tev's IpcPacket::EType.
type Type uint8

// Packet types, with tev's numbers.
const (
	TypeOpenImage      Type = 0 // v1: path and channel selector in one string
	TypeReloadImage    Type = 1
	TypeCloseImage     Type = 2
	TypeUpdateImage    Type = 3 // v1: one channel
	TypeCreateImage    Type = 4
	TypeUpdateImageV2  Type = 5 // several channels, planar data
	TypeUpdateImageV3  Type = 6 // per-channel offset and stride
	TypeOpenImageV2    Type = 7 // path and channel selector apart
	TypeVectorGraphics Type = 8
)

func (t Type) String() string {
	switch t {
	case TypeOpenImage:
		return "OpenImage"
	case TypeReloadImage:
		return "ReloadImage"
	case TypeCloseImage:
		return "CloseImage"
	case TypeUpdateImage:
		return "UpdateImage"
	case TypeCreateImage:
		return "CreateImage"
	case TypeUpdateImageV2:
		return "UpdateImageV2"
	case TypeUpdateImageV3:
		return "UpdateImageV3"
	case TypeOpenImageV2:
		return "OpenImageV2"
	case TypeVectorGraphics:
		return "VectorGraphics"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Packet is one decoded packet: *OpenImage, *ReloadImage, *CloseImage,
// *CreateImage, *UpdateImage or *VectorGraphics.
type Packet interface {
	// Head returns the fields every packet has.
	Head() *Header
}

// Header holds what every packet has.
type Header struct {
	Type Type
	// Length is the packet's length field, the whole packet in bytes.
	Length int
	// Trailing counts the bytes after the last field. tev ignores them;
	// a server should say so rather than drop them silently.
	Trailing int
}

// Head returns h itself, so that every packet type embedding Header is a
// Packet.
func (h *Header) Head() *Header { return h }

// OpenImage asks to open an image file on the server's machine.
type OpenImage struct {
	Header
	GrabFocus       bool
	Path            string
	ChannelSelector string
}

// ReloadImage asks to reload the image called Name from its file.
type ReloadImage struct {
	Header
	GrabFocus bool
	Name      string
}

// CloseImage asks to close the image called Name.
type CloseImage struct {
	Header
	Name string
}

// CreateImage creates a blank (zero) image with named channels.
type CreateImage struct {
	Header
	GrabFocus     bool
	Name          string
	Width, Height int32
	Channels      []string
}

// UpdateImage sets a tile of some channels of an image. Channel c of the
// tile's pixel p (row-major within the tile) is At(c, p) =
// Data[Offsets[c]+p*Strides[c]]; v1 and v2 packets get the planar offsets
// and strides tev gives them (c*Width*Height and 1).
type UpdateImage struct {
	Header
	GrabFocus           bool
	Name                string
	Channels            []string
	X, Y, Width, Height int32
	Offsets, Strides    []int64
	// Data holds the floats the offsets and strides reach, no more.
	Data []float32
}

// Pixels is the number of pixels in the tile.
func (u *UpdateImage) Pixels() int { return int(u.Width) * int(u.Height) }

// At returns channel c of the tile's pixel p. Decode checked that every
// such index lies within Data.
func (u *UpdateImage) At(c, p int) float32 {
	return u.Data[u.Offsets[c]+int64(p)*u.Strides[c]]
}

// VectorGraphics draws vector graphics over an image.
type VectorGraphics struct {
	Header
	GrabFocus bool
	Name      string
	Append    bool
	Commands  []VgCommand
}

// VgCommand is one vector graphics command: a type (tev's VgCommand::EType)
// with a fixed number of floats and, for Text and FontFace, a string.
type VgCommand struct {
	Type int8
	Data []float32
	Text string
}

// Vector graphics command types whose payload ends with a string.
const (
	VgText     int8 = 21
	VgFontFace int8 = 23
)

// vgFloats is the number of floats of each command type, from tev's
// VgCommand::bytes() and tevclient's builders (StrokeWidth and FontSize
// carry a scale kind after the size).
var vgFloats = map[int8]int{
	0: 0, 1: 0, 2: 4, 3: 0, 4: 4, 5: 0, 6: 0, 7: 0, 8: 1, 9: 0,
	10: 2, 11: 2, 12: 5, 13: 6, 14: 6, 15: 3, 16: 4, 17: 4, 18: 4, 19: 5, 20: 8,
	21: 2, 22: 1, 23: 0, 24: 2, 25: 2,
}

// VgFloats returns the number of floats of a command type, and false for a
// type tev does not know.
func VgFloats(t int8) (int, bool) {
	n, ok := vgFloats[t]
	return n, ok
}

// FormatError reports a malformed packet: its type (or "packet" when the
// type byte was not reached) and the byte offset within the packet.
type FormatError struct {
	Packet string
	Offset int
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("tev %s packet: offset %d: %s", e.Packet, e.Offset, e.Msg)
}

// MaxChannels is the most channels one packet may name; tev has no limit,
// but no image has more, and it bounds the per-channel tables.
const MaxChannels = 1 << 12

// Decode decodes one whole packet, length field included. Nothing it
// returns aliases b.
func Decode(b []byte) (Packet, error) {
	if len(b) < 5 {
		return nil, &FormatError{"packet", 0, fmt.Sprintf("%d bytes, want at least 5 (length and type)", len(b))}
	}
	length := binary.LittleEndian.Uint32(b)
	if int64(length) != int64(len(b)) {
		return nil, &FormatError{"packet", 0, fmt.Sprintf("length field %d, but the packet has %d bytes", length, len(b))}
	}
	t := Type(b[4])
	d := &decoder{b: b, off: 5, name: t.String()}
	h := Header{Type: t, Length: len(b)}
	var p Packet
	switch t {
	case TypeOpenImage, TypeOpenImageV2:
		o := &OpenImage{Header: h}
		o.GrabFocus = d.bool()
		s := d.string("path")
		if t == TypeOpenImageV2 {
			o.Path, o.ChannelSelector = s, d.string("channel selector")
		} else {
			o.Path, o.ChannelSelector = splitSelector(s)
		}
		p = o
	case TypeReloadImage:
		r := &ReloadImage{Header: h}
		r.GrabFocus = d.bool()
		r.Name = d.string("image name")
		p = r
	case TypeCloseImage:
		c := &CloseImage{Header: h}
		c.Name = d.string("image name")
		p = c
	case TypeCreateImage:
		c := &CreateImage{Header: h}
		c.GrabFocus = d.bool()
		c.Name = d.string("image name")
		c.Width = d.size("width")
		c.Height = d.size("height")
		c.Channels = d.names(d.count("channel count"))
		p = c
	case TypeUpdateImage, TypeUpdateImageV2, TypeUpdateImageV3:
		p = d.update(h)
	case TypeVectorGraphics:
		p = d.vector(h)
	default:
		return nil, &FormatError{"packet", 4, fmt.Sprintf("unknown packet type %d", uint8(t))}
	}
	if d.err != nil {
		return nil, d.err
	}
	p.Head().Trailing = len(b) - d.off
	return p, nil
}

// splitSelector splits an OpenImage v1 string at its last colon, as tev
// does, except for a Windows drive ("C:\…" or "C:/…").
func splitSelector(s string) (path, selector string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || (i == 1 && len(s) >= 3 && (s[2] == '\\' || s[2] == '/')) {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// decoder reads fields in order; after the first error every read returns
// a zero value and the error stays the first one.
type decoder struct {
	b    []byte
	off  int
	name string
	err  error
}

func (d *decoder) fail(at int, format string, args ...any) {
	if d.err == nil {
		d.err = &FormatError{d.name, at, fmt.Sprintf(format, args...)}
	}
}

func (d *decoder) need(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.b)-d.off < n {
		d.fail(d.off, "%s needs %d bytes, %d left", what, n, len(d.b)-d.off)
		return false
	}
	return true
}

func (d *decoder) bool() bool {
	if !d.need(1, "bool") {
		return false
	}
	v := d.b[d.off] == 1
	d.off++
	return v
}

func (d *decoder) int32(what string) int32 {
	if !d.need(4, what) {
		return 0
	}
	v := int32(binary.LittleEndian.Uint32(d.b[d.off:]))
	d.off += 4
	return v
}

func (d *decoder) int64(what string) int64 {
	if !d.need(8, what) {
		return 0
	}
	v := int64(binary.LittleEndian.Uint64(d.b[d.off:]))
	d.off += 8
	return v
}

// size reads a non-negative int32.
func (d *decoder) size(what string) int32 {
	at := d.off
	v := d.int32(what)
	if v < 0 {
		d.fail(at, "%s %d is negative", what, v)
		return 0
	}
	return v
}

// count reads a channel count: non-negative, at most MaxChannels, and no
// more than the bytes left could name (each name takes at least its NUL).
func (d *decoder) count(what string) int {
	at := d.off
	n := d.size(what)
	if d.err != nil {
		return 0
	}
	if n > MaxChannels {
		d.fail(at, "%s %d exceeds the limit of %d", what, n, MaxChannels)
		return 0
	}
	if int(n) > len(d.b)-d.off {
		d.fail(at, "%s %d, but only %d bytes are left", what, n, len(d.b)-d.off)
		return 0
	}
	return int(n)
}

func (d *decoder) string(what string) string {
	if d.err != nil {
		return ""
	}
	i := indexNUL(d.b[d.off:])
	if i < 0 {
		d.fail(d.off, "%s: no NUL terminator before the end of the packet", what)
		return ""
	}
	s := string(d.b[d.off : d.off+i])
	d.off += i + 1
	return s
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func (d *decoder) names(n int) []string {
	if d.err != nil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.string(fmt.Sprintf("channel name %d", i))
	}
	return out
}

func (d *decoder) update(h Header) *UpdateImage {
	u := &UpdateImage{Header: h}
	u.GrabFocus = d.bool()
	u.Name = d.string("image name")
	nc := 1
	if h.Type != TypeUpdateImage {
		nc = d.count("channel count")
	}
	u.Channels = d.names(nc)
	u.X = d.int32("x")
	u.Y = d.int32("y")
	u.Width = d.size("width")
	u.Height = d.size("height")
	if d.err != nil {
		return nil
	}
	n := int64(u.Width) * int64(u.Height)
	u.Offsets, u.Strides = make([]int64, nc), make([]int64, nc)
	if h.Type == TypeUpdateImageV3 {
		if !d.need(16*nc, "channel offsets and strides") {
			return nil
		}
		for i := range u.Offsets {
			u.Offsets[i] = d.int64("channel offset")
		}
		for i := range u.Strides {
			u.Strides[i] = d.int64("channel stride")
		}
	} else {
		for i := range u.Offsets {
			u.Offsets[i], u.Strides[i] = int64(i)*n, 1
		}
	}
	// The floats the tile reads: up to the largest index reached, which
	// must lie within the packet. Work in the float count the packet can
	// hold, so that no product overflows.
	avail := int64(len(d.b)-d.off) / 4
	var need int64
	for c := 0; c < nc && n > 0; c++ {
		off, stride := u.Offsets[c], u.Strides[c]
		if off < 0 || stride < 0 {
			d.fail(d.off, "channel %q: offset %d and stride %d must not be negative", u.Channels[c], off, stride)
			return nil
		}
		// last index = off + (n-1)*stride < avail
		if off >= avail || (stride > 0 && n-1 > (avail-1-off)/stride) {
			d.fail(d.off, "channel %q: %dx%d pixels at offset %d, stride %d reach beyond the %d floats of data",
				u.Channels[c], u.Width, u.Height, off, stride, avail)
			return nil
		}
		need = max(need, off+(n-1)*stride+1)
	}
	u.Data = make([]float32, need)
	for i := range u.Data {
		u.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[d.off+4*i:]))
	}
	d.off += 4 * int(need)
	return u
}

func (d *decoder) vector(h Header) *VectorGraphics {
	v := &VectorGraphics{Header: h}
	v.GrabFocus = d.bool()
	v.Name = d.string("image name")
	v.Append = d.bool()
	at := d.off
	n := d.size("command count")
	if d.err != nil {
		return nil
	}
	if int(n) > len(d.b)-d.off { // each command takes its type byte at least
		d.fail(at, "command count %d, but only %d bytes are left", n, len(d.b)-d.off)
		return nil
	}
	v.Commands = make([]VgCommand, n)
	for i := range v.Commands {
		c := &v.Commands[i]
		if !d.need(1, "command type") {
			return nil
		}
		c.Type = int8(d.b[d.off])
		nf, ok := vgFloats[c.Type]
		if !ok {
			d.fail(d.off, "command %d: unknown vector graphics command type %d", i, c.Type)
			return nil
		}
		d.off++
		if !d.need(4*nf, fmt.Sprintf("command %d (type %d)", i, c.Type)) {
			return nil
		}
		if nf > 0 {
			c.Data = make([]float32, nf)
			for j := range c.Data {
				c.Data[j] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[d.off:]))
				d.off += 4
			}
		}
		if c.Type == VgText || c.Type == VgFontFace {
			c.Text = d.string(fmt.Sprintf("command %d text", i))
		}
	}
	return v
}
