//go:build linux || darwin

package slurm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/renderworker"
)

// The test binary doubles as the worker the array tasks run (sbatch passes
// the environment on, so the tasks see RGALLERY_SLURM_TEST_WORKER), and as
// a gallery owner process for the re-attach test.
func TestMain(m *testing.M) {
	if os.Getenv("RGALLERY_SLURM_TEST_WORKER") == "1" && len(os.Args) > 1 && os.Args[1] == "render-worker" {
		if task := os.Getenv("SLURM_ARRAY_TASK_ID"); task != "" && task == os.Getenv("RGALLERY_SLURM_TEST_FAIL_TASK") {
			fmt.Fprintf(os.Stderr, "injected failure in task %s\n", task)
			os.Exit(3)
		}
		if rec := os.Getenv("RGALLERY_SLURM_TEST_RECORD_ARGS"); rec != "" {
			// Keep the command line the task script built, one argument a line.
			_ = os.WriteFile(filepath.Join(rec, "args-"+os.Getenv("SLURM_ARRAY_TASK_ID")+".txt"), []byte(strings.Join(os.Args[1:], "\n")+"\n"), 0o644)
		}
		var in io.Reader = os.Stdin
		if rec := os.Getenv("RGALLERY_SLURM_TEST_RECORD_STDIN"); rec != "" {
			// Keep a copy of the commands the task script sends.
			f, err := os.OpenFile(filepath.Join(rec, "stdin-"+os.Getenv("SLURM_ARRAY_TASK_ID")+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err == nil {
				in = io.TeeReader(os.Stdin, f)
			}
		}
		os.Exit(renderworker.Main(os.Args[2:], in, os.Stdout, os.Stderr))
	}
	if dir := os.Getenv("RGALLERY_SLURM_TEST_OWNER"); dir != "" {
		os.Exit(ownerMain(dir))
	}
	// The tests use the command-line tools unless one asks for slurmrestd.
	restURL = os.Getenv("RGALLERY_SLURMRESTD")
	os.Unsetenv("RGALLERY_SLURMRESTD")
	os.Setenv("RGALLERY_SLURM_TEST_WORKER", "1")
	if exe, err := filepath.Abs(os.Args[0]); err == nil {
		Executable = exe
	}
	os.Exit(m.Run())
}

// restURL is $RGALLERY_SLURMRESTD as the test run found it.
var restURL string

// needREST points the renderer at slurmrestd for this test, or skips.
func needREST(t *testing.T) {
	t.Helper()
	needCluster(t)
	if restURL == "" {
		t.Skip("RGALLERY_SLURMRESTD is not set: no slurmrestd to test against (scripts/slurm-dev.sh start --rest, then eval its exports)")
	}
	t.Setenv("RGALLERY_SLURMRESTD", restURL)
}

// needCluster skips the test when no Slurm cluster is reachable.
func needCluster(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sinfo"); err != nil {
		t.Skip("sinfo is not on PATH: no Slurm cluster to test against (scripts/slurm-dev.sh start, then eval its exports)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%R").CombinedOutput(); err != nil {
		t.Skipf("sinfo cannot reach a cluster (%v: %s); start one with scripts/slurm-dev.sh start and eval its exports", err, bytes.TrimSpace(out))
	}
}

// benchScene returns a scene of the shared bench set.
func benchScene(t testing.TB, name string) string {
	t.Helper()
	shared := os.Getenv("RGALLERY_SHARED")
	if shared == "" {
		shared = filepath.Join("..", "..", "..", "shared")
	}
	p := filepath.Join(shared, "bench-scenes", name, name+".usda")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("bench scene %s not found (set RGALLERY_SHARED to the shared dir): %v", p, err)
	}
	return p
}

type testHost struct {
	mu     sync.Mutex
	md     map[string]any
	images int
	log    bytes.Buffer
	pcts   []float64
}

func (h *testHost) ItemID() int64  { return 42 }
func (h *testHost) Source() string { return "test" }
func (h *testHost) UpdateImagePath(string) {
	h.mu.Lock()
	h.images++
	h.mu.Unlock()
}
func (h *testHost) UpdateMetadata(md map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.md == nil {
		h.md = map[string]any{}
	}
	for k, v := range md {
		h.md[k] = v
	}
	if p, ok := md[bgrender.KeyPercentDone].(float64); ok {
		h.pcts = append(h.pcts, p)
	}
}
func (h *testHost) Log() io.Writer { return &lockedWriter{h} }

type lockedWriter struct{ h *testHost }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	return w.h.log.Write(p)
}

func (h *testHost) get(k string) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.md[k]
}

func (h *testHost) logText() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

// start submits a render with opts on top of small, fast defaults.
func start(t *testing.T, scene string, opts map[string]any, vp bgrender.Viewport) (*Renderer, *testHost) {
	t.Helper()
	h := &testHost{}
	rr, err := New(h)
	if err != nil {
		t.Fatal(err)
	}
	r := rr.(*Renderer)
	plugin := map[string]any{OptJobDirRoot: t.TempDir()}
	for k, v := range opts {
		plugin[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.StartBackgroundRender(ctx, scene, bgrender.Options{Plugin: plugin, Viewport: vp}); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		// Whatever happened, leave no job behind.
		_ = r.Close()
	})
	return r, h
}

// poll calls IsRenderFinished until it says finished or fails; each is
// given to each(), which may stop the loop by returning false.
func poll(t *testing.T, r *Renderer, limit time.Duration, each func() bool) (bool, error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		done, err := r.IsRenderFinished(ctx)
		cancel()
		if done || err != nil {
			return done, err
		}
		if each != nil && !each() {
			return false, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("render not finished after %v", limit)
	return false, nil
}

// processesIn lists the pids whose command line mentions dir.
func processesIn(dir string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i > 0 && len(st) > i+2 && st[i+2] == 'Z' {
				continue
			}
		}
		if strings.Contains(string(b), dir) {
			out = append(out, e.Name())
		}
	}
	return out
}
