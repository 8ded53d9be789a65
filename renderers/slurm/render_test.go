//go:build linux || darwin

package slurm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio/exr"
)

// TestMergeEqualsOneTask renders the same samples as one task and as four
// and compares the merged images bit for bit.
func TestMergeEqualsOneTask(t *testing.T) {
	needCluster(t)
	scene := benchScene(t, "cornell")
	vp := bgrender.Viewport{ResX: 64, ResY: 36}
	images := map[int]*exr.Image{}
	for _, n := range []int{1, 4} {
		r, h := start(t, scene, map[string]any{OptTasks: n, OptSPP: 16, OptSeed: 7}, vp)
		done, err := poll(t, r, 60*time.Second, nil)
		if err != nil || !done {
			t.Fatalf("tasks=%d: done=%v err=%v\nlog:\n%s", n, done, err, h.logText())
		}
		if p := h.get(bgrender.KeyPercentDone); p != 100.0 {
			t.Errorf("tasks=%d: percentDone %v, want 100", n, p)
		}
		if got, want := h.get("samplesDone"), int64(64*36*16); got != want {
			t.Errorf("tasks=%d: samplesDone %v, want %d", n, got, want)
		}
		if pm, _ := h.get(bgrender.KeyPeakMemory).(int64); pm <= 0 {
			t.Errorf("tasks=%d: peakMemory %v, want > 0", n, h.get(bgrender.KeyPeakMemory))
		}
		img, err := exr.ReadFile(r.image)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(strings.TrimSuffix(r.image, ".exr") + ".png"); err != nil {
			t.Errorf("tasks=%d: no PNG preview beside the EXR: %v", n, err)
		}
		images[n] = img
	}
	a, b := images[1], images[4]
	if a.Width != b.Width || a.Height != b.Height || a.Width != 64 || a.Height != 36 {
		t.Fatalf("sizes %dx%d and %dx%d, want 64x36", a.Width, a.Height, b.Width, b.Height)
	}
	ra, rb := a.RGB(), b.RGB()
	diff, nonzero := 0, 0
	for i := range ra {
		if ra[i] != rb[i] {
			diff++
		}
		if ra[i] > 0 {
			nonzero++
		}
	}
	if diff != 0 {
		t.Errorf("%d of %d channel values differ between 1 and 4 tasks", diff, len(ra))
	}
	if nonzero < len(ra)/4 {
		t.Errorf("only %d of %d channel values are lit: the scene did not render", nonzero, len(ra))
	}
	// The AOV layers (on by default in the tasks) merge exactly too.
	if strings.Join(a.Channels, " ") != strings.Join(b.Channels, " ") || !slices.Contains(a.Channels, "albedo.R") || !slices.Contains(a.Channels, "diffuse_indirect.G") {
		t.Fatalf("channels %v and %v: want the same, with the AOV layers", a.Channels, b.Channels)
	}
	diff = 0
	for i := range a.Pix {
		if math.Float32bits(a.Pix[i]) != math.Float32bits(b.Pix[i]) {
			diff++
		}
	}
	if diff != 0 {
		t.Errorf("%d of %d values of all layers differ between 1 and 4 tasks", diff, len(a.Pix))
	}
}

// TestProgressiveUpdates checks that merged images and growing
// percentDone arrive while tasks still run.
func TestProgressiveUpdates(t *testing.T) {
	needCluster(t)
	scene := benchScene(t, "cornell")
	ps, err := partitions(context.Background())
	if err != nil || len(ps) == 0 {
		t.Fatalf("partitions: %v %v", ps, err)
	}
	// The Slurm options must reach the job.
	// Enough samples that the job runs through several queue polls (1/s).
	r, h := start(t, scene, map[string]any{OptTasks: 2, OptSPP: 512, OptPartition: ps[0], OptMemory: "200M",
		OptTimeLimit: "30", OptSbatchArgs: "--nice=10 --comment=rgallery-test"}, bgrender.Viewport{ResX: 160, ResY: 90})
	recs, err := showJob(context.Background(), r.st.JobID)
	if err != nil || len(recs) == 0 {
		t.Fatalf("scontrol: %v", err)
	}
	for k, v := range map[string]string{"Partition": ps[0], "TimeLimit": "00:30:00", "MinMemoryNode": "200M",
		"Nice": "10", "Comment": "rgallery-test", "JobName": "rgallery-42", "CPUs/Task": "1"} {
		if recs[0][k] != v {
			t.Errorf("scontrol %s = %q, want %q", k, recs[0][k], v)
		}
	}
	var partial []float64
	sawRunning := false
	done, err := poll(t, r, 90*time.Second, func() bool {
		if strings.Contains(fmt.Sprint(h.get("slurmState")), "RUNNING") {
			sawRunning = true
		}
		if p, ok := h.get(bgrender.KeyPercentDone).(float64); ok && p > 0 && p < 100 {
			if len(partial) == 0 || partial[len(partial)-1] != p {
				partial = append(partial, p)
			}
		}
		return true
	})
	if err != nil || !done {
		t.Fatalf("done=%v err=%v\nlog:\n%s", done, err, h.logText())
	}
	if !sawRunning {
		t.Error("slurmState never showed RUNNING tasks")
	}
	if len(partial) < 2 {
		t.Errorf("partial percentDone values %v: want at least two progressive updates before the end", partial)
	}
	for i := 1; i < len(partial); i++ {
		if partial[i] < partial[i-1] {
			t.Errorf("percentDone went backwards: %v", partial)
		}
	}
	h.mu.Lock()
	images := h.images
	h.mu.Unlock()
	if images < 3 {
		t.Errorf("%d image updates, want several", images)
	}
	if tc, _ := h.get(bgrender.KeyTotalClockTime).(float64); tc <= 0 {
		t.Errorf("totalClockTime %v", h.get(bgrender.KeyTotalClockTime))
	}
}

