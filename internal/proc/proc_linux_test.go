package proc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/unix"
)

// The test binary doubles as a helper process: with PROC_TEST_HELPER set it
// allocates and touches that many MiB, prints "ready", and sleeps.
func TestMain(m *testing.M) {
	if v := os.Getenv("PROC_TEST_HELPER_MIB"); v != "" {
		mib, _ := strconv.Atoi(v)
		buf := make([]byte, mib<<20)
		for i := range buf {
			buf[i] = byte(i)
		}
		fmt.Println("ready")
		if os.Getenv("PROC_TEST_HELPER_EXIT") != "" {
			os.Exit(int(buf[len(buf)/2]) & 0)
		}
		time.Sleep(time.Minute)
		fmt.Println(buf[len(buf)/2])
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pidRecorder collects the numbers printed by a test script, one per line.
type pidRecorder struct {
	mu   sync.Mutex
	pids []int
	seen chan struct{}
	want int
}

func newPidRecorder(want int) *pidRecorder {
	return &pidRecorder{seen: make(chan struct{}), want: want}
}

func (r *pidRecorder) onLine(line string) {
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pids = append(r.pids, pid)
	if len(r.pids) == r.want {
		close(r.seen)
	}
}

func (r *pidRecorder) wait(t *testing.T) []int {
	t.Helper()
	select {
	case <-r.seen:
	case <-time.After(20 * time.Second):
		t.Fatalf("script did not print %d pids", r.want)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.pids...)
}

func start(t *testing.T, opts Options, name string, args ...string) *Process {
	t.Helper()
	p, err := Start(exec.Command(name, args...), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Kill(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return p
}

func assertGone(t *testing.T, p *Process, pids ...int) {
	t.Helper()
	for _, pid := range append([]int{p.Pid()}, pids...) {
		if Alive(pid) {
			st, _ := readStat(pid)
			t.Errorf("pid %d still alive after stop (state %c, pgrp %d)", pid, st.state, st.pgrp)
		}
	}
	alive, err := GroupMembers(p.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if len(alive) != 0 {
		t.Errorf("group %d still has live members %v", p.Pid(), alive)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestExitStatusAndTail(t *testing.T) {
	var log bytes.Buffer
	p := start(t, Options{Log: &log, TailLines: 2}, "sh", "-c", "echo one; echo two >&2; echo three; printf four; exit 3")
	st, err := p.Wait(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Code != 3 || st.Signal != 0 || st.Success() || st.String() != "exit status 3" {
		t.Errorf("status = %+v %q, want exit status 3", st, st)
	}
	if got, want := p.Tail(), []string{"two", "three", "four"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tail = %q, want %q", got, want)
	}
	if got, want := log.String(), "one\ntwo\nthree\nfour"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
	if got, ok := p.Status(); !ok || got != st {
		t.Errorf("Status() = %v, %v; want %v, true", got, ok, st)
	}
}

func TestKilledBySignal(t *testing.T) {
	p := start(t, Options{}, "sh", "-c", "kill -KILL $$")
	st, err := p.Wait(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Signal != syscall.SIGKILL || st.Code != -1 || st.String() != "killed by signal SIGKILL" {
		t.Errorf("status = %+v %q, want killed by signal SIGKILL", st, st)
	}
}

func TestCommandNotFound(t *testing.T) {
	_, err := Start(exec.Command("rgallery-no-such-command"), Options{})
	want := `start rgallery-no-such-command: exec: "rgallery-no-such-command": executable file not found in $PATH`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestSetsidRefused(t *testing.T) {
	cmd := exec.Command("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	_, err := Start(cmd, Options{})
	if err == nil || !strings.Contains(err.Error(), "Setsid is not supported") {
		t.Errorf("err = %v, want Setsid refused", err)
	}
}

func TestOwnProcessGroup(t *testing.T) {
	rec := newPidRecorder(1)
	p := start(t, Options{OnLine: rec.onLine}, "sh", "-c", "sleep 60 & echo $!; wait")
	child := rec.wait(t)[0]
	for _, pid := range []int{p.Pid(), child} {
		st, err := readStat(pid)
		if err != nil {
			t.Fatal(err)
		}
		if st.pgrp != p.Pid() {
			t.Errorf("pid %d in group %d, want %d", pid, st.pgrp, p.Pid())
		}
	}
	if st, _ := readStat(os.Getpid()); st.pgrp == p.Pid() {
		t.Errorf("test process is in the child's group")
	}
}

func TestStopGraceful(t *testing.T) {
	rec := newPidRecorder(1)
	p := start(t, Options{OnLine: rec.onLine}, "sh", "-c", "sleep 60 & echo $!; wait")
	child := rec.wait(t)[0]
	if err := p.Stop(ctxT(t), 20*time.Second); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p, child)
	st, _ := p.Status()
	if st.String() != "killed by signal SIGTERM" {
		t.Errorf("status %q, want killed by signal SIGTERM", st)
	}
}

// The leader and its grandchildren ignore SIGTERM (an ignored signal stays
// ignored across fork and exec); Stop must fall back to SIGKILL and leave
// nothing behind.
func TestStopEscalatesToKill(t *testing.T) {
	rec := newPidRecorder(3)
	script := `trap "" TERM
(sleep 60 & echo $!; sleep 60 & echo $!; wait) &
echo $!
wait`
	p := start(t, Options{OnLine: rec.onLine}, "sh", "-c", script)
	pids := rec.wait(t)
	if err := p.Stop(ctxT(t), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p, pids...)
	st, _ := p.Status()
	if st.Signal != syscall.SIGKILL {
		t.Errorf("status %q, want killed by SIGKILL", st)
	}
}

// A stopped (SIGSTOP) process cannot act on SIGTERM until continued.
func TestStopStoppedProcess(t *testing.T) {
	p := start(t, Options{}, "sleep", "60")
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctxT(t), 20*time.Second); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p)
	if st, _ := p.Status(); st.Signal != syscall.SIGTERM {
		t.Errorf("status %q, want killed by signal SIGTERM", st)
	}
}

// The leader exits but leaves an orphan in its group that holds the output
// pipe: the leader's status is known at once, and Stop removes the orphan.
func TestOrphanLeftInGroup(t *testing.T) {
	rec := newPidRecorder(1)
	p := start(t, Options{OnLine: rec.onLine}, "sh", "-c", "sleep 60 & echo $!; exit 0")
	orphan := rec.wait(t)[0]
	select {
	case <-p.Exited():
	case <-time.After(20 * time.Second):
		t.Fatal("leader did not exit")
	}
	if st, _ := p.Status(); !st.Success() {
		t.Errorf("status %q, want exit status 0", st)
	}
	alive, err := p.Alive()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alive, []int{orphan}) {
		t.Fatalf("alive = %v, want [%d]", alive, orphan)
	}
	if err := p.Stop(ctxT(t), time.Second); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p, orphan)
	// Output is drained: Wait returns at once.
	if _, err := p.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestStopAfterExitIsNoop(t *testing.T) {
	p := start(t, Options{}, "true")
	if _, err := p.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctxT(t), time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("signal after stop: %v", err)
	}
}

func TestStopDeadline(t *testing.T) {
	// No unkillable process can be made here; instead the context is done
	// before Stop starts, so Stop may only succeed if the kill was quick
	// enough, and must otherwise name the pid it left alive.
	p := start(t, Options{}, "sleep", "60")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.Stop(ctx, 0)
	alive := fmt.Sprintf("stop process group %d: still alive [%d]: context canceled", p.Pid(), p.Pid())
	reap := fmt.Sprintf("stop process group %d: leader not reaped: context canceled", p.Pid())
	if err != nil && err.Error() != alive && err.Error() != reap {
		t.Errorf("err = %v, want %q or %q", err, alive, reap)
	}
	if err := p.Stop(ctxT(t), 0); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p)
}

// RSS is summed over the whole tree: two helpers of 40 MiB each under a
// shell give more than 80 MiB.
func TestPeakRSSOfTree(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	cmd := exec.Command("sh", "-c", `"$0" & "$0" & wait`, exe)
	cmd.Env = append(os.Environ(), "PROC_TEST_HELPER_MIB=40")
	p, err := Start(cmd, Options{SampleInterval: -1, OnLine: func(l string) { lines <- l }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill(context.Background())
	for range 2 {
		select {
		case l := <-lines:
			if l != "ready" {
				t.Fatalf("helper said %q", l)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("helpers not ready")
		}
	}
	tree := Descendants(p.Pid())
	if len(tree) != 3 {
		t.Errorf("tree = %v, want the shell and two helpers", tree)
	}
	rss := p.SampleMemory()
	if rss < 80<<20 {
		t.Errorf("summed RSS = %d bytes, want at least 80 MiB", rss)
	}
	if got := p.mem.pids(); !reflect.DeepEqual(got, sorted(tree)) {
		t.Errorf("sampler counts %v, want the tree %v", got, tree)
	}
	// Cross-check with gopsutil, an independent reader of /proc: the
	// helpers are idle, so the two sums agree within a few pages.
	var ref uint64
	for _, pid := range tree {
		mi, err := (&process.Process{Pid: int32(pid)}).MemoryInfo()
		if err != nil {
			t.Fatal(err)
		}
		ref += mi.RSS
	}
	if diff := int64(rss) - int64(ref); diff > 1<<20 || diff < -1<<20 {
		t.Errorf("sampled RSS %d, gopsutil says %d", rss, ref)
	}
	if p.PeakRSS() != rss || p.RSS() != rss {
		t.Errorf("peak %d, last %d; want both %d", p.PeakRSS(), p.RSS(), rss)
	}
	if err := p.Kill(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p, tree...)
	if p.PeakRSS() != rss {
		t.Errorf("peak changed after exit: %d, want %d", p.PeakRSS(), rss)
	}
}

func TestTail(t *testing.T) {
	var got []string
	tl := NewTail(3, func(l string) { got = append(got, l) })
	for _, chunk := range []string{"a\nb", "b\r\n\nc\n", "progress 1%\rprogress 2%\r", "x"} {
		tl.Write([]byte(chunk))
	}
	if want := []string{"a", "bb", "c", "progress 1%", "progress 2%"}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
	if want := []string{"c", "progress 1%", "progress 2%", "x"}; !reflect.DeepEqual(tl.Lines(), want) {
		t.Errorf("tail = %q, want %q", tl.Lines(), want)
	}
	long := NewTail(1, nil)
	long.Write(bytes.Repeat([]byte("y"), 3*maxLineBytes))
	long.Write([]byte("\n"))
	if l := long.Lines(); len(l) != 1 || len(l[0]) != maxLineBytes {
		t.Errorf("long line kept as %d bytes, want %d", len(l[0]), maxLineBytes)
	}
}

func TestParseStat(t *testing.T) {
	st, err := parseStat([]byte("4242 (a (weird) name) S 1 4240 4240 0 -1 4194560"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (procStat{pid: 4242, state: 'S', ppid: 1, pgrp: 4240}); st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	for _, bad := range []string{"", "4242 no parens", "x (sh) S 1 2", "42 (sh) S one 2"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

// BenchmarkSample measures one RSS sample of a Go child (several threads),
// with and without walking the tree.
func BenchmarkSample(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PROC_TEST_HELPER_MIB=1")
	ready := make(chan string, 1)
	p, err := Start(cmd, Options{SampleInterval: -1, OnLine: func(l string) { ready <- l }})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Kill(context.Background())
	<-ready
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			p.sample(true)
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			p.sample(false)
		}
	})
	b.Run("descendants", func(b *testing.B) {
		for b.Loop() {
			Descendants(p.Pid())
		}
	})
}

func sorted(a []int) []int {
	b := slices.Clone(a)
	slices.Sort(b)
	return b
}

// The owner died: its render's leader was killed (as Pdeathsig does) and an
// orphan of the group lives on. A later process stops it by GroupID.
func TestStopStale(t *testing.T) {
	rec := newPidRecorder(1)
	p := start(t, Options{OnLine: rec.onLine}, "sh", "-c", "trap '' TERM; sleep 600 & echo $!; wait")
	orphan := rec.wait(t)[0]
	id := p.GroupID()
	if id.Pgid != p.Pid() || id.Start == 0 {
		t.Fatalf("GroupID = %+v", id)
	}
	back, err := ParseGroupID(id.String())
	if err != nil || back != id {
		t.Fatalf("ParseGroupID(%q) = %+v, %v", id.String(), back, err)
	}

	// A wrong start time while the leader lives means "not ours".
	pids, err := StopStale(ctxT(t), GroupID{Pgid: id.Pgid, Start: id.Start + 1}, 0)
	if err != nil || pids != nil || !Alive(orphan) || !Alive(p.Pid()) {
		t.Fatalf("StopStale with a foreign start time: %v, %v; orphan alive %v", pids, err, Alive(orphan))
	}

	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if !Alive(orphan) {
		t.Fatal("orphan died with its leader; the test needs it alive")
	}
	pids, err = StopStale(ctxT(t), id, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pids, []int{orphan}) {
		t.Errorf("signalled %v, want [%d]", pids, orphan)
	}
	if Alive(orphan) {
		t.Errorf("orphan %d alive after StopStale", orphan)
	}
	if pids, err := StopStale(ctxT(t), id, 0); err != nil || pids != nil {
		t.Errorf("second StopStale: %v, %v", pids, err)
	}
	for _, bad := range []string{"", "12", "x:1", "1:2", "5:-1"} {
		if _, err := ParseGroupID(bad); err == nil {
			t.Errorf("ParseGroupID(%q) succeeded", bad)
		}
	}
}

// A descendant that moved to a session of its own (setsid) while its parent
// is alive is stopped with the group.
func TestStopEscapedDescendant(t *testing.T) {
	rec := newPidRecorder(1)
	p := start(t, Options{OnLine: rec.onLine}, "sh", "-c", "setsid sleep 600 & echo $!; wait")
	escaped := rec.wait(t)[0]
	// setsid runs as the child and then execs sleep; wait until it has
	// its own group.
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := readStat(escaped)
		if err != nil {
			t.Fatal(err)
		}
		if st.pgrp == escaped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never left the group (pgrp %d)", escaped, st.pgrp)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Stop(ctxT(t), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p, escaped)
}

func TestLogLimit(t *testing.T) {
	var log bytes.Buffer
	p := start(t, Options{Log: &log, LogLimit: 10}, "sh", "-c", "echo 0123456789abcdef; echo last")
	if _, err := p.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if want := "0123456789\n[output cut after 10 bytes; the rest is not logged]\n"; log.String() != want {
		t.Errorf("log = %q, want %q", log.String(), want)
	}
	if got := p.Tail(); !reflect.DeepEqual(got, []string{"0123456789abcdef", "last"}) {
		t.Errorf("tail = %q", got)
	}
}

// A process that allocates and exits between two samples still leaves its
// peak: the kernel's high-water mark comes back with its exit status.
func TestPeakRSSOfShortProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PROC_TEST_HELPER_MIB=40", "PROC_TEST_HELPER_EXIT=1")
	p, err := Start(cmd, Options{SampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if peak := p.PeakRSS(); peak < 40<<20 {
		t.Errorf("peak = %d bytes, want at least 40 MiB", peak)
	}
}

// A stream the caller set to a plain writer is copied by exec; an orphan
// holding it must not keep the leader's exit from being seen.
func TestCallerWriterDoesNotDelayExit(t *testing.T) {
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", "echo leader; sleep 600 & exit 4")
	cmd.Stdout = &out
	p, err := Start(cmd, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill(context.Background())
	select {
	case <-p.Exited():
	case <-time.After(20 * time.Second):
		t.Fatal("the leader's exit was not seen while an orphan holds its stdout")
	}
	st, _ := p.Status()
	if st.Code != 4 {
		t.Errorf("status %s, want exit status 4", st)
	}
	if err := p.Stop(ctxT(t), time.Second); err != nil {
		t.Fatal(err)
	}
	assertGone(t, p)
	if out.String() != "leader\n" {
		t.Errorf("stdout %q", out.String())
	}
}

// TestPolledOutput checks that PolledOutput leaves the output in the pipe
// until DrainOutput, and that Wait reads it to the end.
func TestPolledOutput(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	onLine := func(l string) {
		mu.Lock()
		lines = append(lines, l)
		mu.Unlock()
	}
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(lines)
	}
	var log bytes.Buffer
	// The command prints a line, then waits for a line on its stdin before
	// printing the rest, so the test knows what is in the pipe when.
	cmd := exec.Command("sh", "-c", "echo first; read x; echo second; echo third")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start(cmd, Options{PolledOutput: true, OnLine: onLine, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill(context.Background()) })
	// Until "first" is drained, nothing arrives however long we wait;
	// poll DrainOutput until it shows up (the shell needs a moment).
	deadline := time.Now().Add(10 * time.Second)
	for len(got()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if len(got()) != 0 {
			t.Fatalf("lines %q arrived without DrainOutput", got())
		}
		p.DrainOutput()
	}
	if g := got(); !slices.Equal(g, []string{"first"}) {
		t.Fatalf("after draining: lines %q, want [first]", g)
	}
	fmt.Fprintln(in, "go on")
	in.Close()
	st, err := p.Wait(ctxT(t))
	if err != nil || !st.Success() {
		t.Fatalf("wait: %v, %v", st, err)
	}
	if g := got(); !slices.Equal(g, []string{"first", "second", "third"}) {
		t.Fatalf("after Wait: lines %q, want [first second third]", g)
	}
	if log.String() != "first\nsecond\nthird\n" {
		t.Fatalf("log %q", log.String())
	}
}

// TestPolledOutputChatty checks that a command printing more than the
// pipe holds is not blocked when nobody drains: one drain that finds the
// pipe full hands the output to a reading goroutine.
func TestPolledOutputChatty(t *testing.T) {
	var n int64
	var mu sync.Mutex
	p := start(t, Options{PolledOutput: true, OnLine: func(l string) { mu.Lock(); n++; mu.Unlock() }},
		"sh", "-c", "i=0; while [ $i -lt 40000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done")
	// Wait until the pipe is full (the command blocks in write), then
	// drain once.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var size int
		rc, _ := p.out.SyscallConn()
		rc.Control(func(fd uintptr) { size, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
		if size > p.pipeSize-4096 {
			break // full: the command is blocked in write
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.DrainOutput()
	// No more drains: only the reading goroutine can let it finish.
	select {
	case <-p.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("the command stayed blocked on a full pipe after the drain")
	}
	st, err := p.Wait(ctxT(t))
	if err != nil || !st.Success() {
		t.Fatalf("wait: %v, %v", st, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 40000 {
		t.Fatalf("%d lines, want 40000", n)
	}
}
