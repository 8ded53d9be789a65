//go:build linux || darwin

package command

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

// writerBin is the examples/command/progressive-png program, built once.
var writerBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rgallery-command-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	writerBin = filepath.Join(dir, "progressive-png")
	build := exec.Command("go", "build", "-o", writerBin, "../../examples/command/progressive-png")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build progressive-png: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// fakeHost records what a renderer tells the gallery. Each image is decoded
// when it is reported, as the gallery would read it then.
type fakeHost struct {
	id  int64
	mu  sync.Mutex
	log bytes.Buffer

	images []reported
	md     map[string]any
	mdLog  []map[string]any
}

type reported struct {
	path string
	img  image.Image
	err  error
}

func newHost(id int64) *fakeHost { return &fakeHost{id: id, md: map[string]any{}} }

func (h *fakeHost) ItemID() int64  { return h.id }
func (h *fakeHost) Source() string { return "/scenes/test.usda" }

func (h *fakeHost) UpdateImagePath(path string) {
	rep := reported{path: path}
	f, err := os.Open(path)
	if err == nil {
		rep.img, rep.err = png.Decode(f)
		f.Close()
	} else {
		rep.err = err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.images = append(h.images, rep)
}

func (h *fakeHost) UpdateMetadata(md map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cp := map[string]any{}
	for k, v := range md {
		h.md[k] = v
		cp[k] = v
	}
	h.mdLog = append(h.mdLog, cp)
}

func (h *fakeHost) Log() io.Writer { return (*lockedBuf)(h) }

type lockedBuf fakeHost

func (b *lockedBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log.Write(p)
}

func (h *fakeHost) logText() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

func (h *fakeHost) snapshot() ([]reported, map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	md := map[string]any{}
	for k, v := range h.md {
		md[k] = v
	}
	return append([]reported(nil), h.images...), md
}

// manifest parses src as a manifest file in a temp dir; %WRITER% stands
// for the path of the progressive-png program.
func manifest(t *testing.T, src string) *Manifest {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.toml")
	src = strings.ReplaceAll(src, "%WRITER%", writerBin)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// start makes a renderer and starts it; Close runs at cleanup and must
// leave no process of the render behind.
func start(t *testing.T, m *Manifest, h *fakeHost, opts bgrender.Options) *Renderer {
	t.Helper()
	r := NewRenderer(m, h)
	if err := r.StartBackgroundRender(testCtx(t), "scene.usda", opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pid := r.p.Pid()
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if proc.Alive(pid) {
			t.Errorf("leader %d alive after Close", pid)
		}
	})
	return r
}

// poll calls IsRenderFinished every poll interval, as the Manager does,
// until the render is finished.
func poll(t *testing.T, r *Renderer) error {
	t.Helper()
	ctx := testCtx(t)
	for {
		done, err := r.IsRenderFinished(ctx)
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			t.Fatal("render did not finish")
		case <-time.After(r.PollFrequency()):
		}
	}
}

// assertNoneAlive checks by pid that no process of the render is left.
func assertNoneAlive(t *testing.T, r *Renderer, pids ...int) {
	t.Helper()
	for _, pid := range append([]int{r.p.Pid()}, pids...) {
		if proc.Alive(pid) {
			t.Errorf("pid %d still alive", pid)
		}
	}
	if alive, err := proc.GroupMembers(r.p.Pid()); err != nil || len(alive) > 0 {
		t.Errorf("group %d: alive %v, err %v", r.p.Pid(), alive, err)
	}
}

// wantPixels checks that img is the writer's pass k of n image of size w×h.
func wantPixels(t *testing.T, img image.Image, w, h, k, n int) {
	t.Helper()
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("image is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	for y := range h {
		for x := range w {
			r, g, b, a := img.At(x, y).RGBA()
			want := [4]uint32{uint32(255 * x / (w - 1)), uint32(255 * y / (h - 1)), uint32(255 * k / n), 255}
			if got := [4]uint32{r >> 8, g >> 8, b >> 8, a >> 8}; got != want {
				t.Fatalf("pixel (%d,%d) = %v, want %v (pass %d/%d)", x, y, got, want, k, n)
			}
		}
	}
}