// TestStopCancelsAndWaits stops a long render once it shows an image and
// checks with scontrol that every task has ended and no worker is left.
func TestStopCancelsAndWaits(t *testing.T) {
	needCluster(t)
	scene := benchScene(t, "cornell")
	r, h := start(t, scene, map[string]any{OptTasks: 3, OptSPP: 4096}, bgrender.Viewport{ResX: 160, ResY: 90})
	_, err := poll(t, r, 60*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.images == 0
	})
	if err != nil {
		t.Fatalf("before stop: %v\n%s", err, h.logText())
	}
	if len(processesIn(r.dir)) == 0 {
		t.Fatal("no worker process runs before the stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatalf("stop: %v\n%s", err, h.logText())
	}
	recs, err := showJob(ctx, r.st.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("scontrol shows no record of the job")
	}
	for _, rec := range recs {
		if rec["JobState"] != "CANCELLED" {
			t.Errorf("scontrol: job %s task %s is %s after stop, want CANCELLED", rec["JobId"], rec["ArrayTaskId"], rec["JobState"])
		}
	}
	if left := processesIn(r.dir); len(left) > 0 {
		t.Errorf("processes of the job still alive after stop: %v", left)
	}
	if _, err := os.Stat(r.image); err != nil {
		t.Errorf("the image rendered before the stop is gone: %v", err)
	}
}

// TestFailingTask makes task 1 exit 3 and expects the render to fail with
// Slurm's state and reason and the task's message, the other tasks cancelled.
func TestFailingTask(t *testing.T) {
	needCluster(t)
	t.Setenv("RGALLERY_SLURM_TEST_FAIL_TASK", "1")
	scene := benchScene(t, "cornell")
	r, h := start(t, scene, map[string]any{OptTasks: 2, OptSPP: 4096}, bgrender.Viewport{ResX: 160, ResY: 90})
	_, err := poll(t, r, 60*time.Second, nil)
	if err == nil {
		t.Fatal("render with a failing task did not fail")
	}
	want := fmt.Sprintf("slurm task 1 (job %d_1) ended FAILED, exit code 3:0, reason NonZeroExitCode: injected failure in task 1", r.st.JobID)
	if err.Error() != want {
		t.Errorf("error\n got %q\nwant %q", err, want)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recs, err := showJob(ctx, r.st.JobID)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		want := "CANCELLED"
		if rec["ArrayTaskId"] == "1" {
			want = "FAILED"
		}
		if rec["JobState"] != want {
			t.Errorf("task %s: %s, want %s", rec["ArrayTaskId"], rec["JobState"], want)
		}
	}
	if left := processesIn(r.dir); len(left) > 0 {
		t.Errorf("processes of the job still alive: %v", left)
	}
	_ = h
}

