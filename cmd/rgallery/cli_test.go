//go:build linux || darwin

package main

// These tests run the built rgallery binary as a user would, with the
// Command renderer driving a real progressive PNG writer.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

var (
	binDir    string
	rgallery  string
	pngWriter string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rgallery-cli-test-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	rgallery = filepath.Join(dir, "rgallery")
	pngWriter = filepath.Join(dir, "progressive-png")
	for _, b := range [][2]string{{rgallery, "."}, {pngWriter, "../../examples/command/progressive-png"}} {
		out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b[1], err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one user's setup: a gallery, a plugin path with manifests, a scene.
type env struct {
	t       *testing.T
	gallery string
	plugins string
	scene   string
	pidDir  string
}

const manifestTmpl = `label = %q
argv = ["sh", "-c", "echo $$ > %s/{item}.pid; exec \"$0\" \"$@\"", %q, "-o", "{image}", "-passes", "{option.passes}", "-interval", "{option.interval}"%s]
progress = 'progress: (?P<percent>[0-9.]+)%%'
poll = 0.05
stop_grace = 2

[[option]]
name = "passes"
type = "int"
default = 4
min = 1

[[option]]
name = "interval"
type = "string"
default = "50ms"
`

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, gallery: filepath.Join(root, "gallery"), plugins: filepath.Join(root, "plugins"),
		scene: filepath.Join(root, "shot.usda"), pidDir: filepath.Join(root, "pids")}
	os.MkdirAll(filepath.Join(e.plugins, "backgroundrenderers"), 0o755)
	os.MkdirAll(e.pidDir, 0o755)
	os.WriteFile(e.scene, []byte("#usda 1.0\ndef Xform \"World\" {}\n"), 0o644)
	e.manifest("progressive.toml", "Progressive", "")
	e.manifest("broken-exit.toml", "Exit Three", `, "-exit", "3"`)
	e.manifest("no-image.toml", "No Image", `, "-no-image"`)
	return e
}

