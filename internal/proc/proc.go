// Package proc supervises the child processes that renderers start (the
// Command renderer, the Local renderer's worker, out-of-process plugins).
//
// A Process is one exec.Cmd started in a process group of its own, so that
// the whole tree it starts (a shell, the renderer under it, helpers under
// that) can be signalled and waited for as one. proc:
//
//   - captures the child's stdout and stderr through one pipe (so the order
//     of the two streams is kept), keeps the last lines in a Tail, copies
//     every byte to an optional log writer, and can call back per line;
//   - samples the summed resident set size of the leader and its
//     descendants, and keeps the peak;
//   - stops the group: SIGTERM, a grace period, then SIGKILL, and returns
//     only when no process of the group is left (zombies count as gone: they
//     hold no memory and can run no code) and the leader has been reaped;
//   - reports how the leader ended as an ExitStatus ("exit status 3",
//     "killed by signal SIGKILL");
//   - starts the leader with Pdeathsig SIGKILL, so that it dies with the
//     gallery's owner even when the owner is killed, and names the group
//     (GroupID) so that a later owner can stop what else of it is left
//     (StopStale).
//
// Descendants that left the group (setsid, setpgid) are stopped too if they
// are still below the leader when Stop starts, and they are counted in the
// RSS while they are in the leader's tree. What it does not do: follow a
// process that left the group and was orphaned before Stop; count orphans
// (their parent died) in the RSS, though they are stopped with the group.
//
// The platform parts live in their own files; this one is shared:
//
//   - Linux (*_linux.go, *_unix.go): process groups (setpgid), Pdeathsig,
//     /proc for the tree, its groups and its memory.
//   - macOS (*_darwin.go, *_unix.go): process groups as on Linux; the tree
//     and groups from sysctl kern.proc (sysctl(3)), memory from
//     proc_pidinfo through gopsutil. macOS has no Pdeathsig, and a child's
//     side cannot be changed for arbitrary commands, so nothing kills a
//     render the moment its owner dies: the next owner stops every group
//     the dead one recorded (GroupID, StopStale), as on Linux for the
//     processes Pdeathsig does not reach.
//   - Windows (*_windows.go): every process is started suspended in a new
//     console process group, put in a Job Object of its own with
//     JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE and only then resumed, so that
//     every descendant is in the job and the job dies with its owner. Stop
//     sends CTRL_BREAK_EVENT, then TerminateJobObject; memory comes from
//     the job's process list and its PeakJobMemoryUsed counter. Output is
//     always read by a goroutine there (no PolledOutput).
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultTailLines      = 100
	DefaultSampleInterval = time.Second
)

// drainTimeout bounds how long Stop waits for the output pipe to reach EOF
// once the group is gone; only a process that left the group can still hold
// it open, and it must not keep Stop from returning.
const drainTimeout = time.Second

// Options configure Start. The zero value is usable.
type Options struct {
	// TailLines is how many lines of output the Tail keeps
	// (DefaultTailLines if 0).
	TailLines int
	// Log, if not nil, receives every byte of stdout and stderr in order.
	// Write errors stop the copy to Log, never the process.
	Log io.Writer
	// LogLimit, if above 0, is how many bytes at most go to Log; after
	// that one line says the log was cut, and only the Tail follows the
	// output. A command that prints without end cannot fill the disk.
	LogLimit int64
	// OnLine, if not nil, is called with every complete line of output
	// (see Tail for what a line is), from one goroutine, in order.
	OnLine func(line string)
	// SampleInterval is the time between two RSS samples of the process
	// tree (DefaultSampleInterval if 0; negative: only sample when
	// SampleMemory is called).
	SampleInterval time.Duration
	// PolledOutput, if set, leaves the captured output in its pipe until
	// DrainOutput (or Wait, or Stop) reads it, instead of a goroutine
	// woken by every write of the command. A wake-up is cheap once but
	// not hundreds of times a second: a gallery with hundreds of live
	// renders spent most of its time waking for their progress lines.
	// The pipe is enlarged so that a command does not block between two
	// drains; one that fills a quarter of it between two drains gets a
	// reading goroutine from then on.
	PolledOutput bool
}

// polledPipeSize is the pipe size asked for in PolledOutput mode. 256 KiB
// for each of 200 renders stays under Linux's default per-user soft limit
// of pipe pages (64 MiB); beyond it the kernel refuses and the pipe keeps
// its 64 KiB.
const polledPipeSize = 256 << 10

// ExitStatus is how the leader process ended.
type ExitStatus struct {
	Code   int            // exit code, or -1 if killed by a signal
	Signal syscall.Signal // the signal that killed it, or 0
}

// Success reports whether the process exited with code 0.
func (s ExitStatus) Success() bool { return s.Code == 0 && s.Signal == 0 }