// TestBadOptions checks the exact errors for options that must be refused
// before anything is submitted.
func TestBadOptions(t *testing.T) {
	root := t.TempDir()
	cases := []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{OptSbatchArgs: "--comment=x;rm -rf /"}, `option sbatchArgs: argument "--comment=x;rm" refused: want --name or --name=value with letters, digits and _ . , : + @ % / = - only`},
		{map[string]any{OptSbatchArgs: "--comment=$(reboot)"}, `option sbatchArgs: argument "--comment=$(reboot)" refused: want --name or --name=value with letters, digits and _ . , : + @ % / = - only`},
		{map[string]any{OptSbatchArgs: "--qos=normal `id`"}, "option sbatchArgs: argument \"`id`\" refused: want --name or --name=value with letters, digits and _ . , : + @ % / = - only"},
		{map[string]any{OptSbatchArgs: "--wrap=reboot"}, `option sbatchArgs: argument "--wrap=reboot" refused: --wrap is set by the renderer or changes what the job runs`},
		{map[string]any{OptSbatchArgs: "--output=/etc/passwd"}, `option sbatchArgs: argument "--output=/etc/passwd" refused: --output is set by the renderer or changes what the job runs`},
		{map[string]any{OptSbatchArgs: "-o /etc/passwd"}, `option sbatchArgs: argument "-o" refused: want --name or --name=value with letters, digits and _ . , : + @ % / = - only`},
		{map[string]any{OptPartition: "debug;reboot"}, `option partition = "debug;reboot": want a partition name (letters, digits, _ . -)`},
		{map[string]any{OptPartition: "--uid=0"}, `option partition = "--uid=0": want a partition name (letters, digits, _ . -)`},
		{map[string]any{OptMemory: "2G && reboot"}, `option memory = "2G && reboot": want a size like 512M or 2G`},
		{map[string]any{OptTimeLimit: "1h"}, `option timeLimit = "1h": want minutes, MM:SS, HH:MM:SS or D-HH:MM:SS`},
		{map[string]any{OptTasks: 0}, `option tasks = 0: out of range [1, 1000]`},
		{map[string]any{OptTasks: 2.5}, `option tasks = 2.5: want an integer`},
		{map[string]any{OptTasks: 8, OptSPP: 4}, `option tasks = 8: more tasks than samples per pixel (4); every task needs at least one sample`},
		{map[string]any{OptJobDirRoot: "relative/dir"}, `option jobDirRoot = "relative/dir": want an absolute path the nodes can reach`},
		{map[string]any{OptWorkerBin: "rgallery"}, `option workerBinary = "rgallery": want an absolute path`},
	}
	for _, c := range cases {
		opts := map[string]any{OptJobDirRoot: root}
		for k, v := range c.opts {
			opts[k] = v
		}
		r, _ := New(&testHost{})
		err := r.StartBackgroundRender(context.Background(), "scene.usda", bgrender.Options{Plugin: opts})
		if err == nil || err.Error() != c.want {
			t.Errorf("%v:\n got %v\nwant %s", c.opts, err, c.want)
		}
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("refused options left job dirs behind: %v", ents)
	}
	// Accepted: plain extra arguments reach sbatch as argv.
	c, err := parseConfig(map[string]any{OptSbatchArgs: " --nice=10  --comment=rgallery:shot_010 ", OptJobDirRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Extra, "|"); got != "--nice=10|--comment=rgallery:shot_010" {
		t.Errorf("extra args %q", got)
	}
}

// TestUnknownPartition asks the real cluster.
func TestUnknownPartition(t *testing.T) {
	needCluster(t)
	ps, err := partitions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	r, _ := New(&testHost{})
	err = r.StartBackgroundRender(context.Background(), benchScene(t, "cornell"),
		bgrender.Options{Plugin: map[string]any{OptPartition: "nosuchpart", OptJobDirRoot: root}})
	want := fmt.Sprintf(`option partition = "nosuchpart": no such partition on the cluster (partitions: %s)`, strings.Join(ps, ", "))
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("job dir left behind: %v", ents)
	}
}

// TestClickWritesFocus checks the focus file the task script reads.
func TestClickWritesFocus(t *testing.T) {
	r := &Renderer{host: &testHost{}, dir: t.TempDir()}
	if err := r.MouseClick(context.Background(), 0.25, 0.75); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "focus"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[1] != "0.25" || f[2] != "0.75" {
		t.Errorf("focus file %q, want \"SEQ 0.25 0.75\"", b)
	}
	first := f[0]
	_ = r.MouseClick(context.Background(), 0.25, 0.75)
	b, _ = os.ReadFile(filepath.Join(r.dir, "focus"))
	if strings.Fields(string(b))[0] == first {
		t.Error("a second click at the same point did not change the focus file (the task script would ignore it)")
	}
	if err := (&Renderer{host: &testHost{}}).MouseClick(context.Background(), 0, 0); err == nil || !errors.Is(err, err) {
		t.Error("click without a job succeeded")
	}
}

