package oracle

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/display"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/imageio/exr"
)

// TestOracleTev checks rgallery's tev display-server port (package display)
// against tev's official Python client, tevclient 1.0.4:
//   - golden/<case>: the fixed packets of tev_packets.py golden (every
//     packet kind tevclient builds, every vector graphics command);
//   - gen/<kind>/<i>: random packets (seeded) built by tevclient's own
//     packet builders. Our decoder must read what tevclient meant (names,
//     channels, tile position and size, every float bit for bit, NaN
//     payloads included), and our encoder must give tevclient's bytes;
//   - stream/...: tevclient streams an image into a running display server
//     from a separate Python process over TCP (create, tiles of 128, an
//     overlapping tile, a one-channel tile, vector graphics, close, then
//     OpenImage of a file twice, once with a channel selector); the
//     finished snapshots must hold exactly the pixels sent (stream/rgb,
//     stream/channels), the file's pixels (stream/open-image), every
//     vector graphics command stored with the image (tev draws them; we
//     keep them, not drawn: stream/vector-graphics) and tev's channel
//     selection (stream/open-image-selector, stream/open-png-selector).
//
// -oracle.n sets the number of random packets (default 300), -oracle.seed
// the first seed.
func TestOracleTev(t *testing.T) {
	Python(t)
	tally := NewTally(t, "tev")
	defer tally.Report(t)

	type answer struct {
		Case string         `json:"case"`
		Hex  string         `json:"hex"`
		Want map[string]any `json:"want"`
	}
	check := func(a answer) {
		b, err := hex.DecodeString(a.Hex)
		if err != nil {
			t.Fatalf("%s: %v", a.Case, err)
		}
		tally.Case(t, a.Case, tevCompare(b, a.Want))
	}
	for _, a := range RunBatch[answer](t, "tev_packets.py", []string{"golden"}, nil) {
		check(a)
	}
	jobs := tevJobs(N(300), Seed(1))
	answers := RunBatch[answer](t, "tev_packets.py", nil, jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("%d answers for %d jobs", len(answers), len(jobs))
	}
	for _, a := range answers {
		check(a)
	}
	tevStream(t, tally)
}

// tevCompare decodes a packet tevclient built and names the first
// difference from what tevclient was asked to send, "" if none.
func tevCompare(b []byte, want map[string]any) string {
	p, err := display.Decode(b)
	if err != nil {
		return fmt.Sprintf("decode: %v", err)
	}
	if n := p.Head().Trailing; n != 0 {
		return fmt.Sprintf("%d trailing bytes", n)
	}
	ours, _ := json.Marshal(display.Canonical(p))
	ref, _ := json.Marshal(want)
	if d := DiffJSON(ours, ref); d != "" {
		return d
	}
	again, err := display.Append(nil, p)
	if err != nil {
		return fmt.Sprintf("re-encode: %v", err)
	}
	if !bytes.Equal(again, b) {
		i := 0
		for i < len(again) && i < len(b) && again[i] == b[i] {
			i++
		}
		return fmt.Sprintf("re-encoded packet differs from tevclient's at byte %d (%d vs %d bytes)", i, len(again), len(b))
	}
	return ""
}