// String says how the process ended: "exit status 3" or
// "killed by signal SIGKILL".
func (s ExitStatus) String() string {
	if s.Signal != 0 {
		name := signalName(s.Signal)
		if name == "" {
			name = fmt.Sprintf("%d", int(s.Signal))
		}
		return "killed by signal " + name
	}
	return fmt.Sprintf("exit status %d", s.Code)
}

// A Process is a started command and its process group.
type Process struct {
	cmd     *exec.Cmd
	pid     int
	started time.Time
	tail    *Tail

	out     *os.File      // read end of the output pipe; nil if not captured
	outDone chan struct{} // closed when the output copy has ended

	outMu      sync.Mutex // serializes consume and the switch out of polled mode
	polled     bool       // output read by DrainOutput, not by copyOutput
	outFd      int        // p.out's descriptor in polled mode, read directly
	pipeSize   int
	outBuf     []byte
	outEOF     bool
	log        io.Writer
	logLimit   int64
	logWritten int64

	exited  chan struct{} // closed when the leader has been reaped
	status  ExitStatus    // valid once exited is closed
	waitErr error         // valid once exited is closed

	rss, peak atomic.Uint64
	mem       *memSampler
	sys       sysProcess // the platform's handle on the group (a Job Object on Windows)

	startOnce  sync.Once
	startTicks uint64 // the leader's start time, for GroupID

	mu        sync.Mutex
	escaped   []int // descendants in groups of their own, found by Stop
	groupGone bool  // the group was seen empty after the leader was reaped
}

