//go:build linux || darwin

package slurm

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/imageio/exr"
)

// TestRESTRenderAndStop submits, polls and cancels through slurmrestd: one
// render runs to the end and must match the same render done with sbatch
// and squeue; a second is stopped.
func TestRESTRenderAndStop(t *testing.T) {
	needCluster(t)
	scene := benchScene(t, "cornell")
	vp := bgrender.Viewport{ResX: 48, ResY: 27}
	opts := map[string]any{OptTasks: 2, OptSPP: 8, OptMemory: "100M", OptTimeLimit: "10"}
	r1, h1 := start(t, scene, opts, vp)
	if done, err := poll(t, r1, 60*time.Second, nil); !done || err != nil {
		t.Fatalf("CLI render: %v\n%s", err, h1.logText())
	}
	cliImg, err := exr.ReadFile(r1.image)
	if err != nil {
		t.Fatal(err)
	}

	needREST(t)
	r2, h2 := start(t, scene, opts, vp)
	if _, ok := r2.sched.(*restScheduler); !ok {
		t.Fatalf("scheduler %T, want slurmrestd", r2.sched)
	}
	if !strings.Contains(h2.logText(), "submitting through slurmrestd") {
		t.Errorf("log does not say slurmrestd:\n%s", h2.logText())
	}
	if done, err := poll(t, r2, 60*time.Second, nil); !done || err != nil {
		t.Fatalf("REST render: %v\n%s", err, h2.logText())
	}
	restImg, err := exr.ReadFile(r2.image)
	if err != nil {
		t.Fatal(err)
	}
	a, b := cliImg.RGB(), restImg.RGB()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("REST and CLI renders differ at value %d: %v vs %v", i, a[i], b[i])
		}
	}

	r3, h3 := start(t, scene, map[string]any{OptTasks: 2, OptSPP: 4096}, bgrender.Viewport{ResX: 160, ResY: 90})
	if _, err := poll(t, r3, 60*time.Second, func() bool { return !strings.Contains(h3.logText()+getState(h3), "RUNNING 2") }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r3.StopBackgroundRender(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	tasks, _, err := r3.sched.tasks(ctx, r3.st.JobID)
	if err != nil {
		t.Fatal(err)
	}
	for i, ts := range tasks {
		if ts.State != "CANCELLED" {
			t.Errorf("task %d %s after stop through slurmrestd", i, ts.State)
		}
	}
	if left := processesIn(r3.dir); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

func getState(h *testHost) string {
	s, _ := h.get("slurmState").(string)
	return s
}

// TestRESTErrors: no token, and options slurmrestd cannot take.
func TestRESTErrors(t *testing.T) {
	t.Setenv("RGALLERY_SLURMRESTD", "http://127.0.0.1:1")
	t.Setenv("RGALLERY_SLURMRESTD_TOKEN", "")
	t.Setenv("RGALLERY_SLURMRESTD_TOKEN_FILE", "")
	t.Setenv("SLURM_JWT", "")
	r, _ := New(&testHost{})
	err := r.StartBackgroundRender(context.Background(), "x.usda", bgrender.Options{Plugin: map[string]any{OptJobDirRoot: t.TempDir()}})
	want := "RGALLERY_SLURMRESTD is set but there is no token: set RGALLERY_SLURMRESTD_TOKEN, RGALLERY_SLURMRESTD_TOKEN_FILE or SLURM_JWT (scontrol token)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	t.Setenv("RGALLERY_SLURMRESTD_TOKEN", "x")
	rs, err := newREST("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	script := t.TempDir() + "/task.sh"
	os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755)
	_, err = rs.submit(context.Background(), jobSpec{Extra: []string{"--nice=5"}, Script: script})
	if err == nil || err.Error() != "option sbatchArgs: not supported through slurmrestd (RGALLERY_SLURMRESTD is set); unset it to submit with sbatch" {
		t.Errorf("extra args through REST: %v", err)
	}
}

func TestMemoryAndTimeConversion(t *testing.T) {
	for in, want := range map[string]int64{"512": 512, "512M": 512, "2G": 2048, "1T": 1 << 20, "100K": 1, "2048K": 2} {
		if got, err := memoryMB(in); err != nil || got != want {
			t.Errorf("memoryMB(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"30": 30, "1:30": 2, "1:30:00": 90, "2-00:00:00": 2880, "1-2": 1560, "0-0:1:1": 2} {
		if got, ok, err := timeMinutes(in); err != nil || !ok || got != want {
			t.Errorf("timeMinutes(%q) = %d, %v, %v; want %d", in, got, ok, err, want)
		}
	}
	if _, ok, err := timeMinutes("UNLIMITED"); ok || err != nil {
		t.Error("UNLIMITED has a limit")
	}
}
