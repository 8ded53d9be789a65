package proc

import (
	"context"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// These run on Windows only (no Windows machine in CI): they pin the Job
// Object design of proc_windows.go.

// startTree starts cmd.exe with a child (ping, which waits ~30 s), and
// waits until both are in the job.
func startTree(t *testing.T) *Process {
	t.Helper()
	p, err := Start(exec.Command("cmd.exe", "/c", "ping -n 30 127.0.0.1 >NUL"), Options{SampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill(context.Background()) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids, err := p.Alive()
		if err != nil {
			t.Fatal(err)
		}
		if len(pids) >= 2 && slices.Contains(pids, p.Pid()) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("job members %v, want cmd.exe (%d) and its ping", pids, p.Pid())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A grandchild is in the leader's job (it was started after the leader was
// assigned, as the leader starts suspended), and Kill ends the whole job.
func TestWindowsJobHoldsTheTree(t *testing.T) {
	p := startTree(t)
	pids, _ := p.Alive()
	if got := p.SampleMemory(); got == 0 {
		t.Errorf("working set of the job's processes = 0")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if Alive(pid) {
			t.Errorf("pid %d of the job is alive after Kill", pid)
		}
	}
	if p.PeakRSS() == 0 {
		t.Error("PeakRSS = 0 after exit, want at least PeakJobMemoryUsed")
	}
}

// A signal with no Windows meaning is an error, not silently ignored.
func TestWindowsUnknownSignalRefused(t *testing.T) {
	p := startTree(t)
	if err := p.Signal(0x13 /* SIGSTOP on Linux */); err == nil {
		t.Error("Signal(SIGSTOP-like) gave no error on Windows")
	}
}

// StopStale finds nothing of a job that has been closed.
func TestWindowsStopStaleAfterStop(t *testing.T) {
	p := startTree(t)
	g := p.GroupID()
	if g.Start == 0 {
		t.Fatal("GroupID has no start time")
	}
	if err := p.Kill(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pids, err := StopStale(context.Background(), g, time.Second); err != nil || len(pids) != 0 {
		t.Errorf("StopStale after Kill = %v, %v; want nothing", pids, err)
	}
}
