//go:build linux || darwin

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/tiff"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/imageio/exr"
)

// writeMultiPartEXR writes a two-part EXR: "beauty" (R, G, B, A) and "aov"
// (diffuse.R/G/B, depth.Z), 4x2 pixels.
func writeMultiPartEXR(t *testing.T, path string) {
	t.Helper()
	dw := exr.Box2i{XMax: 3, YMax: 1}
	ch := func(name string, v float32) *exr.Channel {
		c := &exr.Channel{Name: name, Type: exr.Float, XSampling: 1, YSampling: 1, Width: 4, Height: 2}
		for i := 0; i < 8; i++ {
			c.Float = append(c.Float, v)
		}
		return c
	}
	p0 := &exr.Part{Name: "beauty", DataWindow: dw, DisplayWindow: dw,
		Channels: []*exr.Channel{ch("A", 1), ch("B", 0.25), ch("G", 0.5), ch("R", 1)}}
	p1 := &exr.Part{Name: "aov", DataWindow: dw, DisplayWindow: dw,
		Channels: []*exr.Channel{ch("depth.Z", 7), ch("diffuse.B", 0.1), ch("diffuse.G", 0.2), ch("diffuse.R", 0.3)}}
	for _, p := range []*exr.Part{p0, p1} {
		p.Levels = []*exr.Level{{Width: 4, Height: 2, Channels: p.Channels}}
	}
	var b bytes.Buffer
	if err := exr.WriteFile(&b, &exr.File{Parts: []*exr.Part{p0, p1}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func layerNames(s gallery.Snapshot) []string {
	var names []string
	ls, _ := s.Metadata["layers"].([]any)
	for _, l := range ls {
		m, _ := l.(map[string]any)
		var ch []string
		cs, _ := m["channels"].([]any)
		for _, c := range cs {
			ch = append(ch, fmt.Sprint(c.(map[string]any)["name"]))
		}
		names = append(names, fmt.Sprintf("%v[%s]", m["name"], strings.Join(ch, ",")))
	}
	return names
}

// A PNG, a TIFF and a multi-part EXR become finished snapshots that list,
// show their layers and export; a bad file among them is reported by name,
// imports nothing, does not stop the others, and makes the exit code 1.
func TestImportPNGTIFFAndMultiPartEXR(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	img := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	var pb, tb bytes.Buffer
	png.Encode(&pb, img)
	tiff.Encode(&tb, img, nil)
	pngPath, tifPath, exrPath, bad := filepath.Join(dir, "comp.png"), filepath.Join(dir, "plate.tif"),
		filepath.Join(dir, "aovs.exr"), filepath.Join(dir, "broken.exr")
	os.WriteFile(pngPath, pb.Bytes(), 0o644)
	os.WriteFile(tifPath, tb.Bytes(), 0o644)
	writeMultiPartEXR(t, exrPath)
	exrData, _ := os.ReadFile(exrPath)
	os.WriteFile(bad, exrData[:len(exrData)/2], 0o644)

	out, stderr, code := e.run("import", "--tag", "ref", "--note", "from comp", "--json", pngPath, bad, tifPath, exrPath)
	if code != 1 {
		t.Fatalf("exit %d with a bad file among the inputs\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if !strings.Contains(stderr, "import "+bad+": ") {
		t.Errorf("stderr does not name the bad file: %s", stderr)
	}
	var res []importResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res) != 4 || res[1].Error == "" || res[1].Snapshot != nil {
		t.Fatalf("results %+v", res)
	}
	ids := map[string]int64{}
	for _, r := range res {
		if r.Snapshot != nil {
			ids[filepath.Ext(r.File)] = r.Snapshot.ID
		}
	}
	if len(ids) != 3 {
		t.Fatalf("imported %v", ids)
	}

	out, stderr, code = e.run("ls", "--json")
	var list []gallery.Snapshot
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 3 {
		t.Fatalf("ls: exit %d, %s %s", code, out, stderr)
	}
	for _, s := range list {
		if s.State != gallery.Finished || s.Renderer != "Import" || strings.Join(s.Tags, ",") != "ref" || s.Thumb == "" {
			t.Errorf("listed %+v", s)
		}
	}

	for ext, want := range map[string]string{
		".png": "[R,G,B,A]",
		".tif": "[R,G,B,A]",
		".exr": "beauty[A,B,G,R] aov.depth[Z] aov.diffuse[B,G,R]",
	} {
		s := e.show(ids[ext])
		if got := strings.Join(layerNames(s), " "); got != want {
			t.Errorf("%s: layers %q, want %q", ext, got, want)
		}
		if s.Notes != "from comp" || s.ResX != 5 && ext != ".exr" {
			t.Errorf("%s: %+v", ext, s)
		}
	}
	if s := e.show(ids[".exr"]); s.Metadata["compression"] != "NONE" || s.ResX != 4 || s.ResY != 2 {
		t.Errorf("exr metadata %v %dx%d", s.Metadata["compression"], s.ResX, s.ResY)
	}

	// Export: the file as written to its own format; a PNG (the preview)
	// for the EXR and the TIFF.
	export := func(id int64, name string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if _, stderr, code := e.run("export", fmt.Sprint(id), p); code != 0 {
			t.Fatalf("export %d %s: exit %d: %s", id, name, code, stderr)
		}
		return p
	}
	for ext, src := range map[string][]byte{".png": pb.Bytes(), ".exr": exrData} {
		got, _ := os.ReadFile(export(ids[ext], "out"+ext))
		if !bytes.Equal(got, src) {
			t.Errorf("export of the %s import differs from the file imported", ext)
		}
	}
	for _, ext := range []string{".exr", ".tif"} {
		f, _ := os.Open(export(ids[ext], "preview"+strings.TrimPrefix(ext, ".")+".png"))
		pimg, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s preview: %v", ext, err)
		}
		if ext == ".tif" {
			if c := color.NRGBAModel.Convert(pimg.At(0, 0)).(color.NRGBA); c != (color.NRGBA{255, 0, 0, 255}) {
				t.Errorf("tiff preview (0,0) = %v", c)
			}
		} else if c := color.NRGBAModel.Convert(pimg.At(3, 1)).(color.NRGBA); c.R != 255 || c.G != 188 || c.B != 137 {
			// linear (1, 0.5, 0.25) in sRGB codes
			t.Errorf("exr preview (3,1) = %v", c)
		}
	}
}

// The OpenEXR reference multi-part file, when ../shared/exr-images is here.
func TestImportReferenceMultiPartEXR(t *testing.T) {
	p, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "exr-images", "Beachball", "multipart.0001.exr"))
	if _, err := os.Stat(p); err != nil {
		t.Skip("no ../shared/exr-images")
	}
	e := newEnv(t)
	out, stderr, code := e.run("import", "--label", "beachball", p)
	if code != 0 || !strings.HasPrefix(out, "imported "+p+" as snapshot 1 (exr ") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	s := e.show(1)
	parts := map[any]bool{}
	for _, l := range s.Metadata["layers"].([]any) {
		parts[l.(map[string]any)["part"]] = true
	}
	if s.Label != "beachball" || len(parts) < 2 || s.State != gallery.Finished {
		t.Errorf("label %q, %d parts, state %s", s.Label, len(parts), s.State)
	}
}