// Start starts cmd in a new process group and supervises it. If cmd.Stdout
// or cmd.Stderr is nil, that stream is captured (Tail, Options.Log,
// Options.OnLine); streams the caller set are left alone. cmd must not ask
// for a new session (Setsid): the process group is what Stop relies on.
func Start(cmd *exec.Cmd, opts Options) (*Process, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if err := prepare(cmd); err != nil {
		return nil, err
	}

	if opts.TailLines == 0 {
		opts.TailLines = DefaultTailLines
	}
	if opts.SampleInterval == 0 {
		opts.SampleInterval = DefaultSampleInterval
	}
	p := &Process{
		cmd:     cmd,
		tail:    NewTail(opts.TailLines, opts.OnLine),
		outDone: make(chan struct{}),
		exited:  make(chan struct{}),
	}

	// One pipe for both streams, handed to the child as an *os.File so
	// that exec starts no copying goroutine of its own: cmd.Wait then
	// returns when the leader exits, even if a grandchild keeps the pipe.
	var w *os.File
	if cmd.Stdout == nil || cmd.Stderr == nil {
		var r, wr *os.File
		var err error
		if opts.PolledOutput {
			r, wr, err = p.polledPipe()
			if errors.Is(err, errNoPolledPipe) {
				opts.PolledOutput = false // a reading goroutine instead
				r, wr, err = os.Pipe()
			}
		} else {
			r, wr, err = os.Pipe()
		}
		if err != nil {
			return nil, fmt.Errorf("start %s: output pipe: %w", cmd.Path, err)
		}
		p.out, w = r, wr
		if cmd.Stdout == nil {
			cmd.Stdout = w
		}
		if cmd.Stderr == nil {
			cmd.Stderr = w
		}
	}
	if cmd.WaitDelay == 0 {
		// Streams the caller set to something other than an *os.File are
		// copied by exec, and a grandchild holding them open would keep
		// Wait, and so Exited, from returning after the leader is gone.
		cmd.WaitDelay = drainTimeout
	}
	if err := cmd.Start(); err != nil {
		if p.out != nil {
			p.out.Close()
			w.Close()
		}
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	if w != nil {
		w.Close() // the child has its copy; EOF comes when every holder is gone
	}
	p.pid = cmd.Process.Pid
	p.started = time.Now()
	if err := p.attach(); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if p.out != nil {
			p.out.Close()
		}
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p.mem = newTreeSampler(p)
	p.GroupID() // read the leader's start time while it surely exists

	p.log, p.logLimit = opts.Log, opts.LogLimit
	switch {
	case p.out == nil:
		close(p.outDone)
	case opts.PolledOutput:
		p.polled = true
		p.outBuf = make([]byte, 8*1024)
	default:
		go p.copyOutput()
	}
	go p.wait()
	p.SampleMemory()
	if opts.SampleInterval > 0 {
		go p.sampleLoop(opts.SampleInterval)
	}
	return p, nil
}

func (p *Process) copyOutput() {
	defer close(p.outDone)
	defer p.out.Close()
	buf := make([]byte, 8*1024) // small: hundreds of renders keep one each
	for {
		n, err := p.out.Read(buf)
		if n > 0 {
			p.outMu.Lock()
			p.consume(buf[:n])
			p.outMu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// consume gives a chunk of output to the Tail and the log. The caller
// holds outMu.
func (p *Process) consume(chunk []byte) {
	p.tail.Write(chunk)
	if p.log == nil {
		return
	}
	cut := p.logLimit > 0 && p.logWritten+int64(len(chunk)) > p.logLimit
	if cut {
		chunk = chunk[:p.logLimit-p.logWritten]
	}
	if _, err := p.log.Write(chunk); err != nil {
		p.log = nil
		return
	}
	p.logWritten += int64(len(chunk))
	if cut {
		fmt.Fprintf(p.log, "\n[output cut after %d bytes; the rest is not logged]\n", p.logLimit)
		p.log = nil
	}
}

// finishOutput reads the output to its end in PolledOutput mode, until ctx
// ends (EOF comes once every process holding the pipe is gone). It reports
// whether EOF was reached.
func (p *Process) finishOutput(ctx context.Context) bool {
	delay := time.Millisecond
	for {
		p.DrainOutput()
		select {
		case <-p.outDone:
			return true
		default:
		}
		p.outMu.Lock()
		polled := p.polled
		p.outMu.Unlock()
		if !polled {
			// Switched to a reading goroutine meanwhile.
			select {
			case <-p.outDone:
				return true
			case <-ctx.Done():
				return false
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay = min(2*delay, 20*time.Millisecond)
	}
}

func (p *Process) wait() {
	awaitExit(p.pid) // without holding a thread where it can
	err := p.cmd.Wait()
	st := p.cmd.ProcessState
	switch {
	case st == nil:
		p.status = ExitStatus{Code: -1}
		p.waitErr = fmt.Errorf("wait for %s (pid %d): %w", p.cmd.Path, p.pid, err)
	default:
		ws, ok := st.Sys().(syscall.WaitStatus)
		switch {
		case ok && ws.Signaled():
			p.status = ExitStatus{Code: -1, Signal: ws.Signal()}
		default:
			p.status = ExitStatus{Code: st.ExitCode()}
		}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) && !errors.Is(err, exec.ErrWaitDelay) {
			p.waitErr = fmt.Errorf("wait for %s (pid %d): %w", p.cmd.Path, p.pid, err)
		}
		// The system's own high-water mark catches a spike between two
		// samples, or a process too short to be sampled.
		p.raisePeak(p.exitPeak(st))
	}
	p.mem.close()
	close(p.exited)
}

func (p *Process) sampleLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.exited:
			return
		case <-t.C:
			p.sample(false)
		}
	}
}

// SampleMemory measures the summed RSS of the leader and its descendants
// now (walking the process tree afresh), updates the peak, and returns the
// sum in bytes. After the leader has exited it returns 0.
func (p *Process) SampleMemory() uint64 { return p.sample(true) }

// SampleMemoryIfDue samples like SampleMemory, but only when the last
// sample is at least every old, and walks the tree only as the background
// sampler does. A caller that polls anyway (a renderer's IsRenderFinished)
// uses it instead of Options.SampleInterval, so that sampling costs no
// timer and no extra goroutine wake-up.
func (p *Process) SampleMemoryIfDue(every time.Duration) uint64 {
	if time.Since(p.mem.last()) < every {
		return p.rss.Load()
	}
	return p.sample(false)
}

func (p *Process) sample(walk bool) uint64 {
	sum, ok := p.mem.sample(walk)
	if !ok {
		return 0
	}
	p.rss.Store(sum)
	p.raisePeak(sum)
	return sum
}

func (p *Process) raisePeak(v uint64) {
	for {
		old := p.peak.Load()
		if v <= old || p.peak.CompareAndSwap(old, v) {
			return
		}
	}
}

// Pid returns the leader's pid, which is also the process group id.
func (p *Process) Pid() int { return p.pid }

// Started returns when the process was started.
func (p *Process) Started() time.Time { return p.started }

// RSS returns the last sampled RSS of the tree in bytes.
func (p *Process) RSS() uint64 { return p.rss.Load() }

// PeakRSS returns the highest sampled RSS of the tree in bytes; once the
// leader has exited, it is at least the kernel's peak RSS of the largest
// single process among the leader and the descendants it waited for.
func (p *Process) PeakRSS() uint64 { return p.peak.Load() }

// Tail returns the last lines of output, oldest first.
func (p *Process) Tail() []string { return p.tail.Lines() }

// Exited is closed once the leader has exited and been reaped.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Status returns how the leader ended, and false while it is running.
func (p *Process) Status() (ExitStatus, bool) {
	select {
	case <-p.exited:
		return p.status, true
	default:
		return ExitStatus{}, false
	}
}

// Wait waits until the leader has exited and the output has been read to
// its end (every process holding the pipe has exited), or ctx is done. The
// error is about waiting, not about the exit status: a process that exits
// with code 1 gives a nil error and Code 1.
func (p *Process) Wait(ctx context.Context) (ExitStatus, error) {
	select {
	case <-p.exited:
	case <-ctx.Done():
		return ExitStatus{}, fmt.Errorf("wait for pid %d: %w", p.pid, ctx.Err())
	}
	if p.isPolled() {
		p.finishOutput(ctx)
	}
	select {
	case <-p.outDone:
	case <-ctx.Done():
		return p.status, fmt.Errorf("wait for output of pid %d: %w", p.pid, ctx.Err())
	}
	return p.status, p.waitErr
}

// Stop ends the whole process group: SIGTERM (and SIGCONT, so that a
// stopped process can act on it), up to grace for the group to exit, then
// SIGKILL. It returns nil only when no process of the group is left, the
// leader has been reaped and the output has been read; it returns an error
// naming the pids still alive if ctx ends first. A grace of 0 kills at once.
// Stop on a process that has already ended returns nil.
func (p *Process) Stop(ctx context.Context, grace time.Duration) error {
	p.findEscaped()
	if grace > 0 {
		alive, err := p.anyAlive()
		if err != nil {
			return err
		}
		if alive {
			asked, err := p.askToStop()
			if err != nil {
				return err
			}
			if asked {
				gctx, cancel := context.WithTimeout(ctx, grace)
				_, _ = p.waitGroupGone(gctx)
				cancel()
			}
		}
	}
	alive, err := p.anyAlive()
	if err != nil {
		return err
	}
	if alive {
		if err := p.Signal(syscall.SIGKILL); err != nil {
			return err
		}
		if pids, err := p.waitGroupGone(ctx); err != nil {
			return fmt.Errorf("stop process group %d: still alive %v: %w", p.pid, pids, err)
		}
	}
	select {
	case <-p.exited:
	case <-ctx.Done():
		return fmt.Errorf("stop process group %d: leader not reaped: %w", p.pid, ctx.Err())
	}
	p.markGone()
	p.drain()
	p.release()
	return nil
}

// Kill is Stop without a grace period: SIGKILL to the group, and wait until
// it is gone.
func (p *Process) Kill(ctx context.Context) error { return p.Stop(ctx, 0) }

// Alive returns the pids of the group's processes that are still running.
func (p *Process) Alive() ([]int, error) { return p.members() }

func (p *Process) members() ([]int, error) {
	p.mu.Lock()
	gone, escaped := p.groupGone, p.escaped
	p.mu.Unlock()
	if gone {
		return nil, nil
	}
	pids, err := p.groupMembers()
	for _, pid := range escaped {
		if Alive(pid) {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids, err
}

// markGone records that the group is empty and the leader reaped, so that
// the group id, free for reuse by the kernel from now on, is never
// signalled again.
func (p *Process) markGone() {
	alive, err := p.members()
	if err == nil && len(alive) == 0 {
		p.mu.Lock()
		p.groupGone = true
		p.mu.Unlock()
	}
}

// waitGroupGone polls until the group has no live member. The poll starts
// at 1 ms and backs off to 20 ms: most groups go within a few milliseconds
// of SIGKILL, and there is no event to wait on for a whole group.
func (p *Process) waitGroupGone(ctx context.Context) ([]int, error) {
	delay := time.Millisecond
	for {
		alive, err := p.anyAlive()
		if err != nil {
			return nil, err
		}
		if !alive {
			return nil, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			pids, err := p.members()
			if err == nil && len(pids) == 0 {
				return nil, nil // gone while we waited
			}
			return pids, ctx.Err()
		case <-t.C:
		}
		if delay < 20*time.Millisecond {
			delay *= 2
		}
	}
}

// anyAlive is members without the /proc scan where it can: a live leader
// answers the question, and so does an empty group.
func (p *Process) anyAlive() (bool, error) {
	select {
	case <-p.exited:
	default:
		if Alive(p.pid) {
			return true, nil
		}
	}
	pids, err := p.members()
	return len(pids) > 0, err
}

func (p *Process) isPolled() bool {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	return p.polled
}

// drain waits a bounded time for the output copy to finish, then closes the
// read end so that a process outside the group cannot hold it forever.
func (p *Process) drain() {
	if p.out == nil {
		return
	}
	if p.isPolled() {
		ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
		eof := p.finishOutput(ctx)
		cancel()
		if !eof {
			p.outMu.Lock()
			if p.polled && !p.outEOF {
				p.outEOF = true
				p.out.Close()
				close(p.outDone)
			}
			p.outMu.Unlock()
		}
		if p.isPolled() {
			return
		}
	}
	t := time.NewTimer(drainTimeout)
	defer t.Stop()
	select {
	case <-p.outDone:
	case <-t.C:
		p.out.Close()
		<-p.outDone
	}
}