// tevStream runs the one real stream: tevclient in its own process, over
// TCP, into a display server recording into a fresh gallery.
func tevStream(t *testing.T, tally *Tally) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	g, err := gallery.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	m := bgrender.NewManager(g, nil)
	defer m.Shutdown(ctx)
	srv, err := display.New(m, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close display server: %v", err)
		}
		<-served
	}()

	// A file for OpenImage, with values only we know.
	openPath := filepath.Join(t.TempDir(), "opened.exr")
	openRGB := make([]float32, 3*7*5)
	for i := range openRGB {
		openRGB[i] = float32(i)*0.37 - 3
	}
	if err := exr.WriteFileRGB(openPath, 7, 5, openRGB, nil); err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(t.TempDir(), "opened.png")
	pngImg := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range pngImg.Pix {
		pngImg.Pix[i] = uint8(i * 9)
	}
	var pngData bytes.Buffer
	png.Encode(&pngData, pngImg)
	if err := os.WriteFile(pngPath, pngData.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	job := map[string]any{"name": "tevclient stream", "width": 300, "height": 200, "channels": []string{"R", "G", "B", "A"},
		"seed": Seed(1), "opens": [][]string{{openPath, ""}, {openPath, "R"}, {pngPath, "R"}}}
	in, _ := json.Marshal(job)
	cmd := exec.CommandContext(ctx, Python(t), Script("tev_packets.py"), "stream", "127.0.0.1", fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tevclient stream: %v\n%s", err, stderr.String())
	}
	var sent struct {
		Name          string
		Width, Height int
		Channels      []string
		Planes        []string
		VgCommands    int
	}
	if err := json.Unmarshal(out, &sent); err != nil {
		t.Fatal(err)
	}

	// The client has closed the image and disconnected; wait (with a
	// deadline that only bounds a broken run) for the render to end.
	// Four snapshots: the stream and the three files opened.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := srv.Streams()
		if len(s) == 4 && s[0].Ended && s[1].Ended && s[2].Ended && s[3].Ended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the streams did not end: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var snaps []gallery.Snapshot
	for _, st := range srv.Streams() {
		snap, err := m.Wait(ctx, st.SnapshotID)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, snap)
	}
	snap := snaps[0]
	id := snap.ID
	if snap.State != gallery.Finished || snap.Label != sent.Name || snap.ResX != sent.Width || snap.ResY != sent.Height {
		t.Fatalf("snapshot %d: %s %q %dx%d (%s)", id, snap.State, snap.Label, snap.ResX, snap.ResY, snap.Error)
	}
	im, err := exr.ReadFile(g.Path(snap.Image))
	if err != nil {
		t.Fatal(err)
	}
	// Our snapshot's channels, one plane each, in the canonical hex form.
	ours := map[string]any{}
	for c, name := range im.Channels {
		b := make([]byte, 0, 4*im.Width*im.Height)
		for p := 0; p < im.Width*im.Height; p++ {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(im.Pix[p*len(im.Channels)+c]))
		}
		ours[name] = hex.EncodeToString(b)
	}
	ref := map[string]any{}
	for c, name := range sent.Channels {
		ref[name] = sent.Planes[c]
	}
	rgb := func(m map[string]any) map[string]any {
		return map[string]any{"R": m["R"], "G": m["G"], "B": m["B"]}
	}
	tally.Case(t, "stream/rgb", FirstDiff(rgb(ours), rgb(ref)))
	tally.Case(t, "stream/channels", FirstDiff(ours, ref))
	if p := snap.Stats.PercentDone; p == nil || *p != 100 {
		t.Errorf("stream snapshot percentDone %v, want 100", p)
	}
	// tev draws the vector graphics over the image; we store them, not
	// drawn, in the final image's tevVectorGraphics attribute.
	stored := 0
	if vf, err := exr.Open(g.Path(snap.Image)); err != nil {
		t.Fatal(err)
	} else if a := vf.Parts[0].Attribute("tevVectorGraphics"); a != nil {
		var cmds []any
		if err := json.Unmarshal(a.Raw, &cmds); err != nil {
			t.Errorf("tevVectorGraphics attribute: %v", err)
		}
		stored = len(cmds)
	}
	tally.Case(t, "stream/vector-graphics", FirstDiff(
		map[string]any{"commandsStored": float64(stored)},
		map[string]any{"commandsStored": float64(sent.VgCommands)}))

	// OpenImage: the snapshot holds the file's values; with the channel
	// selector "R", tev shows the R channel only (of a PNG too).
	opened := func(s gallery.Snapshot) (channels []any, values []any) {
		if s.State != gallery.Finished {
			t.Errorf("opened snapshot %d: %s (%s)", s.ID, s.State, s.Error)
			return nil, nil
		}
		im, err := exr.ReadFile(g.Path(s.Image))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range im.Channels {
			channels = append(channels, c)
		}
		for _, v := range im.Pix {
			values = append(values, float64(v))
		}
		return channels, values
	}
	var want []any
	for _, v := range openRGB {
		want = append(want, float64(v))
	}
	ch, vals := opened(snaps[1])
	// exr.Image holds channels in file order: B, G, R.
	var bgr []any
	for p := 0; p < len(want)/3; p++ {
		bgr = append(bgr, want[3*p+2], want[3*p+1], want[3*p])
	}
	tally.Case(t, "stream/open-image", FirstDiff(map[string]any{"channels": ch, "values": vals},
		map[string]any{"channels": []any{"B", "G", "R"}, "values": bgr}))
	var red []any
	for p := 0; p < len(want)/3; p++ {
		red = append(red, want[3*p])
	}
	ch, vals = opened(snaps[2])
	tally.Case(t, "stream/open-image-selector", FirstDiff(map[string]any{"channels": ch, "values": vals},
		map[string]any{"channels": []any{"R"}, "values": red}))
	if snaps[3].State != gallery.Finished {
		t.Errorf("opened PNG: %s (%s)", snaps[3].State, snaps[3].Error)
	}
	var pngChannels []any
	if strings.HasSuffix(snaps[3].Image, ".exr") {
		pngChannels, _ = opened(snaps[3])
	}
	tally.Case(t, "stream/open-png-selector", FirstDiff(map[string]any{"channels": pngChannels}, map[string]any{"channels": []any{"R"}}))
}
