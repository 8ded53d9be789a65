package gallery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

// An imported TIFF is a finished snapshot whose file is kept byte for byte,
// with a PNG preview, a thumbnail, tags, notes and its layers in metadata.
func TestImportTIFFIsFinishedSnapshotKeepingTheFile(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
		for i := range img.Pix {
			img.Pix[i] = 200
		}
		var b bytes.Buffer
		if err := tiff.Encode(&b, img, nil); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(t.TempDir(), "shot.tif")
		if err := os.WriteFile(src, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := g.ImportFile(ctx, src, ImportOptions{Tags: []string{"ref", "tiff"}, Notes: "from comp"})
		if err != nil {
			t.Fatal(err)
		}
		if s.State != Finished || s.Renderer != ImportRenderer || s.Label != "shot.tif" || s.ResX != 40 || s.ResY != 20 ||
			s.Finished.IsZero() || s.Notes != "from comp" || strings.Join(s.Tags, ",") != "ref,tiff" || s.Source != src {
			t.Fatalf("snapshot %+v", s)
		}
		kept, err := os.ReadFile(g.Path(s.Image))
		if err != nil || !bytes.Equal(kept, b.Bytes()) || filepath.Ext(s.Image) != ".tif" {
			t.Fatalf("image %s not kept as written: %v", s.Image, err)
		}
		if p := g.PreviewPath(s); filepath.Base(p) != "preview.png" {
			t.Errorf("preview path %q", p)
		}
		if _, err := os.Stat(g.Path(s.Thumb)); err != nil {
			t.Errorf("thumbnail: %v", err)
		}
		js, _ := json.Marshal(s.Metadata["layers"])
		if !strings.Contains(string(js), `"channels":[{"name":"R","type":"uint8"},{"name":"G","type":"uint8"},{"name":"B","type":"uint8"},{"name":"A","type":"uint8"}]`) {
			t.Errorf("layers metadata %s", js)
		}
		if s.Metadata["format"] != "tiff" || s.Metadata["transfer"] != "sRGB" {
			t.Errorf("metadata %v", s.Metadata)
		}
		// The PNG preview exports.
		out := filepath.Join(t.TempDir(), "out.png")
		if err := g.Export(ctx, s.ID, out); err != nil {
			t.Fatal(err)
		}
		// Nothing is left in the staging places.
		ents, _ := os.ReadDir(filepath.Join(g.Dir(), "images"))
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".import-") {
				t.Errorf("staging left behind: %s", e.Name())
			}
		}
	})
}

func TestImportBadFileStoresNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		_, err := g.Import(ctx, []byte("\x89PNG\r\n\x1a\nnot really"), ImportOptions{Name: "broken.png"})
		var ie *ImageError
		if !errors.As(err, &ie) || ie.Path != "broken.png" {
			t.Fatalf("error %v, want an ImageError naming the file", err)
		}
		if n, _ := g.Count(ctx); n != 0 {
			t.Errorf("%d snapshots after a failed import", n)
		}
		if _, err := g.Import(ctx, []byte{}, ImportOptions{Name: "x", Tags: []string{"bad\ntag"}}); err == nil {
			t.Error("bad tag accepted")
		}
		ents, _ := os.ReadDir(filepath.Join(g.Dir(), "images"))
		if len(ents) != 0 {
			t.Errorf("files left after failed imports: %v", ents)
		}
	})
}

// A renderer's Radiance HDR image (no PNG beside it) gets a preview and a
// thumbnail made from its pixels, as an import would.
func TestSetImageMakesPreviewOfHDR(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		s, err := g.Create(ctx, Snapshot{Renderer: "Command", State: Rendering})
		if err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(t.TempDir(), "out.hdr")
		d := []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 2\n")
		d = append(d, 128, 64, 0, 129, 0, 0, 0, 0) // (1, 0.5, 0), black
		if err := os.WriteFile(src, d, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := g.SetImage(ctx, s.ID, src, true); err != nil {
			t.Fatal(err)
		}
		s, _ = g.Get(ctx, s.ID)
		p := g.PreviewPath(s)
		f, err := os.Open(p)
		if err != nil {
			t.Fatalf("preview %q: %v", p, err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if c := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA); c != (color.NRGBA{255, 188, 0, 255}) {
			t.Errorf("preview pixel = %v", c)
		}
		if s.Thumb == "" {
			t.Error("no thumbnail")
		}
	})
}
