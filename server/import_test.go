//go:build linux || darwin

package server_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

// POST /api/import takes uploads larger than the API's usual body limit,
// imports each file on its own (a bad one is named and imports nothing),
// and takes paths on the server's machine only under the roots.
func TestImportEndpointUploadsAndConfinedPaths(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	// A noisy PNG of about 2 MiB: more than the 1 MiB other requests get.
	img := image.NewNRGBA(image.Rect(0, 0, 800, 700))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
	}
	var pb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	if pb.Len() < 1<<20 {
		t.Fatalf("test PNG only %d bytes", pb.Len())
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("tag", "dropped")
	mw.WriteField("label", "from the browser")
	fw, _ := mw.CreateFormFile("file", "noise.png")
	fw.Write(pb.Bytes())
	fw, _ = mw.CreateFormFile("file", "../../etc/junk.hdr")
	fw.Write([]byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 5 +X 5\n\x01"))
	mw.Close()

	code, _, resp := raw(t, f.srv.URL, "POST", "/api/import", map[string]string{"X-Rgallery": "1", "Content-Type": mw.FormDataContentType()}, body.String())
	var out server.ImportResponse
	if err := json.Unmarshal([]byte(resp), &out); err != nil {
		t.Fatalf("%d %v: %s", code, err, resp)
	}
	if code != 400 || len(out.Results) != 2 || out.Error == "" {
		t.Fatalf("status %d, %s", code, resp)
	}
	good, bad := out.Results[0], out.Results[1]
	if good.Error != "" || good.Snapshot == nil || bad.Snapshot != nil || bad.File != "junk.hdr" || !strings.Contains(bad.Error, "junk.hdr") {
		t.Fatalf("results %+v", out.Results)
	}
	s := f.get(good.Snapshot.ID)
	if s.State != gallery.Finished || s.Renderer != gallery.ImportRenderer || s.Label != "from the browser" ||
		strings.Join(s.Tags, ",") != "dropped" || s.ResX != 800 || s.Source != "noise.png" {
		t.Fatalf("snapshot %+v", s)
	}
	code, hdr, imgBody := raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", nil, "")
	if code != 200 || hdr.Get("Content-Type") != "image/png" || imgBody != pb.String() {
		t.Fatalf("image: %d %s, %d bytes", code, hdr.Get("Content-Type"), len(imgBody))
	}
	if n, _ := f.g.Count(t.Context()); n != 1 {
		t.Fatalf("%d snapshots", n)
	}

	// Paths: under the root yes, outside it or relative no.
	var hb bytes.Buffer
	hb.WriteString("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n")
	hb.Write([]byte{128, 128, 128, 129})
	inside, outside := filepath.Join(f.root, "sky.hdr"), filepath.Join(f.outside, "sky.hdr")
	for _, p := range []string{inside, outside} {
		if err := os.WriteFile(p, hb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code = f.do("POST", "/api/import", server.ImportRequest{Paths: []string{inside, outside, "sky.hdr"}, Tags: []string{"sky"}}, &out)
	if code != 400 || len(out.Results) != 3 {
		t.Fatalf("paths: %d %+v", code, out)
	}
	if r := out.Results[0]; r.Snapshot == nil || r.Snapshot.Metadata["format"] != "hdr" || r.Snapshot.Source != inside {
		t.Errorf("inside the root: %+v", r)
	}
	if r := out.Results[1]; r.Snapshot != nil || !strings.Contains(r.Error, "outside the allowed directories") {
		t.Errorf("outside the root: %+v", r)
	}
	if r := out.Results[2]; r.Snapshot != nil || !strings.Contains(r.Error, "not absolute") {
		t.Errorf("relative path: %+v", r)
	}
	if n, _ := f.g.Count(t.Context()); n != 2 {
		t.Errorf("%d snapshots, want 2", n)
	}
	// Like every mutating request, an import needs the CSRF header.
	if code, _, _ := raw(t, f.srv.URL, "POST", "/api/import", map[string]string{"Content-Type": "application/json"}, `{"paths":["`+inside+`"]}`); code != 403 {
		t.Errorf("without X-Rgallery: %d", code)
	}
}
