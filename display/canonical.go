package display

import (
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Canonical returns what a packet means, in a JSON-ready form that does not
// depend on how it was encoded: an UpdateImage's values as one plane per
// channel (row-major over the tile, whatever the offsets and strides), each
// float as its little-endian bits in hex so that comparisons are exact
// (NaN payloads and -0 included). Tests compare it with the form the
// reference client's inputs give (scripts/oracle/tev_packets.py).
func Canonical(p Packet) map[string]any {
	h := p.Head()
	m := map[string]any{"type": h.Type.String()}
	switch p := p.(type) {
	case *OpenImage:
		m["grabFocus"], m["path"], m["channelSelector"] = p.GrabFocus, p.Path, p.ChannelSelector
	case *ReloadImage:
		m["grabFocus"], m["name"] = p.GrabFocus, p.Name
	case *CloseImage:
		m["name"] = p.Name
	case *CreateImage:
		m["grabFocus"], m["name"] = p.GrabFocus, p.Name
		m["width"], m["height"], m["channels"] = int(p.Width), int(p.Height), strs(p.Channels)
	case *UpdateImage:
		m["grabFocus"], m["name"], m["channels"] = p.GrabFocus, p.Name, strs(p.Channels)
		m["x"], m["y"], m["width"], m["height"] = int(p.X), int(p.Y), int(p.Width), int(p.Height)
		planes := make([]any, len(p.Channels))
		n := p.Pixels()
		for c := range planes {
			b := make([]byte, 0, 4*n)
			for px := 0; px < n; px++ {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(p.At(c, px)))
			}
			planes[c] = hex.EncodeToString(b)
		}
		m["planes"] = planes
	case *VectorGraphics:
		m["grabFocus"], m["name"], m["append"] = p.GrabFocus, p.Name, p.Append
		cmds := make([]any, len(p.Commands))
		for i, c := range p.Commands {
			b := make([]byte, 0, 4*len(c.Data))
			for _, v := range c.Data {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
			cmds[i] = map[string]any{"type": int(c.Type), "data": hex.EncodeToString(b), "text": c.Text}
		}
		m["commands"] = cmds
	}
	return m
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
