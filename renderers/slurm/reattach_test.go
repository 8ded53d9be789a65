//go:build linux || darwin

package slurm

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
)

// ownerMain is a gallery owner in its own process: it starts a farm render
// of $RGALLERY_SLURM_TEST_SCENE, prints the snapshot id and waits to be
// killed.
func ownerMain(dir string) int {
	ctx := context.Background()
	g, err := gallery.Open(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	m := bgrender.NewManager(g, nil)
	if err := m.Add(bgrender.Plugin{Label: Label, Kind: "builtin", Factory: New, Schema: Schema()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var opts map[string]any
	_ = json.Unmarshal([]byte(os.Getenv("RGALLERY_SLURM_TEST_OPTIONS")), &opts)
	snap, err := m.Start(ctx, bgrender.Request{Renderer: Label, Scene: os.Getenv("RGALLERY_SLURM_TEST_SCENE"),
		Options: opts, Viewport: bgrender.Viewport{ResX: 160, ResY: 90}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(snap.ID)
	select {}
}

// TestReattachAfterOwnerKilled kills the owner process with SIGKILL while
// the job runs; a new manager re-attaches and the render finishes with
// every sample.
func TestReattachAfterOwnerKilled(t *testing.T) {
	needCluster(t)
	scene := benchScene(t, "cornell")
	gdir := t.TempDir()
	opts, _ := json.Marshal(map[string]any{OptTasks: 2, OptSPP: 96, OptJobDirRoot: t.TempDir()})
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "RGALLERY_SLURM_TEST_OWNER="+gdir, "RGALLERY_SLURM_TEST_SCENE="+scene,
		"RGALLERY_SLURM_TEST_OPTIONS="+string(opts))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("owner: %v", err)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		t.Fatalf("owner printed %q", line)
	}
	ctx := context.Background()
	g, err := gallery.Open(ctx, gdir)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// Kill the owner once the job is running and has shown an image.
	deadline := time.Now().Add(60 * time.Second)
	var snap gallery.Snapshot
	for {
		snap, err = g.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.ImageVersion > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if snap.AttachToken == "" || snap.ImageVersion == 0 || snap.State != gallery.Rendering {
		t.Fatalf("before the kill: state %s, token %q, image version %d", snap.State, snap.AttachToken, snap.ImageVersion)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	if err := syscall.Kill(cmd.Process.Pid, 0); err == nil {
		t.Fatalf("owner pid %d still alive after SIGKILL", cmd.Process.Pid)
	}
	var tok token
	if err := json.Unmarshal([]byte(snap.AttachToken), &tok); err != nil {
		t.Fatalf("token %q: %v", snap.AttachToken, err)
	}
	if recs, err := showJob(ctx, tok.JobID); err != nil || len(recs) == 0 {
		t.Fatalf("job %d after the owner died: %v", tok.JobID, err)
	}

	m := bgrender.NewManager(g, nil)
	if err := m.Add(bgrender.Plugin{Label: Label, Kind: "builtin", Factory: New, Schema: Schema()}); err != nil {
		t.Fatal(err)
	}
	if err := m.Reattach(ctx); err != nil {
		t.Fatalf("reattach: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	snap, err = m.Wait(wctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if snap.State != gallery.Finished {
		t.Fatalf("after re-attach: state %s (%s)", snap.State, snap.Error)
	}
	if p := snap.Stats.PercentDone; p == nil || *p != 100 {
		t.Errorf("percentDone %v, want 100", p)
	}
	if got, _ := snap.Metadata["samplesDone"].(float64); got != 160*90*96 {
		t.Errorf("samplesDone %v, want %d", got, 160*90*96)
	}
}
