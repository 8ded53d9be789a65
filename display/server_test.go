package display

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/imageio"
	"github.com/rgallery/rgallery/imageio/exr"
)

type fixture struct {
	g    *gallery.Gallery
	m    *bgrender.Manager
	srv  *Server
	addr string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	g, err := gallery.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := bgrender.NewManager(g, nil)
	srv, err := New(m, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.PollInterval = 20 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	f := &fixture{g: g, m: m, srv: srv, addr: ln.Addr().String()}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close display server: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		m.Shutdown(ctx)
		g.Close()
	})
	return f
}

func (f *fixture) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c net.Conn, ps ...Packet) {
	t.Helper()
	for _, p := range ps {
		if _, err := c.Write(mustAppend(t, p)); err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls cond until it holds; the deadline is generous, as it only
// bounds a broken test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ended waits for the n-th stream to end and its render to be recorded.
func (f *fixture) ended(t *testing.T, n int) gallery.Snapshot {
	t.Helper()
	waitFor(t, "the stream to end", func() bool {
		s := f.srv.Streams()
		return len(s) > n && s[n].Ended
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	snap, err := f.m.Wait(ctx, f.srv.Streams()[n].SnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func create(name string, w, h int32, ch ...string) *CreateImage {
	return &CreateImage{Header: Header{Type: TypeCreateImage}, Name: name, Width: w, Height: h, Channels: ch}
}

func planar(name string, x, y, w, h int32, ch []string, data []float32) *UpdateImage {
	u := &UpdateImage{Header: Header{Type: TypeUpdateImageV2}, Name: name, Channels: ch, X: x, Y: y, Width: w, Height: h, Data: data}
	for c := range ch {
		u.Offsets = append(u.Offsets, int64(c)*int64(w*h))
		u.Strides = append(u.Strides, 1)
	}
	return u
}

func readRGB(t *testing.T, g *gallery.Gallery, snap gallery.Snapshot) *exr.Image {
	t.Helper()
	if !strings.HasSuffix(snap.Image, ".exr") {
		t.Fatalf("snapshot image %q, want the stream's EXR", snap.Image)
	}
	im, err := exr.ReadFile(g.Path(snap.Image))
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// A created image becomes a snapshot that ends finished with exactly the
// values the client sent (v2 planar and v3 interleaved tiles), and what
// could not be kept is counted in its metadata.
func TestStreamSnapshotHoldsTheSentValues(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	const w, h = 5, 3
	want := make([]float32, 3*w*h) // RGB, interleaved like exr.Image.RGB
	full := make([]float32, 3*w*h) // planar R, G, B
	for c := 0; c < 3; c++ {
		for p := 0; p < w*h; p++ {
			v := float32(c*100+p) - 7.25
			full[c*w*h+p], want[3*p+c] = v, v
		}
	}
	full[0] = float32(math.Inf(1))
	want[0] = float32(math.Inf(1))
	// A v3 tile of 3x2 at (2, 1), G and B interleaved in reverse order.
	v3 := &UpdateImage{Header: Header{Type: TypeUpdateImageV3}, Name: "beauty", Channels: []string{"B", "G"},
		X: 2, Y: 1, Width: 3, Height: 2, Offsets: []int64{1, 0}, Strides: []int64{2, 2}}
	for p := 0; p < 6; p++ {
		g, b := float32(1000+p), float32(2000+p)
		v3.Data = append(v3.Data, g, b)
		px := (1+p/3)*w + 2 + p%3
		want[3*px+1], want[3*px+2] = g, b
	}
	send(t, c,
		create("beauty", w, h, "R", "G", "B", "A", "depth.Z"),
		planar("beauty", 0, 0, w, h, []string{"R", "G", "B"}, full),
		v3,
		planar("beauty", 4, 0, 2, 1, []string{"R"}, []float32{9, 9}),      // sticks out: dropped whole
		planar("beauty", 0, 0, 1, 1, []string{"Q", "A"}, []float32{5, 6}), // Q is unknown
		&VectorGraphics{Header: Header{Type: TypeVectorGraphics}, Name: "beauty", Commands: []VgCommand{{Type: 0}}},
		// replaces the first packet's command (no append), then appends
		&VectorGraphics{Header: Header{Type: TypeVectorGraphics}, Name: "beauty", Commands: []VgCommand{{Type: 15, Data: []float32{50, 50, 10}}}},
		&VectorGraphics{Header: Header{Type: TypeVectorGraphics}, Name: "beauty", Append: true, Commands: []VgCommand{{Type: VgText, Data: []float32{8, 8}, Text: "hi"}}},
		&CloseImage{Header: Header{Type: TypeCloseImage}, Name: "beauty"},
	)
	snap := f.ended(t, 0)
	if snap.State != gallery.Finished || snap.Renderer != Label || snap.Label != "beauty" || snap.ResX != w {
		t.Fatalf("snapshot %s %q %q %d: %s", snap.State, snap.Renderer, snap.Label, snap.ResX, snap.Error)
	}
	im := readRGB(t, f.g, snap)
	got := im.RGB()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("value %d (pixel %d channel %d): got %v, want %v", i, i/3, i%3, got[i], want[i])
		}
	}
	md := snap.Metadata
	for k, v := range map[string]float64{"tevTiles": 4, "tevTilesOutsideImage": 1, "tevValuesOfUnknownChannels": 1,
		"tevValuesDropped": 3, "tevVectorGraphicsNotDrawn": 3} {
		if md[k] != v {
			t.Errorf("metadata %s = %v, want %v", k, md[k], v)
		}
	}
	if p := snap.Stats.PercentDone; p == nil || *p != 100 {
		t.Errorf("percentDone %v, want 100", p)
	}
	// The vector graphics tev would draw now are stored in the image file.
	vf, err := exr.Open(f.g.Path(snap.Image))
	if err != nil {
		t.Fatal(err)
	}
	if a := vf.Parts[0].Attribute("tevVectorGraphics"); a == nil || string(a.Raw) != `[[15,[50,50,10]],[21,[8,8],"hi"]]` {
		t.Errorf("tevVectorGraphics attribute %v", a)
	}
	if ns, ok := md["tevChannelsNotStored"]; ok {
		t.Errorf("tevChannelsNotStored = %v, want none", ns)
	}
	// The final image keeps the other channels too.
	if !slices.Equal(im.Channels, []string{"A", "B", "G", "R", "depth.Z"}) {
		t.Fatalf("image channels %v", im.Channels)
	}
	for p := 0; p < w*h; p++ {
		a, z := im.Pix[5*p], im.Pix[5*p+4]
		if (p == 0 && a != 6) || (p != 0 && a != 0) || z != 0 {
			t.Errorf("pixel %d: A %v depth.Z %v", p, a, z)
		}
	}
	if md["tevEnd"] != "the client closed the image" {
		t.Errorf("tevEnd = %v", md["tevEnd"])
	}
	// The stream's scratch files are gone; the gallery has its copy.
	if ents, _ := readDirNames(f.srv.dir); len(ents) != 0 {
		t.Errorf("scratch files left: %v", ents)
	}
}

// A malformed packet closes that connection (and ends its images with the
// reason), nothing else: another client's image goes on.
func TestMalformedPacketClosesOnlyThatConnection(t *testing.T) {
	f := newFixture(t)
	other := f.dial(t)
	send(t, other, create("other", 2, 2, "Y"))
	waitFor(t, "the first stream", func() bool { return len(f.srv.Streams()) == 1 })

	bad := f.dial(t)
	send(t, bad, create("bad", 2, 2, "R", "G", "B"))
	bad.Write([]byte{6, 0, 0, 0, 42, 0}) // unknown packet type
	bad.SetReadDeadline(time.Now().Add(time.Minute))
	if n, err := bad.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read from the closed connection: %d, %v; want EOF", n, err)
	}
	snap := f.ended(t, 1)
	if snap.State != gallery.Finished || !strings.Contains(snap.Metadata["tevEnd"].(string), "unknown packet type 42") {
		t.Errorf("bad stream: %s, tevEnd %v", snap.State, snap.Metadata["tevEnd"])
	}
	if s := f.srv.Streams(); s[0].Ended {
		t.Fatal("the other client's image ended too")
	}
	// The other client still streams.
	send(t, other, planar("other", 0, 0, 2, 2, []string{"Y"}, []float32{1, 2, 3, 4}))
	other.Close()
	im := readRGB(t, f.g, f.ended(t, 0))
	if !slices.Equal(im.Channels, []string{"Y"}) || !slices.Equal(im.Pix, []float32{1, 2, 3, 4}) {
		t.Errorf("one-channel image: %v %v", im.Channels, im.Pix)
	}
}

// Close ends the connections and streams of clients that are still
// connected, and returns once their renders are recorded.
func TestCloseEndsConnectedClients(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	send(t, c, create("idle", 3, 1, "R", "G", "B"))
	waitFor(t, "the stream", func() bool { return len(f.srv.Streams()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s := f.srv.Streams()[0]
	snap, err := f.g.Get(ctx, s.SnapshotID)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Ended || snap.State != gallery.Finished {
		t.Errorf("after Close: ended %v, state %s (%s)", s.Ended, snap.State, snap.Error)
	}
	c.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client read after Close: %v, want EOF", err)
	}
}

// Stopping a stream in the gallery ends it; the client's later updates of
// that name are ignored (counted), and the connection stays usable.
func TestStopInGalleryEndsTheStream(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	send(t, c, create("s", 1, 1, "R", "G", "B"))
	waitFor(t, "the stream", func() bool { return len(f.srv.Streams()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.m.Stop(ctx, f.srv.Streams()[0].SnapshotID); err != nil {
		t.Fatal(err)
	}
	send(t, c, planar("s", 0, 0, 1, 1, []string{"R"}, []float32{1}), create("s", 1, 1, "R", "G", "B"))
	waitFor(t, "the second stream", func() bool { return len(f.srv.Streams()) == 2 })
	snap, _ := f.g.Get(ctx, f.srv.Streams()[0].SnapshotID)
	if snap.State != gallery.Stopped {
		t.Errorf("stopped stream: %s", snap.State)
	}
}

// Channels OpenEXR cannot name are not stored, and listed.
func TestUnnamableChannelsAreListed(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	send(t, c, create("dup", 1, 1, "R", "R", "", "G"),
		planar("dup", 0, 0, 1, 1, []string{"R", "G"}, []float32{3, 4}))
	c.Close()
	snap := f.ended(t, 0)
	if ns, _ := snap.Metadata["tevChannelsNotStored"].([]any); len(ns) != 2 || ns[0] != "R" || ns[1] != "" {
		t.Errorf("tevChannelsNotStored = %v", snap.Metadata["tevChannelsNotStored"])
	}
	im := readRGB(t, f.g, snap)
	if !slices.Equal(im.Channels, []string{"G", "R"}) || im.Pix[0] != 4 || im.Pix[1] != 3 {
		t.Errorf("channels %v pixels %v", im.Channels, im.Pix)
	}
}

// Images the server must not allocate are refused, not started.
func TestOversizedImageIsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	send(t, c, create("huge", 1<<20, 1<<20, "R", "G", "B"), create("ok", 1, 1, "R"))
	waitFor(t, "the second image", func() bool { return len(f.srv.Streams()) == 1 })
	if s := f.srv.Streams(); s[0].Name != "ok" {
		t.Errorf("streams %v", s)
	}
}

func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, err
}

// OpenImage of a file makes a finished snapshot of it (failed, with the
// reason, when it cannot be read); ReloadImage takes the file anew.
func TestOpenImageAndReload(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	exrPath := filepath.Join(dir, "a.exr")
	if err := exr.WriteFileRGB(exrPath, 2, 1, []float32{1, 2, 3, 4, 5, 6}, nil); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.exr")
	c := f.dial(t)
	send(t, c,
		&OpenImage{Header: Header{Type: TypeOpenImageV2}, Path: exrPath, ChannelSelector: "R"},
		&OpenImage{Header: Header{Type: TypeOpenImage}, Path: missing},
	)
	snap := f.ended(t, 0)
	if snap.State != gallery.Finished || snap.Label != exrPath || snap.Metadata["tevChannelSelector"] != "R" {
		t.Fatalf("opened file: %s %q %v (%s)", snap.State, snap.Label, snap.Metadata, snap.Error)
	}
	// The selector "R" keeps the R channel only.
	if im := readRGB(t, f.g, snap); !slices.Equal(im.Channels, []string{"R"}) || !slices.Equal(im.Pix, []float32{1, 4}) {
		t.Errorf("opened file with selector R: %v %v", im.Channels, im.Pix)
	}
	if f.g.PreviewPath(snap) == "" {
		t.Error("no preview for the opened EXR")
	}
	if bad := f.ended(t, 1); bad.State != gallery.Failed || !strings.Contains(bad.Error, "missing.exr") {
		t.Errorf("missing file: %s %q", bad.State, bad.Error)
	}
	if err := exr.WriteFileRGB(exrPath, 2, 1, []float32{7, 7, 7, 8, 8, 8}, nil); err != nil {
		t.Fatal(err)
	}
	send(t, c, &ReloadImage{Header: Header{Type: TypeReloadImage}, Name: "never opened"},
		&ReloadImage{Header: Header{Type: TypeReloadImage}, Name: exrPath})
	if im := readRGB(t, f.g, f.ended(t, 2)); !slices.Equal(im.Pix, []float32{7, 8}) {
		t.Errorf("reloaded file values %v (the selector applies again)", im.Pix)
	}
	if n := len(f.srv.Streams()); n != 3 {
		t.Errorf("%d snapshots, want 3 (a reload of a name never opened is ignored)", n)
	}
}

// OpenImage of a PNG with a channel selector keeps the matching channels,
// sRGB decoded, as an OpenEXR snapshot (tev selects among a PNG's R, G, B,
// A too); without a selector the PNG is kept as written.
func TestOpenImagePNGAppliesChannelSelector(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	img.SetNRGBA(1, 0, color.NRGBA{188, 10, 20, 128})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "a.png")
	if err := os.WriteFile(pngPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := f.dial(t)
	send(t, c,
		&OpenImage{Header: Header{Type: TypeOpenImageV2}, Path: pngPath, ChannelSelector: "R,A"},
		&OpenImage{Header: Header{Type: TypeOpenImageV2}, Path: pngPath},
	)
	snap := f.ended(t, 0)
	if snap.State != gallery.Finished || snap.Metadata["tevChannelSelector"] != "R,A" {
		t.Fatalf("opened PNG: %s %v (%s)", snap.State, snap.Metadata, snap.Error)
	}
	im := readRGB(t, f.g, snap)
	r1 := float32(imageio.DecodeSRGB(188.0 / 255))
	if !slices.Equal(im.Channels, []string{"A", "R"}) || !slices.Equal(im.Pix, []float32{1, 1, 128.0 / 255, r1}) {
		t.Errorf("PNG with selector R,A: %v %v, want [A R] [1 1 %v %v]", im.Channels, im.Pix, float32(128.0/255), r1)
	}
	if plain := f.ended(t, 1); plain.State != gallery.Finished || !strings.HasSuffix(plain.Image, ".png") {
		t.Errorf("PNG without selector: %s %q", plain.State, plain.Image)
	}
}

// tev's channel selector rule (matchesFuzzy in tev's src/Common.cpp).
func TestMatchesFuzzyIsTevsSelectorRule(t *testing.T) {
	for _, c := range []struct {
		text, filter string
		want         bool
	}{
		{"diffuse.R", "", true},
		{"diffuse.R", "diffuse", true},
		{"Diffuse.R", "diffuse", true},    // all lowercase: case-insensitive
		{"Diffuse.R", "Diffuse", true},    // has uppercase: case-sensitive
		{"diffuse.R", "Diffuse", false},   // has uppercase: case-sensitive
		{"Diffuse.R", "diffuse.r", false}, // '.' is not lowercase: case-sensitive
		{"albedo.G", "normal, albedo", true},
		{"depth.Z", "normal albedo", false},
		{"depth.Z", " , ", true}, // no words: everything
		{"Beauty.R", "^beauty", true},
		{"x.Beauty.R", "^beauty", false},
		{"diffuse.B", "\\.[RB]$", true},
		{"diffuse.G", "[RB]$", false},
		{"anything", "^(bad", false}, // a bad regex matches nothing
	} {
		if got := matchesFuzzy(c.text, c.filter); got != c.want {
			t.Errorf("matchesFuzzy(%q, %q) = %v, want %v", c.text, c.filter, got, c.want)
		}
	}
}

// A second CreateImage of a live name replaces the image, as in tev (pbrt-v4
// sends one again after it reconnects): the first snapshot finishes with
// what it had.
func TestCreateImageOfALiveNameReplacesIt(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t)
	send(t, c, create("x", 1, 1, "R", "G", "B"), planar("x", 0, 0, 1, 1, []string{"R"}, []float32{5}),
		create("x", 1, 1, "R", "G", "B"), planar("x", 0, 0, 1, 1, []string{"R"}, []float32{6}))
	first := f.ended(t, 0)
	if first.State != gallery.Finished || first.Metadata["tevEnd"] != "replaced by a new image of the same name" {
		t.Errorf("first: %s %v", first.State, first.Metadata["tevEnd"])
	}
	if got := readRGB(t, f.g, first).RGB(); got[0] != 5 {
		t.Errorf("first image R %v, want 5", got[0])
	}
	c.Close()
	if got := readRGB(t, f.g, f.ended(t, 1)).RGB(); got[0] != 6 {
		t.Errorf("second image R %v, want 6", got[0])
	}
}
