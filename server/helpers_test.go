//go:build linux || darwin

package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	_ "github.com/rgallery/rgallery/pluginproc"        // Python plugins
	_ "github.com/rgallery/rgallery/renderers/command" // Command renderer manifests
	"github.com/rgallery/rgallery/renderers/local"
	"github.com/rgallery/rgallery/renderworker"
	"github.com/rgallery/rgallery/server"
)

// pngWriter is the progressive PNG writer of examples/command, built once.
var pngWriter string

func TestMain(m *testing.M) {
	// The test binary doubles as `rgallery render-worker` for the Local
	// renderer, as in renderers/local's tests.
	if os.Getenv("RGALLERY_SERVER_TEST_WORKER") == "1" && len(os.Args) > 1 && os.Args[1] == "render-worker" {
		os.Exit(renderworker.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Setenv("RGALLERY_SERVER_TEST_WORKER", "1")
	local.Executable = os.Args[0]
	dir, err := os.MkdirTemp("", "rgallery-server-test-")
	if err != nil {
		panic(err)
	}
	pngWriter = filepath.Join(dir, "progressive-png")
	out, err := exec.Command("go", "build", "-o", pngWriter, "../examples/command/progressive-png").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build progressive-png: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The Command renderer manifest of the tests: the progressive PNG writer,
// which echoes clicks ("focus X Y" on stdin) as "clicked X Y" lines into the
// render log, and writes its pid where the test can find it.
const manifestTmpl = `label = %q
argv = ["sh", "-c", "echo $$ > %s/{item}.pid; exec \"$0\" \"$@\"", %q, "-o", "{image}", "-size", "{option.size}", "-passes", "{option.passes}", "-interval", "{option.interval}"%s]
progress = 'progress: (?P<percent>[0-9.]+)%%'
click = "focus {x} {y}"
poll = 0.05
stop_grace = 2

[[option]]
name = "passes"
type = "int"
default = 4
min = 1
help = "Number of progressive passes"

[[option]]
name = "interval"
type = "string"
default = "50ms"
help = "Time per pass"

[[option]]
name = "size"
type = "choice"
choices = ["64x48", "320x180", "640x360"]
default = "320x180"
`

// sharedDir returns the project's shared data dir (bench scenes), or "".
func sharedDir() string {
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		return d
	}
	if _, err := os.Stat("../../shared/bench-scenes"); err == nil {
		abs, _ := filepath.Abs("../../shared")
		return abs
	}
	return ""
}

// fixture is a gallery served over HTTP as `rgallery serve` serves it.
type fixture struct {
	t       *testing.T
	g       *gallery.Gallery
	m       *bgrender.Manager
	api     *server.API
	srv     *httptest.Server
	root    string // the --root dir, with scenes
	outside string // a dir beside the root, with a secret
	pidDir  string
	scene   string
}

type fixtureOpts struct {
	token    string
	loopback bool
	team     bool
	metrics  bool
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{t: t, root: filepath.Join(base, "scenes"), outside: filepath.Join(base, "outside"), pidDir: filepath.Join(base, "pids")}
	plugins := filepath.Join(base, "plugins")
	for _, d := range []string{f.root, filepath.Join(f.root, "seq", "sh010"), f.outside, f.pidDir, filepath.Join(plugins, "backgroundrenderers")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f.scene = filepath.Join(f.root, "shot.usda")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(f.scene, "#usda 1.0\ndef Xform \"World\" {}\n")
	write(filepath.Join(f.root, "seq", "sh010", "sh010_lighting.usda"), "#usda 1.0\n")
	write(filepath.Join(f.root, "notes.txt"), "not a scene\n")
	write(filepath.Join(f.outside, "secret.usda"), "#usda 1.0\n# secret\n")
	manifest := func(name, label, extra string) {
		write(filepath.Join(plugins, "backgroundrenderers", name), fmt.Sprintf(manifestTmpl, label, f.pidDir, pngWriter, extra))
	}
	manifest("progressive.toml", "Progressive", "")
	manifest("exit3.toml", "Exit Three", `, "-exit", "3"`)
	manifest("noimage.toml", "No Image", `, "-no-image"`)

	ctx := context.Background()
	g, err := gallery.Open(ctx, filepath.Join(base, "gallery"))
	if err != nil {
		t.Fatal(err)
	}
	f.g = g
	f.m = bgrender.NewManager(g, nil)
	d := bgrender.Discover(ctx, []string{plugins, "&"}) // "&": the built-ins (Local)
	if len(d.Errors) > 0 {
		t.Fatalf("discovery: %+v", d.Errors)
	}
	if err := f.m.AddDiscovered(d); err != nil {
		t.Fatal(err)
	}
	f.api = server.NewAPI(f.m, d, nil)
	if o.metrics {
		f.api.EnableMetrics()
	}
	h, err := f.api.Handler(server.WebConfig{Roots: []string{f.root}, Token: o.token, Loopback: o.loopback, Team: o.team})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		f.srv.CloseClientConnections()
		f.srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := f.m.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		g.Close()
	})
	return f
}

// do sends a request as the web UI does (with the CSRF header) and decodes
// a JSON answer into out; it returns the status.
func (f *fixture) do(method, path string, body any, out any) int {
	f.t.Helper()
	return f.doAs("", method, path, body, out)
}

// doAs is do for a team gallery's user, authenticated by token ("" sends
// none).
func (f *fixture) doAs(token, method, path string, body any, out any) int {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	req.Header.Set("X-Rgallery", "1")
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			f.t.Fatalf("%s %s: %d %v: %s", method, path, resp.StatusCode, err, data)
		}
	}
	return resp.StatusCode
}

// render starts a render through the API.
func (f *fixture) render(opts map[string]any) gallery.Snapshot {
	f.t.Helper()
	var s gallery.Snapshot
	if code := f.do("POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: f.scene, Options: opts}, &s); code != http.StatusCreated {
		f.t.Fatalf("render: status %d", code)
	}
	return s
}

// wait waits for a snapshot to reach a final state.
func (f *fixture) wait(id int64) gallery.Snapshot {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := f.m.Wait(ctx, id)
	if err != nil {
		f.t.Fatalf("wait %d: %v", id, err)
	}
	return s
}

func (f *fixture) get(id int64) gallery.Snapshot {
	f.t.Helper()
	s, err := f.g.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// pid returns the pid of the render command of snapshot id.
func (f *fixture) pid(id int64) int {
	f.t.Helper()
	for i := 0; i < 400; i++ {
		b, err := os.ReadFile(filepath.Join(f.pidDir, fmt.Sprintf("%d.pid", id)))
		if err == nil && len(strings.TrimSpace(string(b))) > 0 {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return pid
		}
		time.Sleep(25 * time.Millisecond)
	}
	f.t.Fatalf("render %d never started its command", id)
	return 0
}

// clicks returns the "clicked X Y" lines the writer echoed into the log.
func (f *fixture) clicks(id int64) [][2]float64 {
	s := f.get(id)
	file, err := os.Open(f.g.Path(s.LogPath))
	if err != nil {
		return nil
	}
	defer file.Close()
	var out [][2]float64
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var x, y float64
		if _, err := fmt.Sscanf(strings.TrimSpace(sc.Text()), "clicked %g %g", &x, &y); err == nil {
			out = append(out, [2]float64{x, y})
		}
	}
	return out
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	fields := strings.Fields(string(b)[i+1:])
	return len(fields) > 0 && fields[0] != "Z"
}
