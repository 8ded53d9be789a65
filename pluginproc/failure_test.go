//go:build linux || darwin

package pluginproc

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

// startFailing starts the renderer label of testdata/broken/failing.py.
func startFailing(t *testing.T, cfg Config, label string) (*remote, *fakeHost, string) {
	t.Helper()
	file := testdata("broken", "failing.py")
	p, ok := loadPython(t, cfg, file)[label]
	if !ok {
		t.Fatalf("failing.py registers no %q", label)
	}
	host := newFakeHost(5)
	r := newRender(t, p, host)
	if err := r.StartBackgroundRender(context.Background(), "/scene.usda", bgrender.Options{}); err != nil {
		t.Fatalf("start %s: %v", label, err)
	}
	return r, host, file
}

func TestExceptionInStart(t *testing.T) {
	t.Parallel()
	needPython(t)
	file := testdata("broken", "failing.py")
	p := loadPython(t, testConfig(t), file)["RaiseInStart"]
	r := newRender(t, p, newFakeHost(5))
	err := r.StartBackgroundRender(context.Background(), "/scene.usda", bgrender.Options{})
	if err == nil {
		t.Fatal("start succeeded")
	}
	msg := err.Error()
	head := fmt.Sprintf("python plugin %q (%s): startBackgroundRender raised RuntimeError: farm is down: cannot submit /scene.usda\nTraceback (most recent call last):\n  File %q, line 18, in startBackgroundRender\n", "RaiseInStart", file, file)
	if !strings.HasPrefix(msg, head) {
		t.Errorf("error:\n got %q\nwant prefix %q", msg, head)
	}
	frame := fmt.Sprintf("File %q, line 18, in startBackgroundRender\n    raise RuntimeError(\"farm is down: cannot submit %%s\" %% usd_filepath)", file)
	if !strings.Contains(msg, frame) {
		t.Errorf("error lacks the plugin's frame %q:\n%s", frame, msg)
	}
	if !strings.HasSuffix(msg, "\nRuntimeError: farm is down: cannot submit /scene.usda") {
		t.Errorf("error does not end with the exception:\n%s", msg)
	}
	// The process is healthy: a raise is not a crash. The render is failed
	// by the manager, which then closes the renderer.
	if !proc.Alive(r.PID()) {
		t.Errorf("plugin process %d died from a raise", r.PID())
	}
}

func TestExceptionInIsRenderFinished(t *testing.T) {
	t.Parallel()
	needPython(t)
	r, _, file := startFailing(t, testConfig(t), "RaiseInFinished")
	_, err := r.IsRenderFinished(context.Background())
	if err == nil {
		t.Fatal("isRenderFinished succeeded")
	}
	head := fmt.Sprintf("python plugin %q (%s): isRenderFinished raised ZeroDivisionError: division by zero\nTraceback (most recent call last):\n  File %q, line 23, in isRenderFinished\n", "RaiseInFinished", file, file)
	if !strings.HasPrefix(err.Error(), head) {
		t.Errorf("error:\n got %q\nwant prefix %q", err, head)
	}
	frame := fmt.Sprintf("File %q, line 23, in isRenderFinished\n    return 1 / 0", file)
	if !strings.Contains(err.Error(), frame) || !strings.HasSuffix(err.Error(), "\nZeroDivisionError: division by zero") {
		t.Errorf("error lacks frame %q or the exception at its end:\n%s", frame, err)
	}
}

func TestHangInIsRenderFinished(t *testing.T) {
	t.Parallel()
	needPython(t)
	r, host, file := startFailing(t, testConfig(t), "HangInFinished")
	// Only this call gets the short deadline: on a loaded machine the
	// start-up calls may take longer.
	r.cfg.Timeouts.Call = 400 * time.Millisecond
	pid := r.PID()
	_, err := r.IsRenderFinished(context.Background())
	want := fmt.Sprintf("python plugin %q (%s): isRenderFinished did not answer within 400ms (deadline); rgallery killed plugin process %d", "HangInFinished", file, pid)
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if proc.Alive(pid) {
		t.Errorf("hung plugin process %d still alive after the deadline", pid)
	}
	wantLog := fmt.Sprintf("rgallery: isRenderFinished did not answer within 400ms (deadline); killed plugin process %d and its process group (pids %d)", pid, pid)
	if !hasLine(host.LogText(), wantLog) {
		t.Errorf("log lacks %q:\n%s", wantLog, host.LogText())
	}
	if got := host.Meta(KeyCleanup); got != strings.TrimPrefix(wantLog, "rgallery: ") {
		t.Errorf("metadata %s = %v", KeyCleanup, got)
	}
	// The renderer stays failed; a stop is a no-op.
	if _, err2 := r.IsRenderFinished(context.Background()); err2 == nil || err2.Error() != want {
		t.Errorf("second poll: %v, want the same error", err2)
	}
	if err := r.StopBackgroundRender(context.Background()); err != nil {
		t.Errorf("stop after failure: %v", err)
	}
}

func TestContextDeadlineNamesTheMethod(t *testing.T) {
	t.Parallel()
	needPython(t)
	r, _, file := startFailing(t, testConfig(t), "HangInFinished")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	pid := r.PID()
	_, err := r.IsRenderFinished(ctx)
	prefix := fmt.Sprintf("python plugin %q (%s): isRenderFinished did not answer within ", "HangInFinished", file)
	suffix := fmt.Sprintf(" (deadline); rgallery killed plugin process %d", pid)
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), suffix) {
		t.Fatalf("error:\n got %v\nwant %s...%s", err, prefix, suffix)
	}
}