// TestClickReachesWorkers clicks on a running farm render and checks that
// every running task's worker received the focus command on its stdin.
func TestClickReachesWorkers(t *testing.T) {
	needCluster(t)
	rec := t.TempDir()
	t.Setenv("RGALLERY_SLURM_TEST_RECORD_STDIN", rec)
	r, h := start(t, benchScene(t, "cornell"), map[string]any{OptTasks: 2, OptSPP: 4096}, bgrender.Viewport{ResX: 160, ResY: 90})
	_, err := poll(t, r, 60*time.Second, func() bool {
		return !strings.Contains(fmt.Sprint(h.get("slurmState")), "RUNNING 2")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.MouseClick(context.Background(), 0.25, 0.75); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for task := 0; task < 2; task++ {
		p := filepath.Join(rec, fmt.Sprintf("stdin-%d.log", task))
		for {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), "focus 0.25 0.75\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("task %d: no focus command after 10 s; stdin so far %q", task, b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.StopBackgroundRender(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestVanishedJob re-attaches to a job id slurmctld has never heard of (as
// after a purge or a cold restart of the controller): the render must fail
// saying so, not wait forever.
func TestVanishedJob(t *testing.T) {
	needCluster(t)
	dir := t.TempDir()
	const job = 987654321
	if err := writeState(dir, jobState{JobID: job, Tasks: 2, SPP: 8, Submitted: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h := &testHost{}
	rr, _ := New(h)
	r := rr.(*Renderer)
	tok := fmt.Sprintf(`{"jobId":%d,"dir":%q}`, job, dir)
	if err := r.Reattach(context.Background(), tok, bgrender.Options{}); err != nil {
		t.Fatal(err)
	}
	done, err := r.IsRenderFinished(context.Background())
	want := fmt.Sprintf("slurm job %d vanished from the queue (tasks 0,1 not listed by squeue or scontrol) with 0 of 0 samples rendered", job)
	if done || err == nil || err.Error() != want {
		t.Fatalf("done=%v err=%v, want %s", done, err, want)
	}
	if err := r.Reattach(context.Background(), `{"jobId":5,"dir":"`+dir+`"}`, bgrender.Options{}); err == nil ||
		err.Error() != fmt.Sprintf("slurm: attach token names job 5 but %s holds job %d", dir, job) {
		t.Errorf("mismatched token: %v", err)
	}
}

// TestTaskCancelledElsewhere cancels one task behind the renderer's back
// (as an admin or a preemption would): the render fails with Slurm's state.
func TestTaskCancelledElsewhere(t *testing.T) {
	needCluster(t)
	r, h := start(t, benchScene(t, "cornell"), map[string]any{OptTasks: 2, OptSPP: 4096}, bgrender.Viewport{ResX: 160, ResY: 90})
	// Wait for both tasks to run and for an image, so the workers are past
	// their start and handle SIGTERM.
	_, err := poll(t, r, 60*time.Second, func() bool {
		h.mu.Lock()
		imgs := h.images
		h.mu.Unlock()
		return !strings.Contains(getState(h), "RUNNING 2") || imgs == 0
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(context.Background(), "scancel", fmt.Sprintf("%d_0", r.st.JobID)); err != nil {
		t.Fatal(err)
	}
	_, err = poll(t, r, 60*time.Second, nil)
	want := fmt.Sprintf("slurm task 0 (job %d_0) ended CANCELLED, exit code ", r.st.JobID)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v\nwant prefix %s", err, want)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.dir); err != nil {
		t.Errorf("the job dir of a failed render was not kept: %v", err)
	}
}

// TestVanishedButComplete re-attaches to a job dir whose films are
// complete while the queue has forgotten the job: that is a finished
// render, not a failure.
func TestVanishedButComplete(t *testing.T) {
	needCluster(t)
	r, h := start(t, benchScene(t, "cornell"), map[string]any{OptTasks: 2, OptSPP: 4}, bgrender.Viewport{ResX: 16, ResY: 9})
	if done, err := poll(t, r, 60*time.Second, nil); !done || err != nil {
		t.Fatalf("%v\n%s", err, h.logText())
	}
	st := r.st
	st.JobID = 987654322 // a job slurmctld never had
	if err := writeState(r.dir, st); err != nil {
		t.Fatal(err)
	}
	h2 := &testHost{}
	rr, _ := New(h2)
	r2 := rr.(*Renderer)
	if err := r2.Reattach(context.Background(), fmt.Sprintf(`{"jobId":%d,"dir":%q}`, st.JobID, r.dir), bgrender.Options{}); err != nil {
		t.Fatal(err)
	}
	done, err := r2.IsRenderFinished(context.Background())
	if !done || err != nil {
		t.Fatalf("done=%v err=%v", done, err)
	}
	if p := h2.get(bgrender.KeyPercentDone); p != 100.0 {
		t.Errorf("percentDone %v", p)
	}
}
