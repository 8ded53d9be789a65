//go:build linux || darwin

package slurm

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/render"
)

// fakeSched answers from a fixed task table, for the states a one-node
// cluster cannot produce on demand (purged records).
type fakeSched struct {
	table  map[int]taskState
	listed bool
}

func (f *fakeSched) submit(context.Context, jobSpec) (int64, error) { return 1, nil }
func (f *fakeSched) tasks(context.Context, int64) (map[int]taskState, bool, error) {
	out := map[int]taskState{}
	for k, v := range f.table {
		out[k] = v
	}
	return out, len(out) > 0, nil
}
func (f *fakeSched) known(context.Context, int64) (bool, error)   { return f.listed, nil }
func (f *fakeSched) cancel(context.Context, int64) error          { return nil }
func (f *fakeSched) partitions(context.Context) ([]string, error) { return []string{"debug"}, nil }

// writeFilm writes task i's film with n samples in every pixel of a 4x4 image.
func writeFilm(t *testing.T, dir string, i, n int) {
	f := render.NewFilm(4, 4)
	for s := 0; s < n; s++ {
		for y := 0; y < 4; y++ {
			for x := 0; x < 4; x++ {
				f.Add(x, y, render.Vec3{X: 0.5, Y: 0.25, Z: float64(i)})
			}
		}
	}
	var buf bytes.Buffer
	f.WriteTo(&buf)
	if err := os.WriteFile(filmPath(dir, i), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fakeRenderer(t *testing.T, fs *fakeSched) *Renderer {
	dir := t.TempDir()
	r := &Renderer{host: &testHost{}, dir: dir, sched: fs,
		st: jobState{JobID: 1, Tasks: 2, SPP: 4, Submitted: time.Now()}}
	r.attach()
	return r
}

func TestPurgedTasks(t *testing.T) {
	completed := taskState{Task: 1, State: "COMPLETED"}
	running := taskState{Task: 1, State: "RUNNING"}

	// Task 0's record is purged but its film holds samples 0..2: completed.
	fs := &fakeSched{table: map[int]taskState{1: completed}, listed: true}
	r := fakeRenderer(t, fs)
	writeFilm(t, r.dir, 0, 2)
	writeFilm(t, r.dir, 1, 2)
	if done, err := r.IsRenderFinished(context.Background()); !done || err != nil {
		t.Fatalf("purged task with a complete film: done=%v err=%v", done, err)
	}

	// Task 0 purged with half its samples while task 1 runs: wait.
	fs = &fakeSched{table: map[int]taskState{1: running}, listed: true}
	r = fakeRenderer(t, fs)
	writeFilm(t, r.dir, 0, 1)
	if done, err := r.IsRenderFinished(context.Background()); done || err != nil {
		t.Fatalf("while task 1 runs: done=%v err=%v", done, err)
	}
	// ... and once task 1 has ended too, the job has vanished.
	fs.table[1] = completed
	writeFilm(t, r.dir, 1, 2)
	r.lastQueue = time.Time{} // read the queue now, not after QueueInterval
	done, err := r.IsRenderFinished(context.Background())
	if done || err == nil || !strings.HasPrefix(err.Error(), "slurm job 1 vanished from the queue (tasks 0 not listed by squeue or scontrol) with 48 of 64 samples rendered") {
		t.Fatalf("done=%v err=%v", done, err)
	}

	// Nothing listed but the controller still knows the job: wait.
	fs = &fakeSched{listed: true}
	r = fakeRenderer(t, fs)
	if done, err := r.IsRenderFinished(context.Background()); done || err != nil {
		t.Fatalf("known job with no records: done=%v err=%v", done, err)
	}
}

// TestFailureWhileOthersPurged: a failed task is reported even while the
// record of another task is gone.
func TestFailureWhileOthersPurged(t *testing.T) {
	fs := &fakeSched{table: map[int]taskState{1: {Task: 1, State: "NODE_FAIL", Reason: "NodeDown", ExitCode: 0}}}
	r := fakeRenderer(t, fs)
	_, err := r.IsRenderFinished(context.Background())
	want := "slurm task 1 (job 1_1) ended NODE_FAIL, exit code 0:0, reason NodeDown"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}