func TestOSExitInIsRenderFinished(t *testing.T) {
	t.Parallel()
	needPython(t)
	r, _, file := startFailing(t, testConfig(t), "ExitInFinished")
	pid := r.PID()
	_, err := r.IsRenderFinished(context.Background())
	want := fmt.Sprintf("python plugin %q (%s): isRenderFinished: plugin process %d ended (exit status 3) before answering", "ExitInFinished", file, pid)
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
}

func TestSegfaultInIsRenderFinished(t *testing.T) {
	t.Parallel()
	needPython(t)
	r, _, file := startFailing(t, testConfig(t), "SegfaultInFinished")
	pid := r.PID()
	_, err := r.IsRenderFinished(context.Background())
	want := fmt.Sprintf("python plugin %q (%s): isRenderFinished: plugin process %d ended (killed by signal SIGSEGV) before answering", "SegfaultInFinished", file, pid)
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
}

func TestFloodingPlugin(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	r, host, file := startFailing(t, cfg, "Flood")
	pid := r.PID()
	_, err := r.IsRenderFinished(context.Background())
	want := fmt.Sprintf("python plugin %q (%s): isRenderFinished: plugin process %d flooded its output (more than %d bytes on stdout/stderr); rgallery stopped it", "Flood", file, pid, cfg.LogLimit)
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if proc.Alive(pid) {
		t.Errorf("flooding plugin %d still alive", pid)
	}
	log := host.LogText()
	if !strings.Contains(log, "stdout line 1 of a plugin that never stops talking\n") ||
		!strings.Contains(log, "stderr line 1 of a plugin that never stops talking\n") {
		t.Errorf("log lacks the plugin's first lines:\n%.300s", log)
	}
	wantLog := fmt.Sprintf("rgallery: plugin process %d wrote more than %d bytes to stdout/stderr; dropping the rest and stopping it", pid, cfg.LogLimit)
	if !strings.Contains(log, wantLog) {
		t.Errorf("log lacks %q", wantLog)
	}
	if n := int64(len(log)); n > cfg.LogLimit+4096 {
		t.Errorf("log holds %d bytes, limit %d", n, cfg.LogLimit)
	}
}

func TestChattyPluginStillWorks(t *testing.T) {
	t.Parallel()
	needPython(t)
	r, host, _ := startFailing(t, testConfig(t), "Chatty")
	done, err := pollUntil(t, r, 50, 20*time.Millisecond)
	if err != nil || !done {
		t.Fatalf("IsRenderFinished = %v, %v", done, err)
	}
	if host.Meta("polls") != 5.0 {
		t.Errorf("polls = %v, want 5", host.Meta("polls"))
	}
	if imgs := host.Images(); len(imgs) != 1 || imgs[0] != "/scene.usda" {
		t.Errorf("images = %v", imgs)
	}
	// Output is copied as it comes; after Close all of it is in the log.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	log := host.LogText()
	for _, want := range []string{"poll 1", "poll 5", "render progress {not json at all", `{"jsonrpc": "2.0", "id": 1, "result": true}`} {
		if !hasLine(log, want) {
			t.Errorf("log lacks line %q", want)
		}
	}
}

func TestHangInStopKillsTheGroup(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	cfg.Timeouts.Stop = 400 * time.Millisecond
	r, host, _ := startFailing(t, cfg, "HangInStop")
	pid := r.PID()
	child := int(host.Meta("renderPid").(float64))
	if !proc.Alive(child) {
		t.Fatalf("render program %d not running", child)
	}
	if err := r.StopBackgroundRender(context.Background()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if proc.Alive(pid) || proc.Alive(child) {
		t.Errorf("after a hung stop: plugin %d alive %v, its program %d alive %v", pid, proc.Alive(pid), child, proc.Alive(child))
	}
	wantPrefix := fmt.Sprintf("rgallery: stopBackgroundRender failed (stopBackgroundRender did not answer within 400ms (deadline)); killed plugin process %d and its process group (pids ", pid)
	if !strings.Contains(host.LogText(), wantPrefix) {
		t.Errorf("log lacks %q:\n%s", wantPrefix, host.LogText())
	}
	if got, _ := host.Meta(KeyCleanup).(string); !strings.HasPrefix(got, strings.TrimPrefix(wantPrefix, "rgallery: ")) {
		t.Errorf("metadata %s = %q", KeyCleanup, got)
	}
}

func TestFailureDoesNotTouchOtherRenders(t *testing.T) {
	t.Parallel()
	needPython(t)
	cfg := testConfig(t)
	ps := loadPython(t, cfg, testdata("broken", "failing.py"))
	good := newRender(t, loadPython(t, cfg, testdata("plugins", "multi.py"))["Quick"], newFakeHost(1))
	bad := newRender(t, ps["SegfaultInFinished"], newFakeHost(2))
	ctx := context.Background()
	for _, r := range []*remote{good, bad} {
		if err := r.StartBackgroundRender(ctx, "/s.usda", bgrender.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bad.IsRenderFinished(ctx); err == nil {
		t.Fatal("segfaulting plugin answered")
	}
	done, err := good.IsRenderFinished(ctx)
	if err != nil || !done {
		t.Errorf("the other render: %v, %v", done, err)
	}
}