// With `rgallery serve` running, the owner imports the files, and the
// browsers watching it get a "created" event for each.
func TestImportThroughOwnerTellsBrowsers(t *testing.T) {
	e := newEnv(t)
	_, url := e.serve("--addr", "127.0.0.1:0", "--root", filepath.Dir(e.scene))
	resp, err := http.Get(url + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	created := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"type":"created"`) {
				created <- sc.Text()
			}
		}
		close(created)
	}()
	p := filepath.Join(t.TempDir(), "grey.png")
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 3)))
	os.WriteFile(p, b.Bytes(), 0o644)
	out, stderr, code := e.run("import", "--tag", "owned", p, p+".missing")
	if code != 1 || !strings.HasPrefix(out, "imported "+p+" as snapshot 1 ") || !strings.Contains(stderr, "import "+p+".missing: ") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	select {
	case ev := <-created:
		if !strings.Contains(ev, `"id":1`) || !strings.Contains(ev, `"renderer":"Import"`) {
			t.Errorf("event %s", ev)
		}
	case <-time.After(30 * time.Second): // a deadline for a hang, not a timing assertion
		t.Fatal("no created event from the owner")
	}
	if s := e.show(1); s.State != gallery.Finished || strings.Join(s.Tags, ",") != "owned" {
		t.Errorf("snapshot %+v", s)
	}
}

// A multi-layer EXR as exr.WriteLayers writes a path tracer's AOVs imports
// with every layer listed, single-part and multi-part.
func TestImportWriteLayersEXRKeepsEveryLayer(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	const w, h = 6, 4
	mk := func(name string, typ exr.PixelType, chans ...string) exr.OutLayer {
		l := exr.OutLayer{Name: name, Channels: chans, Type: typ, Pix: make([]float32, len(chans)*w*h)}
		for i := range l.Pix {
			l.Pix[i] = float32(i%11) / 10
		}
		return l
	}
	layers := []exr.OutLayer{
		mk("", exr.Float, "R", "G", "B", "A"),
		mk("albedo", exr.Half, "R", "G", "B"),
		mk("normal", exr.Float, "X", "Y", "Z"),
		mk("depth", exr.Float, "Z"),
	}
	for multi, want := range map[bool]string{
		false: "[A,B,G,R] albedo[B,G,R] depth[Z] normal[X,Y,Z]",
		true:  "rgba[A,B,G,R] albedo[B,G,R] normal[X,Y,Z] depth[Z]",
	} {
		path := filepath.Join(dir, fmt.Sprintf("aov-%v.exr", multi))
		if err := exr.WriteFileLayers(path, w, h, layers, exr.LayerOptions{MultiPart: multi}); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := e.run("import", "--json", path)
		var res []importResult
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || res[0].Snapshot == nil {
			t.Fatalf("import %s: exit %d\n%s\n%s", path, code, out, stderr)
		}
		s := e.show(res[0].Snapshot.ID)
		if got := strings.Join(layerNames(s), " "); got != want {
			t.Errorf("multi-part %v: layers %q, want %q", multi, got, want)
		}
		if s.State != gallery.Finished || s.ResX != w || s.ResY != h || s.Metadata["compression"] != "ZIP" {
			t.Errorf("multi-part %v: %+v", multi, s)
		}
	}
}