func (e *env) manifest(name, label, extra string) {
	body := fmt.Sprintf(manifestTmpl, label, e.pidDir, pngWriter, extra)
	if err := os.WriteFile(filepath.Join(e.plugins, "backgroundrenderers", name), []byte(body), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) cmd(args ...string) *exec.Cmd {
	c := exec.Command(rgallery, append([]string{"--gallery", e.gallery}, args...)...)
	c.Env = append(os.Environ(), "RGALLERY_PLUGIN_PATH="+e.plugins, "HOUDINI_HUSDPLUGINS_PATH=")
	return c
}

// run runs rgallery to the end and returns stdout, stderr and exit code.
func (e *env) run(args ...string) (string, string, int) {
	e.t.Helper()
	c := e.cmd(args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func (e *env) show(id int64) gallery.Snapshot {
	e.t.Helper()
	out, stderr, code := e.run("show", "--json", strconv.FormatInt(id, 10))
	if code != 0 {
		e.t.Fatalf("show %d: exit %d: %s", id, code, stderr)
	}
	var s gallery.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		e.t.Fatalf("show %d: %v\n%s", id, err, out)
	}
	return s
}

// tryShow is show for a snapshot that may not exist yet (one a display
// server creates when an image arrives): false instead of a failure.
func (e *env) tryShow(id int64) (gallery.Snapshot, bool) {
	e.t.Helper()
	out, _, code := e.run("show", "--json", strconv.FormatInt(id, 10))
	var s gallery.Snapshot
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		return s, false
	}
	return s, true
}

// pid returns the pid the render of snapshot id wrote, waiting for it.
func (e *env) pid(id int64) int {
	e.t.Helper()
	for i := 0; i < 200; i++ {
		b, err := os.ReadFile(filepath.Join(e.pidDir, fmt.Sprintf("%d.pid", id)))
		if err == nil && len(bytes.TrimSpace(b)) > 0 {
			pid, _ := strconv.Atoi(string(bytes.TrimSpace(b)))
			return pid
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("render %d never started its command", id)
	return 0
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil {
		return false
	}
	// A zombie is dead for our purposes.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}

func TestRenderFinishesIntoGallery(t *testing.T) {
	e := newEnv(t)
	out, stderr, code := e.run("render", "-r", "Progressive", "-o", "passes=3", "--tag", "hero", e.scene)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	prefix := "snapshot 1 finished: "
	if !strings.HasPrefix(out, prefix) {
		t.Fatalf("stdout = %q", out)
	}
	imgPath := strings.TrimSpace(strings.TrimPrefix(out, prefix))
	f, err := os.Open(imgPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The writer's last pass (3 of 3) has blue = 255 everywhere.
	if _, _, b, _ := img.At(3, 3).RGBA(); b>>8 != 255 {
		t.Fatalf("final image blue = %d, want 255 (last pass)", b>>8)
	}
	s := e.show(1)
	if s.State != gallery.Finished || *s.Stats.PercentDone != 100 || *s.Stats.PeakMemory <= 0 || *s.Stats.TotalClockTime <= 0 {
		t.Fatalf("snapshot: %s %+v", s.State, s.Stats)
	}
	if s.Renderer != "Progressive" || s.Tags[0] != "hero" || s.Options["plugin"].(map[string]any)["passes"] != 3.0 {
		t.Fatalf("snapshot: %+v", s)
	}
	if pid := e.pid(1); alive(pid) {
		t.Fatalf("render process %d still alive after finishing", pid)
	}
	// The Background button: no options given, the last ones are reused.
	if _, stderr, code := e.run("render", "-r", "Progressive", e.scene); code != 0 {
		t.Fatalf("second render: exit %d: %s", code, stderr)
	}
	if got := e.show(2).Options["plugin"].(map[string]any)["passes"]; got != 3.0 {
		t.Fatalf("second render passes = %v, want the last options' 3", got)
	}
	ls, _, _ := e.run("ls")
	if !strings.Contains(ls, "finished") || strings.Count(ls, "\n") != 3 {
		t.Fatalf("ls:\n%s", ls)
	}
	export := filepath.Join(t.TempDir(), "out.jpg")
	if _, stderr, code := e.run("export", "1", export); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	if fi, err := os.Stat(export); err != nil || fi.Size() == 0 {
		t.Fatalf("exported file: %v", err)
	}
}

func TestRenderFailures(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"render", "-r", "Nope", e.scene}, 1, `rgallery: unknown renderer "Nope" (known: Exit Three, No Image, Progressive)`},
		{[]string{"render", "-r", "Progressive", "/no/such.usda"}, 1, "rgallery: scene file /no/such.usda: no such file or directory"},
		{[]string{"render", "-r", "Progressive", "--res", "big", e.scene}, 1, `rgallery: resolution "big": want WxH, e.g. 1280x720`},
		{[]string{"render", "-r", "Progressive", "-o", "passes=0", e.scene}, 3, "option passes=0: below the minimum 1"},
		{[]string{"render", "-r", "Exit Three", e.scene}, 3, "exit status 3"},
		{[]string{"render", "-r", "No Image", e.scene}, 3, "without"},
	} {
		_, stderr, code := e.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args[1:], code, stderr, tc.code, tc.stderr)
		}
	}
	// The failed renders are in the gallery with their reasons.
	out, _, _ := e.run("ls", "--json", "--state", "failed")
	var failed []gallery.Snapshot
	json.Unmarshal([]byte(out), &failed)
	if len(failed) != 3 {
		t.Fatalf("%d failed snapshots, want 3:\n%s", len(failed), out)
	}
	if !strings.Contains(failed[1].Error, "exit status 3") || !strings.Contains(failed[1].Error, "progress: 100.0%") {
		t.Errorf("non-zero exit error does not keep the log's last lines: %q", failed[1].Error)
	}
}

