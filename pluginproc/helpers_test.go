//go:build linux || darwin

package pluginproc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

// fakeHost records what a renderer tells the gallery.
type fakeHost struct {
	id     int64
	source string

	mu     sync.Mutex
	images []string
	md     map[string]any
	mdLog  []map[string]any
	log    bytes.Buffer
}

func newFakeHost(id int64) *fakeHost {
	return &fakeHost{id: id, source: "/stage", md: map[string]any{}}
}

func (h *fakeHost) ItemID() int64  { return h.id }
func (h *fakeHost) Source() string { return h.source }

func (h *fakeHost) UpdateImagePath(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.images = append(h.images, path)
}

func (h *fakeHost) UpdateMetadata(md map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range md {
		h.md[k] = v
	}
	h.mdLog = append(h.mdLog, md)
}

func (h *fakeHost) Log() io.Writer { return lockedWriter{h} }

func (h *fakeHost) Images() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.images...)
}

func (h *fakeHost) Meta(key string) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.md[key]
}

func (h *fakeHost) LogText() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

type lockedWriter struct{ h *fakeHost }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.log.Write(p)
}

// needPython skips the test when no interpreter is installed.
func needPython(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(testConfig(t).withDefaults().Python); err != nil {
		t.Skipf("no Python interpreter: %v", err)
	}
}

// sharedCacheDir is the cache directory of all tests but the cache's own:
// discovery of a test plugin then starts an interpreter once per run, not
// once per test.
var sharedCacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pluginproc-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sharedCacheDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// testConfig has short deadlines so that failure tests stay fast.
func testConfig(t testing.TB) Config {
	return Config{
		CacheDir: sharedCacheDir,
		// Generous: other engineers' benchmarks share the machine, and a
		// test must not fail because an interpreter started slowly. Tests
		// of deadlines set their own short ones.
		Timeouts: Timeouts{Handshake: time.Minute, Register: time.Minute, Create: 30 * time.Second,
			Call: 20 * time.Second, Stop: 20 * time.Second},
		// A small limit, so that the flood test ends in milliseconds.
		LogLimit:  256 << 10,
		StopGrace: 2 * time.Second,
	}
}

// loadPython loads file with a python loader and returns its plugins by label.
func loadPython(t testing.TB, cfg Config, file string) map[string]bgrender.Plugin {
	t.Helper()
	l := &PythonLoader{Config: cfg}
	ps, err := l.Load(context.Background(), file)
	if err != nil {
		t.Fatalf("Load(%s): %v", file, err)
	}
	out := map[string]bgrender.Plugin{}
	for _, p := range ps {
		out[p.Label] = p
	}
	return out
}

func labels(m map[string]bgrender.Plugin) []string {
	var out []string
	for l := range m {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// newRender makes a renderer of plugin for host; at the end of the test it
// is closed and its process group must be gone.
func newRender(t testing.TB, p bgrender.Plugin, host bgrender.Host) *remote {
	t.Helper()
	r, err := p.Factory(host)
	if err != nil {
		t.Fatalf("Factory: %v", err)
	}
	rr := r.(*remote)
	t.Cleanup(func() {
		pid := rr.PID()
		if err := rr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if pid != 0 {
			if left, _ := proc.GroupMembers(pid); len(left) > 0 {
				t.Errorf("after Close, processes of plugin group %d are alive: %v", pid, left)
			}
		}
	})
	return rr
}

// pollUntil calls IsRenderFinished every interval until it reports true or
// returns an error, at most n times.
func pollUntil(t testing.TB, r bgrender.Renderer, n int, interval time.Duration) (bool, error) {
	t.Helper()
	for i := 0; i < n; i++ {
		done, err := r.IsRenderFinished(context.Background())
		if err != nil || done {
			return done, err
		}
		time.Sleep(interval)
	}
	return false, nil
}

func testdata(parts ...string) string {
	p, _ := filepath.Abs(filepath.Join(append([]string{"testdata"}, parts...)...))
	return p
}

func hasLine(text, want string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == want {
			return true
		}
	}
	return false
}
