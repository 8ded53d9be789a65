//go:build linux || darwin

package command

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

func TestNonZeroExitFails(t *testing.T) {
	m := manifest(t, `
label = "Fails"
argv = ["%WRITER%", "-o", "{image}", "-passes", "2", "-interval", "1ms", "-exit", "3"]
poll = "10ms"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	err := poll(t, r)
	want := "command " + writerBin + " failed: exit status 3; last lines of its output:\npass 1/2\nprogress: 50.0%\npass 2/2\nprogress: 100.0%"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	// Polling again repeats the verdict.
	if done, err2 := r.IsRenderFinished(testCtx(t)); !done || err2 == nil || err2.Error() != want {
		t.Errorf("second poll: %v, %v", done, err2)
	}
	_, md := h.snapshot()
	if md["exitStatus"] != "exit status 3" {
		t.Errorf("exitStatus = %v", md["exitStatus"])
	}
	if _, ok := md[bgrender.KeyPercentDone]; ok && md[bgrender.KeyPercentDone] != 100.0 {
		t.Errorf("percentDone = %v", md[bgrender.KeyPercentDone])
	}
	assertNoneAlive(t, r)
}

func TestKilledBySignalFails(t *testing.T) {
	m := manifest(t, `
label = "Killed"
argv = ["sh", "-c", "echo about to die; kill -SEGV $$"]
poll = "10ms"
`)
	r := start(t, m, newHost(1), bgrender.Options{})
	err := poll(t, r)
	want := "command sh failed: killed by signal SIGSEGV; last lines of its output:\nabout to die"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestExitWithoutImageFails(t *testing.T) {
	m := manifest(t, `
label = "No image"
argv = ["%WRITER%", "-no-image", "-passes", "1", "-interval", "1ms"]
poll = "10ms"
`)
	r := start(t, m, newHost(1), bgrender.Options{})
	err := poll(t, r)
	want := "command " + writerBin + " exited with exit status 0 without writing an image (watched " +
		r.vals["image"] + "); last lines of its output:\npass 1/1\nprogress: 100.0%"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestExitWithHalfWrittenImageFails(t *testing.T) {
	m := manifest(t, `
label = "Truncated"
argv = ["sh", "-c", "\"$0\" -o \"$1\" -passes 1 -interval 1ms >/dev/null && truncate -s 100 \"$1\" && echo truncated", "%WRITER%", "{image}"]
poll = "10ms"
`)
	r := start(t, m, newHost(1), bgrender.Options{})
	err := poll(t, r)
	want := "command sh exited with exit status 0 but its image " + r.vals["image"] +
		" is incomplete: PNG truncated in chunk \"IDAT\" at offset 33; last lines of its output:\ntruncated"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestCommandNotFound(t *testing.T) {
	for _, tc := range []struct{ prog, want string }{
		{"rgallery-no-such-renderer", `command "rgallery-no-such-renderer" not found in $PATH`},
		{"./missing.sh", `command "%DIR%/missing.sh" not found: no such file`},
	} {
		m := manifest(t, fmt.Sprintf("label = \"Missing\"\nargv = [%q]\n", tc.prog))
		r := NewRenderer(m, newHost(1))
		err := r.StartBackgroundRender(testCtx(t), "scene.usda", bgrender.Options{})
		want := fmt.Sprintf("command renderer \"Missing\" (%s): %s", m.Path, strings.ReplaceAll(tc.want, "%DIR%", filepath.Dir(m.Path)))
		if err == nil || err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
		if len(r.tmpDirs) != 0 {
			t.Errorf("temporary dirs %v kept after a failed start", r.tmpDirs)
		}
		if err := r.Close(); err != nil {
			t.Errorf("close after failed start: %v", err)
		}
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "render.sh")
	if err := os.WriteFile(script, []byte("#!/nonexistent/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := manifest(t, fmt.Sprintf("label = \"Interp\"\nargv = [%q]\n", script))
	err := NewRenderer(m, newHost(1)).StartBackgroundRender(testCtx(t), "s.usda", bgrender.Options{})
	want := fmt.Sprintf("command renderer \"Interp\" (%s): command %q cannot run: the interpreter on its #! line was not found", m.Path, script)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}

	m = manifest(t, "label = \"Dir\"\nargv = [\"true\"]\nworkdir = \"/nonexistent/dir\"\n")
	err = NewRenderer(m, newHost(1)).StartBackgroundRender(testCtx(t), "s.usda", bgrender.Options{})
	want = fmt.Sprintf("command renderer \"Dir\" (%s): working directory /nonexistent/dir: no such file or directory", m.Path)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestNotExecutable(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "render.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := manifest(t, fmt.Sprintf("label = \"NoX\"\nargv = [%q]\n", script))
	err := NewRenderer(m, newHost(1)).StartBackgroundRender(testCtx(t), "s.usda", bgrender.Options{})
	want := fmt.Sprintf("command renderer \"NoX\" (%s): command %q is not executable: permission denied", m.Path, script)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// A command that fails but leaves a helper running: the failure is reported
// and the helper is gone afterwards.
func TestFailureLeavesNoProcess(t *testing.T) {
	m := manifest(t, `
label = "Leaky"
argv = ["sh", "-c", "sleep 600 & echo helper $!; exit 1"]
poll = "10ms"
stop_grace = "2s"
`)
	r := start(t, m, newHost(1), bgrender.Options{})
	err := poll(t, r)
	if err == nil || !strings.HasPrefix(err.Error(), "command sh failed: exit status 1; last lines of its output:\nhelper ") {
		t.Fatalf("err = %v", err)
	}
	helper, _ := strconv.Atoi(strings.TrimPrefix(r.p.Tail()[0], "helper "))
	if helper == 0 {
		t.Fatalf("no helper pid in %q", r.p.Tail())
	}
	assertNoneAlive(t, r, helper)
}

// A command that never reads its stdin: once the pipe is full, a click
// fails with a clear error instead of blocking.
func TestClickToDeafCommand(t *testing.T) {
	m := manifest(t, `
label = "Deaf"
argv = ["sleep", "600"]
click = "focus {x} {y}"
stop_grace = "1s"
`)
	r := start(t, m, newHost(1), bgrender.Options{})
	var err error
	for i := 0; i < 100000 && err == nil; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err = r.MouseClick(ctx, 0.5, 0.5)
		cancel()
	}
	if want := `command renderer "Deaf": send click: the command does not read its stdin`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// A stopped command may leave a file of an unchecked format half written:
// after Stop it is only reported if it held still, so the last version
// that did stays the snapshot's image.
func TestStopDoesNotTrustUncheckedImage(t *testing.T) {
	m := manifest(t, `
label = "Stopped TIFF"
argv = ["sh", "-c", "printf AAAA > \"$0\"; while [ ! -e \"$0.go\" ]; do sleep 0.01; done; printf BB >> \"$0\"; sleep 600", "{image}"]
image = "beauty.tif"
poll = "10ms"
update_interval = 0
stop_grace = "1s"
`)
	h := newHost(1)
	r := start(t, m, h, bgrender.Options{})
	ctx := testCtx(t)
	for len(h.images) == 0 {
		if done, err := r.IsRenderFinished(ctx); done || err != nil {
			t.Fatalf("finished early: %v", err)
		}
		time.Sleep(r.PollFrequency())
	}
	img := r.vals["image"]
	if err := os.WriteFile(img+".go", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for {
		fi, err := os.Stat(img)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 6 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
	last := h.images[len(h.images)-1].path
	if data, err := os.ReadFile(last); err != nil || string(data) != "AAAA" {
		t.Errorf("last reported image holds %q (%v), want the version that held still, AAAA", data, err)
	}
	assertNoneAlive(t, r)
}

// The temporary dirs of an owner that died are removed by the next render;
// those of live owners stay.
func TestStaleTempDirsSwept(t *testing.T) {
	base := t.TempDir()
	t.Setenv("TMPDIR", base)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(base, fmt.Sprintf("rgallery-command-%d-5-123", dead.Process.Pid))
	live := filepath.Join(base, "rgallery-command-1-5-456") // pid 1 is alive
	other := filepath.Join(base, "rgallery-command-x")
	for _, d := range []string{stale, live, other} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m := manifest(t, "label = \"Sweep\"\nargv = [\"true\"]\n")
	r := NewRenderer(m, newHost(1))
	if err := r.StartBackgroundRender(testCtx(t), "s.usda", bgrender.Options{}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale dir of dead pid %d still there (%v)", dead.Process.Pid, err)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
}
