package gallery

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func openTest(t *testing.T) *Gallery {
	t.Helper()
	g, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func writePNG(t *testing.T, path string, w, h int, c color.Color) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestCreateGetListAndEdit(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		var ids []int64
		for i := 0; i < 5; i++ {
			s, err := g.Create(ctx, Snapshot{Renderer: "Command", Source: fmt.Sprintf("/scenes/shot%d.usda", i),
				Options: map[string]any{"plugin": map[string]any{"spp": float64(i)}}, ResX: 64, ResY: 32})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		got, err := g.Get(ctx, ids[2])
		if err != nil {
			t.Fatal(err)
		}
		if got.Source != "/scenes/shot2.usda" || got.State != Queued || got.ResX != 64 {
			t.Fatalf("got %+v", got)
		}
		if spp := got.Options["plugin"].(map[string]any)["spp"]; spp != 2.0 {
			t.Fatalf("options round trip: spp = %v", spp)
		}
		if err := g.SetStar(ctx, ids[1], true); err != nil {
			t.Fatal(err)
		}
		if err := g.AddTags(ctx, ids[3], "hero", "v2"); err != nil {
			t.Fatal(err)
		}
		if err := g.SetLabel(ctx, ids[3], "key light test"); err != nil {
			t.Fatal(err)
		}
		page, err := g.List(ctx, Query{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[3] {
			t.Fatalf("first page = %v", idsOf(page))
		}
		next, err := g.List(ctx, Query{Limit: 2, BeforeID: page[1].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(next) != 2 || next[0].ID != ids[2] {
			t.Fatalf("second page = %v", idsOf(next))
		}
		starred, _ := g.List(ctx, Query{Starred: true})
		if len(starred) != 1 || starred[0].ID != ids[1] {
			t.Fatalf("starred = %v", idsOf(starred))
		}
		tagged, _ := g.List(ctx, Query{Tag: "hero"})
		if len(tagged) != 1 || tagged[0].ID != ids[3] || len(tagged[0].Tags) != 2 || tagged[0].Tags[0] != "hero" {
			t.Fatalf("tagged = %+v", tagged)
		}
		text, _ := g.List(ctx, Query{Text: "KEY LIGHT"})
		if len(text) != 1 || text[0].ID != ids[3] {
			t.Fatalf("text search = %v", idsOf(text))
		}
		if err := g.AddTags(ctx, ids[0], "bad\ntag"); err == nil {
			t.Fatal("a tag with a newline was accepted")
		}
		var nf *NotFoundError
		if _, err := g.Get(ctx, 9999); !errors.As(err, &nf) {
			t.Fatalf("Get(9999) error = %v, want NotFoundError", err)
		}
	})
}

func idsOf(ss []Snapshot) []int64 {
	var out []int64
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestMetadataStatsAreTyped(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		s, _ := g.Create(ctx, Snapshot{Renderer: "X"})
		err := g.UpdateMetadata(ctx, s.ID, map[string]any{
			"totalClockTime": 12.5, "percentDone": 40, "peakMemory": float64(1 << 30),
			"renderer": "fastrender 2.1", "samples": 64,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.UpdateMetadata(ctx, s.ID, map[string]any{"percentDone": 55.5, "peakMemory": "lots"}); err != nil {
			t.Fatal(err)
		}
		got, _ := g.Get(ctx, s.ID)
		if *got.Stats.TotalClockTime != 12.5 || *got.Stats.PercentDone != 55.5 || *got.Stats.PeakMemory != 1<<30 {
			t.Fatalf("stats = %v %v %v", *got.Stats.TotalClockTime, *got.Stats.PercentDone, *got.Stats.PeakMemory)
		}
		if got.Metadata["renderer"] != "fastrender 2.1" || got.Metadata["samples"] != 64.0 {
			t.Fatalf("metadata = %v", got.Metadata)
		}
		// A stat of the wrong type is kept as metadata rather than lost.
		if got.Metadata["peakMemory"] != "lots" {
			t.Fatalf("peakMemory of wrong type was dropped: %v", got.Metadata)
		}
		if _, ok := got.Metadata["percentDone"]; ok {
			t.Fatal("percentDone leaked into metadata")
		}
	})
}

func TestSetImageRefusesHalfWrittenAndKeepsPrevious(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		s, _ := g.Create(ctx, Snapshot{Renderer: "X"})
		src := filepath.Join(t.TempDir(), "out.png")
		writePNG(t, src, 512, 256, color.NRGBA{200, 10, 10, 255})
		if err := g.SetImage(ctx, s.ID, src, true); err != nil {
			t.Fatal(err)
		}
		got, _ := g.Get(ctx, s.ID)
		if got.ImageVersion != 1 || got.Thumb == "" {
			t.Fatalf("after first image: %+v", got)
		}
		f, err := os.Open(g.Path(got.Thumb))
		if err != nil {
			t.Fatal(err)
		}
		thumb, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := thumb.Bounds(); b.Dx() != 256 || b.Dy() != 128 {
			t.Fatalf("thumbnail is %v, want 256x128", b)
		}
		if r, _, _, _ := thumb.At(100, 50).RGBA(); r>>8 != 200 {
			t.Fatalf("thumbnail red = %d, want 200", r>>8)
		}
		// Half-written: the first half of a PNG.
		data, _ := os.ReadFile(src)
		os.WriteFile(src, data[:len(data)/2], 0o644)
		err = g.SetImage(ctx, s.ID, src, true)
		var ie *ImageError
		if !errors.As(err, &ie) {
			t.Fatalf("half-written PNG: err = %v, want ImageError", err)
		}
		after, _ := g.Get(ctx, s.ID)
		if after.ImageVersion != 1 {
			t.Fatalf("image version changed to %d on a refused image", after.ImageVersion)
		}
		if kept, err := os.ReadFile(g.Path(after.Image)); err != nil || len(kept) != len(data) {
			t.Fatalf("previous image not kept intact: %d bytes, %v", len(kept), err)
		}
		// Vanished file.
		os.Remove(src)
		if err := g.SetImage(ctx, s.ID, src, true); !errors.As(err, &ie) {
			t.Fatalf("vanished image: err = %v", err)
		}
	})
}

func TestLastOptionsAndDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		if o, err := g.LastOptions(ctx, "Local"); err != nil || o != nil {
			t.Fatalf("no options yet: %v %v", o, err)
		}
		g.SaveLastOptions(ctx, "Local", map[string]any{"spp": 16.0})
		g.SaveLastOptions(ctx, "Local", map[string]any{"spp": 32.0})
		o, _ := g.LastOptions(ctx, "Local")
		if o["spp"] != 32.0 {
			t.Fatalf("last options = %v", o)
		}
		s, _ := g.Create(ctx, Snapshot{Renderer: "X"})
		if err := g.Delete(ctx, s.ID); err == nil {
			t.Fatal("deleting a queued snapshot succeeded")
		}
		src := filepath.Join(t.TempDir(), "a.png")
		writePNG(t, src, 8, 8, color.White)
		g.SetImage(ctx, s.ID, src, true)
		g.SetState(ctx, s.ID, Finished, "")
		got, _ := g.Get(ctx, s.ID)
		if err := g.Delete(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{got.Image, got.Thumb} {
			if _, err := os.Stat(g.Path(p)); !os.IsNotExist(err) {
				t.Fatalf("%s still exists after delete", p)
			}
		}
	})
}

func TestReadOnlyDirIsAClearError(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root writes anywhere; use a path under a regular file instead.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o644)
		_, err := Open(context.Background(), filepath.Join(f, "gallery"))
		if err == nil {
			t.Fatal("gallery under a file opened")
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	_, err := Open(context.Background(), filepath.Join(dir, "g"))
	if err == nil {
		t.Fatal("read-only dir opened")
	}
}

// TestReopenAfterKill kills a process that is writing to the gallery and
// checks that every committed snapshot survives and that the renders it left
// live are marked interrupted by the next owner.
func TestReopenAfterKill(t *testing.T) {
	if os.Getenv("GALLERY_KILL_CHILD") != "" {
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=TestKillChild")
	cmd.Env = append(os.Environ(), "GALLERY_KILL_CHILD="+dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child prints "ready N" once it has committed N snapshots, then
	// keeps writing until killed.
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	var committed int
	fmt.Sscanf(string(buf[:n]), "ready %d", &committed)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	ctx := context.Background()
	g, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	count, _ := g.Count(ctx)
	if count < int64(committed) {
		t.Fatalf("%d snapshots after kill, child had committed %d", count, committed)
	}
	fin, _ := g.Get(ctx, 1)
	if fin.State != Finished {
		t.Fatalf("finished snapshot is %s after kill", fin.State)
	}
	ids, err := g.MarkInterrupted(ctx, "owner process died")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		t.Fatal("no render marked interrupted")
	}
	s, _ := g.Get(ctx, ids[0])
	if s.State != Interrupted || s.Error != "owner process died" {
		t.Fatalf("snapshot %d: %s %q", s.ID, s.State, s.Error)
	}
}

func TestKillChild(t *testing.T) {
	dir := os.Getenv("GALLERY_KILL_CHILD")
	if dir == "" {
		t.Skip("helper process for TestReopenAfterKill")
	}
	ctx := context.Background()
	g, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := g.Create(ctx, Snapshot{Renderer: "X"})
	g.SetState(ctx, s.ID, Finished, "")
	for i := 0; ; i++ {
		s, err := g.Create(ctx, Snapshot{Renderer: "X", State: Rendering})
		if err != nil {
			t.Fatal(err)
		}
		g.UpdateMetadata(ctx, s.ID, map[string]any{"percentDone": float64(i % 100)})
		if i == 20 {
			fmt.Println("ready " + strconv.Itoa(i+2))
		}
		time.Sleep(time.Millisecond)
	}
}

func TestStoreSceneKeepsClosure(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		src := t.TempDir()
		write := func(rel, body string) string {
			p := filepath.Join(src, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(body), 0o644)
			return p
		}
		root := write("shot.usda", "#usda 1.0\n(subLayers = [@layers/fx.usda@])\n")
		fx := write("layers/fx.usda", "#usda 1.0\n")
		tex := write("tex/wood.png", "png bytes")
		outside := filepath.Join(t.TempDir(), "lib.usda")
		os.WriteFile(outside, []byte("#usda 1.0\n"), 0o644)

		rel, skipped, err := g.StoreScene(root, []string{root, fx, tex, outside})
		if err != nil {
			t.Fatal(err)
		}
		if len(skipped) != 1 || skipped[0] != outside {
			t.Fatalf("skipped = %v", skipped)
		}
		stored := g.Path(rel)
		for rel, want := range map[string]string{"layers/fx.usda": "#usda 1.0\n", "tex/wood.png": "png bytes"} {
			got, err := os.ReadFile(filepath.Join(filepath.Dir(stored), rel))
			if err != nil || string(got) != want {
				t.Fatalf("%s: %q %v", rel, got, err)
			}
		}
		// Same content, same place; changed content, a new copy.
		again, _, _ := g.StoreScene(root, []string{fx, tex})
		if again != rel {
			t.Fatalf("same closure stored twice: %s and %s", rel, again)
		}
		os.WriteFile(tex, []byte("new texture"), 0o644)
		changed, _, _ := g.StoreScene(root, []string{fx, tex})
		if changed == rel {
			t.Fatal("a changed texture did not make a new stored scene")
		}
		if b, _ := os.ReadFile(filepath.Join(filepath.Dir(stored), "tex/wood.png")); string(b) != "png bytes" {
			t.Fatal("the first stored copy changed")
		}
	})
}