func TestCtrlCStopsRender(t *testing.T) {
	e := newEnv(t)
	c := e.cmd("render", "-r", "Progressive", "-o", "passes=10000", "-o", "interval=20ms", e.scene)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	pid := e.pid(1)
	waitFor(t, func() bool { s := e.show(1); return s.Image != "" })
	c.Process.Signal(os.Interrupt)
	err := c.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v\nstderr: %s", err, stderr.String())
	}
	s := e.show(1)
	if s.State != gallery.Stopped || s.Image == "" {
		t.Fatalf("after Ctrl-C: %s image %q", s.State, s.Image)
	}
	if alive(pid) {
		t.Fatalf("render process %d alive after Ctrl-C", pid)
	}
}

func TestStopAndRenderFromAnotherTerminal(t *testing.T) {
	e := newEnv(t)
	owner := e.cmd("render", "-r", "Progressive", "-o", "passes=10000", "-o", "interval=20ms", e.scene)
	var ownerErr bytes.Buffer
	owner.Stderr = &ownerErr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	defer owner.Process.Kill()
	pid1 := e.pid(1)
	// A second render from another terminal is run by the owner process.
	second := e.cmd("render", "-r", "Progressive", "-o", "passes=10000", "-o", "interval=20ms", e.scene)
	var secondOut bytes.Buffer
	second.Stdout = &secondOut
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	pid2 := e.pid(2)
	if s := e.show(2); s.OwnerPID != owner.Process.Pid {
		t.Fatalf("second render owned by %d, want the first process %d", s.OwnerPID, owner.Process.Pid)
	}
	if out, stderr, code := e.run("click", "2", "0.25", "0.5"); code != 0 {
		t.Fatalf("click: %s %s", out, stderr)
	}
	if out, stderr, code := e.run("stop", "2"); code != 0 || out != "snapshot 2 stopped\n" {
		t.Fatalf("stop 2: exit %d %q %s", code, out, stderr)
	}
	if err := second.Wait(); err == nil || second.ProcessState.ExitCode() != 4 {
		t.Fatalf("second render: %v", err)
	}
	if out, stderr, code := e.run("stop", "1"); code != 0 || out != "snapshot 1 stopped\n" {
		t.Fatalf("stop 1: exit %d %q %s", code, out, stderr)
	}
	if err := owner.Wait(); owner.ProcessState.ExitCode() != 4 {
		t.Fatalf("owner: %v\n%s", err, ownerErr.String())
	}
	for _, pid := range []int{pid1, pid2} {
		if alive(pid) {
			t.Fatalf("render process %d alive after stop", pid)
		}
	}
	if _, stderr, code := e.run("stop", "1"); code != 1 || !strings.Contains(stderr, "snapshot 1 is not rendering (state stopped)") {
		t.Fatalf("stop of a stopped render: exit %d %s", code, stderr)
	}
}

func TestKilledOwnerLeavesInterruptedRenders(t *testing.T) {
	e := newEnv(t)
	if _, stderr, code := e.run("render", "-r", "Progressive", "-o", "passes=2", e.scene); code != 0 {
		t.Fatal(stderr)
	}
	owner := e.cmd("render", "-r", "Progressive", "-o", "passes=10000", "-o", "interval=20ms", e.scene)
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	pid := e.pid(2)
	owner.Process.Signal(syscall.SIGKILL)
	owner.Wait()
	// The render's process dies with its owner (parent-death signal).
	waitFor(t, func() bool { return !alive(pid) })
	// The next owner finds the dead owner's render and marks it.
	if _, stderr, code := e.run("render", "-r", "Progressive", "-o", "passes=1", e.scene); code != 0 {
		t.Fatal(stderr)
	}
	if s := e.show(2); s.State != gallery.Interrupted {
		t.Fatalf("render of the killed owner is %s", s.State)
	}
	first := e.show(1)
	if first.State != gallery.Finished {
		t.Fatalf("finished snapshot is %s after the owner was killed", first.State)
	}
	if _, err := os.Stat(filepath.Join(e.gallery, first.Image)); err != nil {
		t.Fatalf("finished image lost: %v", err)
	}
}

