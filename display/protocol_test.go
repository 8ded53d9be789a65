package display

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The golden packets were built by tevclient's own packet builders
// (scripts/oracle/tev_packets.py golden); "want" is what tevclient was asked
// to send, in Canonical form.
func TestDecodeTevclientGoldenPackets(t *testing.T) {
	f, err := os.Open("testdata/tevclient-packets.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var c struct {
			Case string
			Hex  string
			Want map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		b, err := hex.DecodeString(c.Hex)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(b)
		if err != nil {
			t.Errorf("%s: %v", c.Case, err)
			continue
		}
		if p.Head().Trailing != 0 {
			t.Errorf("%s: %d trailing bytes", c.Case, p.Head().Trailing)
		}
		got := jsonRoundTrip(t, Canonical(p))
		if !reflect.DeepEqual(got, c.Want) {
			t.Errorf("%s:\n got %v\nwant %v", c.Case, got, c.Want)
		}
		// Our encoder gives tevclient's bytes back.
		again, err := Append(nil, p)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%s: re-encoded %x, err %v; tevclient sent %x", c.Case, again, err, b)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d golden packets", n)
	}
}

func jsonRoundTrip(t *testing.T, v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustAppend(t *testing.T, p Packet) []byte {
	t.Helper()
	b, err := Append(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// v1 and v2 UpdateImage packets (sent by older clients such as pbrt-v4's)
// hold planar data: channel c starts at c*width*height.
func TestDecodeUpdateImageV1V2Planar(t *testing.T) {
	v2 := &UpdateImage{Header: Header{Type: TypeUpdateImageV2}, Name: "img", Channels: []string{"R", "G"},
		X: 1, Y: 2, Width: 2, Height: 1, Offsets: []int64{0, 2}, Strides: []int64{1, 1}, Data: []float32{1, 2, 3, 4}}
	p, err := Decode(mustAppend(t, v2))
	if err != nil {
		t.Fatal(err)
	}
	u := p.(*UpdateImage)
	if got := []float32{u.At(0, 0), u.At(0, 1), u.At(1, 0), u.At(1, 1)}; !reflect.DeepEqual(got, []float32{1, 2, 3, 4}) {
		t.Errorf("v2 values %v", got)
	}
	v1 := &UpdateImage{Header: Header{Type: TypeUpdateImage}, Name: "img", Channels: []string{"Y"},
		Width: 3, Height: 1, Offsets: []int64{0}, Strides: []int64{1}, Data: []float32{5, 6, 7}}
	p, err = Decode(mustAppend(t, v1))
	if err != nil {
		t.Fatal(err)
	}
	if u := p.(*UpdateImage); u.Channels[0] != "Y" || u.At(0, 2) != 7 || u.Type != TypeUpdateImage {
		t.Errorf("v1 decoded as %+v", u)
	}
}

// v3 offsets and strides may interleave, reverse or broadcast (stride 0).
func TestDecodeUpdateImageV3Strides(t *testing.T) {
	u := &UpdateImage{Header: Header{Type: TypeUpdateImageV3}, Name: "s", Channels: []string{"R", "G", "B"},
		Width: 2, Height: 2, Offsets: []int64{0, 1, 8}, Strides: []int64{2, 2, 0}, Data: []float32{0, 10, 1, 11, 2, 12, 3, 13, 99}}
	p, err := Decode(mustAppend(t, u))
	if err != nil {
		t.Fatal(err)
	}
	d := p.(*UpdateImage)
	for px := 0; px < 4; px++ {
		if d.At(0, px) != float32(px) || d.At(1, px) != float32(10+px) || d.At(2, px) != 99 {
			t.Errorf("pixel %d: %v %v %v", px, d.At(0, px), d.At(1, px), d.At(2, px))
		}
	}
}

func TestDecodeOpenImageV1SplitsAtLastColon(t *testing.T) {
	for _, c := range []struct{ in, path, sel string }{
		{"/a/b.exr:diffuse", "/a/b.exr", "diffuse"},
		{"/a/b.exr", "/a/b.exr", ""},
		{"C:\\r\\b.exr", "C:\\r\\b.exr", ""},
		{"C:/r/b.exr:Z", "C:/r/b.exr", "Z"},
		{"x:y:z", "x:y", "z"},
	} {
		b := []byte{0, 0, 0, 0, byte(TypeOpenImage), 1}
		b = append(append(b, c.in...), 0)
		b[0] = byte(len(b))
		p, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		o := p.(*OpenImage)
		if o.Path != c.path || o.ChannelSelector != c.sel || !o.GrabFocus {
			t.Errorf("%q: path %q selector %q", c.in, o.Path, o.ChannelSelector)
		}
	}
}

// tev reads a bool as true only when its byte is 1.
func TestDecodeBoolIsTrueOnlyForOne(t *testing.T) {
	for v, want := range map[byte]bool{0: false, 1: true, 2: false, 255: false} {
		p, err := Decode([]byte{8, 0, 0, 0, byte(TypeReloadImage), v, 'a', 0})
		if err != nil {
			t.Fatal(err)
		}
		if p.(*ReloadImage).GrabFocus != want {
			t.Errorf("bool byte %d: got %v", v, !want)
		}
	}
}

func TestDecodeCountsTrailingBytes(t *testing.T) {
	p, err := Decode([]byte{9, 0, 0, 0, byte(TypeCloseImage), 'a', 0, 7, 7})
	if err != nil {
		t.Fatal(err)
	}
	if p.Head().Trailing != 2 {
		t.Errorf("trailing %d, want 2", p.Head().Trailing)
	}
}

// Malformed packets give a *FormatError naming the packet and the offset.
func TestDecodeRefusesMalformedPackets(t *testing.T) {
	le := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	pkt := func(typ Type, rest ...[]byte) []byte {
		b := append(le(0), byte(typ))
		for _, r := range rest {
			b = append(b, r...)
		}
		copy(b, le(uint32(len(b))))
		return b
	}
	str := func(s string) []byte { return append([]byte(s), 0) }
	i64 := func(v int64) []byte { return append(le(uint32(v)), le(uint32(uint64(v)>>32))...) }
	cases := []struct {
		name, want string
		b          []byte
	}{
		{"short", "packet packet: offset 0: 3 bytes", []byte{3, 0, 0}},
		{"length mismatch", "length field 9, but the packet has 5 bytes", []byte{9, 0, 0, 0, 2}},
		{"unknown type", "offset 4: unknown packet type 9", pkt(9)},
		{"unterminated name", "tev CloseImage packet: offset 5: image name: no NUL", pkt(TypeCloseImage, []byte("abc"))},
		{"negative width", "tev CreateImage packet: offset 8: width -1 is negative", pkt(TypeCreateImage, []byte{1}, str("a"), le(math.MaxUint32), le(1), le(0))},
		{"channel count beyond packet", "channel count 100, but only 0 bytes are left", pkt(TypeCreateImage, []byte{1}, str("a"), le(1), le(1), le(100))},
		{"too many channels", "exceeds the limit of 4096", pkt(TypeUpdateImageV2, []byte{0}, str("a"), le(1<<20))},
		{"missing data", "reach beyond the 1 floats of data", pkt(TypeUpdateImageV2, []byte{0}, str("a"), le(1), str("R"), le(0), le(0), le(2), le(1), le(0))},
		{"negative stride", "must not be negative", pkt(TypeUpdateImageV3, []byte{0}, str("a"), le(1), str("R"), le(0), le(0), le(2), le(1), i64(0), i64(-1), le(0))},
		{"huge stride", "reach beyond", pkt(TypeUpdateImageV3, []byte{0}, str("a"), le(1), str("R"), le(0), le(0), le(2), le(1), i64(0), i64(math.MaxInt64), le(0), le(0))},
		{"huge offset", "reach beyond", pkt(TypeUpdateImageV3, []byte{0}, str("a"), le(1), str("R"), le(0), le(0), le(1), le(1), i64(math.MaxInt64), i64(1), le(0))},
		{"huge tile", "reach beyond", pkt(TypeUpdateImageV2, []byte{0}, str("a"), le(1), str("R"), le(0), le(0), le(math.MaxInt32), le(math.MaxInt32), le(0))},
		{"unknown vg command", "unknown vector graphics command type 99", pkt(TypeVectorGraphics, []byte{0}, str("a"), []byte{0}, le(1), []byte{99})},
		{"short vg command", "command 0 (type 2) needs 16 bytes", pkt(TypeVectorGraphics, []byte{0}, str("a"), []byte{0}, le(1), []byte{2}, le(0))},
		{"vg count beyond packet", "command count 5, but only 0 bytes", pkt(TypeVectorGraphics, []byte{0}, str("a"), []byte{0}, le(5))},
	}
	for _, c := range cases {
		_, err := Decode(c.b)
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a *FormatError", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestReaderReadsAStreamAndNamesTheBadPacket(t *testing.T) {
	var s []byte
	s = append(s, mustAppend(t, &CreateImage{Header: Header{Type: TypeCreateImage}, Name: "a", Width: 1, Height: 1, Channels: []string{"R"}})...)
	first := len(s)
	s = append(s, mustAppend(t, &CloseImage{Header: Header{Type: TypeCloseImage}, Name: "a"})...)
	r := NewReader(bytes.NewReader(s))
	for i := 0; i < 2; i++ {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("end of stream: %v, want io.EOF", err)
	}

	// Cut inside the second packet.
	r = NewReader(bytes.NewReader(s[:len(s)-1]))
	r.Next()
	_, err := r.Next()
	var se *StreamError
	if !errors.As(err, &se) || se.Packet != 2 || se.Offset != int64(first) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut stream: %v", err)
	}

	// An oversized length is refused before reading (or allocating) it.
	r = NewReader(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0x7f, 2}))
	r.MaxPacket = 1 << 20
	_, err = r.Next()
	if !IsFormatError(err) || !strings.Contains(err.Error(), "exceeds the limit of 1048576 bytes") {
		t.Errorf("oversized packet: %v", err)
	}
	if cap(r.buf) != 0 {
		t.Errorf("allocated %d bytes for a refused packet", cap(r.buf))
	}

	// A packet that claims 200 MB but stops after 10 bytes allocates as
	// the bytes arrive, not for the claim.
	r = NewReader(bytes.NewReader([]byte{0, 0, 0, 12, 2, 'a', 'b', 'c', 'd', 'e'}))
	_, err = r.Next()
	if !errors.Is(err, io.ErrUnexpectedEOF) || cap(r.buf) > 2<<20 {
		t.Errorf("claimed 200 MB: %v, buffer %d bytes", err, cap(r.buf))
	}
}

// Decode(Append(p)) gives p back, for every packet kind and version.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	nan := math.Float32frombits(0x7fc00123)
	packets := []Packet{
		&OpenImage{Header: Header{Type: TypeOpenImageV2}, GrabFocus: true, Path: "/x.exr", ChannelSelector: "a.*"},
		&OpenImage{Header: Header{Type: TypeOpenImage}, Path: "/x.exr", ChannelSelector: "Z"},
		&ReloadImage{Header: Header{Type: TypeReloadImage}, Name: "n"},
		&CloseImage{Header: Header{Type: TypeCloseImage}, Name: ""},
		&CreateImage{Header: Header{Type: TypeCreateImage}, Name: "c", Width: 4, Height: 0, Channels: []string{}},
		&UpdateImage{Header: Header{Type: TypeUpdateImageV3}, Name: "u", Channels: []string{"R"}, X: -5, Y: 7, Width: 2, Height: 1,
			Offsets: []int64{1}, Strides: []int64{1}, Data: []float32{0, nan, float32(math.Inf(-1))}},
		&UpdateImage{Header: Header{Type: TypeUpdateImageV3}, Name: "empty", Channels: []string{"R"}, Width: 0, Height: 9,
			Offsets: []int64{0}, Strides: []int64{1}, Data: []float32{}},
		&VectorGraphics{Header: Header{Type: TypeVectorGraphics}, Name: "v", Append: true, Commands: []VgCommand{
			{Type: 0}, {Type: VgText, Data: []float32{1, 2}, Text: "hi"}, {Type: VgFontFace, Text: "mono"}, {Type: 25, Data: []float32{1, 0}}}},
	}
	for _, p := range packets {
		b := mustAppend(t, p)
		q, err := Decode(b)
		if err != nil {
			t.Fatalf("%v: %v", p.Head().Type, err)
		}
		want := jsonRoundTrip(t, Canonical(p))
		if got := jsonRoundTrip(t, Canonical(q)); !reflect.DeepEqual(got, want) {
			t.Errorf("%v:\n got %v\nwant %v", p.Head().Type, got, want)
		}
	}
}