// TestConcurrentOpenOfANewGallery starts processes that open one new
// gallery at the same moment: each must open it (one migrates, the others
// wait for it), none may see "database is locked".
func TestConcurrentOpenOfANewGallery(t *testing.T) {
	if os.Getenv("GALLERY_OPEN_CHILD") != "" {
		return
	}
	for round := 0; round < 5; round++ {
		dir := filepath.Join(t.TempDir(), "g")
		var cmds []*exec.Cmd
		for i := 0; i < 6; i++ {
			c := exec.Command(os.Args[0], "-test.run=TestOpenChild")
			c.Env = append(os.Environ(), "GALLERY_OPEN_CHILD="+dir)
			cmds = append(cmds, c)
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("round %d: a process could not open the new gallery: %v", round, err)
			}
		}
		g, err := Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := g.Count(context.Background())
		g.Close()
		if n != 6 {
			t.Fatalf("round %d: %d snapshots, want one from each of 6 processes", round, n)
		}
	}
}

func TestOpenChild(t *testing.T) {
	dir := os.Getenv("GALLERY_OPEN_CHILD")
	if dir == "" {
		t.Skip("helper process for TestConcurrentOpenOfANewGallery")
	}
	g, err := Open(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer g.Close()
	if _, err := g.Create(context.Background(), Snapshot{Renderer: "X"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}