func TestRenderersListing(t *testing.T) {
	e := newEnv(t)
	// An earlier dir overrides a same-named manifest; a broken one is reported.
	early := filepath.Join(t.TempDir(), "early")
	os.MkdirAll(filepath.Join(early, "husdplugins", "backgroundrenderers"), 0o755)
	os.WriteFile(filepath.Join(early, "husdplugins", "backgroundrenderers", "progressive.toml"),
		[]byte(fmt.Sprintf(manifestTmpl, "Studio Progressive", e.pidDir, pngWriter, "")), 0o644)
	os.WriteFile(filepath.Join(e.plugins, "backgroundrenderers", "broken.toml"), []byte("label = \n"), 0o644)
	c := exec.Command(rgallery, "--gallery", e.gallery, "renderers", "--json")
	c.Env = append(os.Environ(), "RGALLERY_PLUGIN_PATH="+early+":"+e.plugins, "HOUDINI_HUSDPLUGINS_PATH=")
	out, err := c.Output()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Renderers  []struct{ Label, File string }
		Overridden []struct{ File, By string }
		Errors     []struct{ File, Error string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	for _, r := range got.Renderers {
		labels[r.Label] = r.File
	}
	if _, ok := labels["Progressive"]; ok || labels["Studio Progressive"] == "" {
		t.Fatalf("override not applied: %v", labels)
	}
	if len(got.Overridden) != 1 || got.Overridden[0].File != filepath.Join(e.plugins, "backgroundrenderers", "progressive.toml") {
		t.Fatalf("overridden: %+v", got.Overridden)
	}
	if len(got.Errors) != 1 || !strings.Contains(got.Errors[0].Error, "broken.toml") {
		t.Fatalf("errors: %+v", got.Errors)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not reached in 30 s")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestTwoOwnersRace(t *testing.T) {
	e := newEnv(t)
	// Several renders started at once on a new gallery: one process becomes
	// the owner, the others hand their render to it; all finish.
	var cmds []*exec.Cmd
	for i := 0; i < 3; i++ {
		c := e.cmd("render", "-r", "Progressive", "-o", "passes=3", e.scene)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	owners := map[int]bool{}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("a racing render failed: %v\n%s", err, c.Stdout)
		}
	}
	for id := int64(1); id <= 3; id++ {
		s := e.show(id)
		if s.State != gallery.Finished {
			t.Fatalf("snapshot %d: %s %s", id, s.State, s.Error)
		}
		owners[s.OwnerPID] = true
	}
	if len(owners) != 1 {
		t.Fatalf("renders owned by %d processes, want 1: %v", len(owners), owners)
	}
}

func TestUnwritableGallery(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o644)
	_, stderr, code := e.run("--gallery", filepath.Join(file, "g"), "render", "-r", "Progressive", e.scene)
	if code != 1 || !strings.Contains(stderr, "create gallery dir") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		os.MkdirAll(ro, 0o555)
		_, stderr, code = e.run("--gallery", ro, "ls")
		if code != 1 || !strings.Contains(stderr, "is not writable") {
			t.Fatalf("read-only gallery: exit %d: %s", code, stderr)
		}
	}
}

func TestNextOwnerStopsLeftoversOfAKilledOwner(t *testing.T) {
	e := newEnv(t)
	// The render's leader is a shell whose child does the work: when the
	// owner is killed, the kernel kills the shell but not its child. The
	// child writes nowhere, so a broken pipe cannot end it either.
	manifest := fmt.Sprintf(`label = "Wrapped"
argv = ["sh", "-c", "\"$0\" \"$@\" >/dev/null 2>&1 & echo $! > %s/{item}.pid; wait", %q, "-o", "{image}", "-passes", "100000", "-interval", "20ms"]
poll = 0.05
`, e.pidDir, pngWriter)
	os.WriteFile(filepath.Join(e.plugins, "backgroundrenderers", "wrapped.toml"), []byte(manifest), 0o644)
	owner := e.cmd("render", "-r", "Wrapped", e.scene)
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	worker := e.pid(1)
	waitFor(t, func() bool { return e.show(1).Metadata["processGroup"] != nil })
	owner.Process.Signal(syscall.SIGKILL)
	owner.Wait()
	if !alive(worker) {
		t.Fatal("the worker died with its owner: the test no longer leaves anything behind")
	}
	if _, stderr, code := e.run("render", "-r", "Progressive", "-o", "passes=1", e.scene); code != 0 {
		t.Fatal(stderr)
	}
	if alive(worker) {
		syscall.Kill(worker, syscall.SIGKILL)
		t.Fatalf("worker %d of the killed owner's render still runs after the next owner started", worker)
	}
	s := e.show(1)
	if s.State != gallery.Interrupted || s.Metadata["leftoverProcessesStopped"] == nil {
		t.Fatalf("snapshot 1: %s %v", s.State, s.Metadata)
	}
}