// pbrt-v4 (src/pbrt/util/display.cpp) sends CreateImage, then one
// UpdateImage v1 packet per channel and 128x128 tile: grab focus, title,
// channel name, x, y, width, height, floats. Built here byte by byte as
// pbrt's Serialize writes them.
func TestDecodePbrtV4Packets(t *testing.T) {
	le32 := func(b []byte, v int32) []byte {
		return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	finish := func(b []byte) []byte {
		n := len(b)
		b[0], b[1], b[2], b[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
		return b
	}
	c := []byte{0, 0, 0, 0, 4, 1}
	c = append(c, "pbrt (4242)\x00"...)
	c = le32(le32(le32(c, 300), 200), 3)
	c = append(c, "R\x00G\x00B\x00"...)
	p, err := Decode(finish(c))
	if err != nil {
		t.Fatal(err)
	}
	if ci := p.(*CreateImage); ci.Name != "pbrt (4242)" || ci.Width != 300 || ci.Height != 200 || len(ci.Channels) != 3 || !ci.GrabFocus {
		t.Errorf("CreateImage %+v", ci)
	}
	u := []byte{0, 0, 0, 0, 3, 0}
	u = append(u, "pbrt (4242)\x00G\x00"...)
	u = le32(le32(le32(le32(u, 256), 128), 44), 2)
	for i := range 88 {
		u = le32(u, int32(math.Float32bits(float32(i)/8)))
	}
	p, err = Decode(finish(u))
	if err != nil {
		t.Fatal(err)
	}
	up := p.(*UpdateImage)
	if up.Type != TypeUpdateImage || up.Channels[0] != "G" || up.X != 256 || up.Y != 128 || up.Width != 44 || up.Height != 2 ||
		up.At(0, 87) != 87.0/8 || up.Trailing != 0 {
		t.Errorf("UpdateImage v1 %+v", up)
	}
}