func TestRerenderUsesStoredSceneWhenSourceIsGone(t *testing.T) {
	e := newEnv(t)
	if _, stderr, code := e.run("render", "-r", "Progressive", "-o", "passes=2", "--res", "32x16", e.scene); code != 0 {
		t.Fatal(stderr)
	}
	os.Remove(e.scene)
	out, stderr, code := e.run("rerender", "1")
	if code != 0 {
		t.Fatalf("rerender: exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(out, "snapshot 2 finished: ") {
		t.Fatalf("stdout %q", out)
	}
	s := e.show(2)
	if s.Renderer != "Progressive" || s.ResX != 32 || s.ResY != 16 || !strings.Contains(s.Source, filepath.Join(e.gallery, "scenes")) {
		t.Fatalf("rerender: %s %dx%d from %s", s.Renderer, s.ResX, s.ResY, s.Source)
	}
}

// TestReadersShowTheRendersOfADeadOwnerAsInterrupted pins the rule that a
// reader (ls, show) which finds no live owner shows the owner's live renders
// as interrupted at once, without writing to the gallery (the next owner
// records it), and that a live owner's renders stay shown as rendering.
func TestReadersShowTheRendersOfADeadOwnerAsInterrupted(t *testing.T) {
	e := newEnv(t)
	own := e.cmd("render", "-r", "Progressive", "-o", "passes=100000", "-o", "interval=20ms", "--res", "16x8", e.scene)
	if err := own.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		out, _, code := e.run("show", "--json", "1")
		return code == 0 && strings.Contains(out, `"state": "rendering"`)
	})
	lsStates := func(args ...string) map[int64]gallery.State {
		out, stderr, code := e.run(append([]string{"ls", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("ls: exit %d: %s", code, stderr)
		}
		var snaps []gallery.Snapshot
		if err := json.Unmarshal([]byte(out), &snaps); err != nil {
			t.Fatal(err)
		}
		m := map[int64]gallery.State{}
		for _, s := range snaps {
			m[s.ID] = s.State
		}
		return m
	}
	if st := lsStates()[1]; st != gallery.Rendering {
		t.Fatalf("with its owner alive, snapshot 1 is listed %q", st)
	}
	own.Process.Signal(syscall.SIGKILL)
	own.Wait()
	if s := e.show(1); s.State != gallery.Interrupted || !strings.Contains(s.Error, "has ended") {
		t.Errorf("show after the owner died: %q %q", s.State, s.Error)
	}
	if st := lsStates()[1]; st != gallery.Interrupted {
		t.Errorf("ls after the owner died: %q", st)
	}
	if _, ok := lsStates("--state", "rendering")[1]; ok {
		t.Error("ls --state rendering still lists the dead owner's render")
	}
	if st, ok := lsStates("--state", "interrupted")[1]; !ok || st != gallery.Interrupted {
		t.Errorf("ls --state interrupted: %q %v", st, ok)
	}
	g, err := gallery.Open(context.Background(), e.gallery)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if s, err := g.Get(context.Background(), 1); err != nil || s.State != gallery.Rendering {
		t.Errorf("the readers wrote to the gallery: stored state %q (%v); only the next owner records it", s.State, err)
	}
}
