package pluginproc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// childSpec says how to start one plugin process.
type childSpec struct {
	Path string   // executable
	Args []string // arguments after the executable
	Env  []string // added to os.Environ()

	Log      io.Writer // the plugin's stdout and stderr, line by line
	LogLimit int64     // bytes of output after which the plugin is flooding
	Notify   func(method string, params json.RawMessage)
}

// child is one running plugin process in its own process group, with the
// protocol connection to it.
type child struct {
	pid  int
	cmd  *exec.Cmd
	conn *conn
	log  io.Writer

	exited chan struct{} // closed once the process has been waited for
	state  *os.ProcessState
	werr   error

	outputs  sync.WaitGroup // the stdout/stderr pumps
	outR     []*os.File
	logLimit int64
	written  atomic.Int64
	flooded  atomic.Bool
	logMu    sync.Mutex // one line at a time into log
}

// startChild starts the process and returns once it runs; it does not
// handshake.
func startChild(spec childSpec) (*child, error) {
	var toClose []*os.File
	closeAll := func() {
		for _, f := range toClose {
			_ = f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			toClose = append(toClose, r, w)
		}
		return r, w, err
	}
	reqR, reqW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("protocol pipe: %w", err)
	}
	respR, respW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("protocol pipe: %w", err)
	}
	outR, outW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := pipe()
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}

	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.ExtraFiles = []*os.File{reqR, respW} // fd 3: requests in, fd 4: answers out
	cmd.Stdout = outW
	cmd.Stderr = errW
	// Its own process group, so that stopping the render can kill whatever
	// the plugin started, however deep.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, fmt.Errorf("start %s: %w", spec.Path, err)
	}
	// The child has its copies; ours of its ends must go, or we would never
	// see end of file.
	for _, f := range []*os.File{reqR, respW, outW, errW} {
		_ = f.Close()
	}

	c := &child{
		pid:      cmd.Process.Pid,
		cmd:      cmd,
		log:      spec.Log,
		exited:   make(chan struct{}),
		outR:     []*os.File{outR, errR},
		logLimit: spec.LogLimit,
	}
	if c.log == nil {
		c.log = io.Discard
	}
	go func() {
		c.werr = cmd.Wait()
		c.state = cmd.ProcessState
		close(c.exited)
	}()
	c.conn = newConn(reqW, respR, spec.Notify)
	c.outputs.Add(2)
	go c.pump(outR, "stdout")
	go c.pump(errR, "stderr")
	return c, nil
}

// pump copies one output stream into the log a line at a time until every
// writer is gone. Past the log limit it keeps reading, so that the plugin
// never blocks on a full pipe, but drops the bytes and stops the plugin.
func (c *child) pump(r *os.File, stream string) {
	defer c.outputs.Done()
	br := bufio.NewReaderSize(r, 32<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			n := c.written.Add(int64(len(line)))
			if c.logLimit > 0 && n > c.logLimit {
				if c.flooded.CompareAndSwap(false, true) {
					c.logMu.Lock()
					fmt.Fprintf(c.log, "rgallery: plugin process %d wrote more than %d bytes to stdout/stderr; dropping the rest and stopping it\n", c.pid, c.logLimit)
					c.logMu.Unlock()
					_ = killGroup(c.pid, syscall.SIGKILL)
					c.conn.fail(errFlooded)
				}
			} else {
				c.logMu.Lock()
				_, _ = c.log.Write([]byte(stream + ": "))
				_, _ = c.log.Write(line)
				if line[len(line)-1] != '\n' {
					_, _ = c.log.Write([]byte{'\n'})
				}
				c.logMu.Unlock()
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

var errFlooded = errors.New("plugin flooded its output")

// alive reports whether the process has not been waited for yet.
func (c *child) alive() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// exitDescription says how the process ended, e.g. "exited with status 3"
// or "was killed by signal SIGSEGV (segmentation fault)".
func (c *child) exitDescription() string {
	st := c.state
	if st == nil {
		return "ended"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			sig := ws.Signal()
			name := signalName(sig)
			return fmt.Sprintf("was killed by signal %s (%v)", name, sig)
		case ws.Exited():
			return fmt.Sprintf("exited with status %d", ws.ExitStatus())
		}
	}
	return st.String()
}

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGABRT:
		return "SIGABRT"
	case syscall.SIGBUS:
		return "SIGBUS"
	case syscall.SIGINT:
		return "SIGINT"
	}
	return "signal " + strconv.Itoa(int(sig))
}

// callError turns a failed call into the error the render fails with. A
// broken pipe is explained by how the process ended.
func (c *child) callError(method string, err error) error {
	var de *DeadlineError
	var re *RPCError
	switch {
	case errors.As(err, &de), errors.As(err, &re):
		return err
	case c.flooded.Load() || errors.Is(err, errFlooded):
		return fmt.Errorf("%s: plugin process %d flooded its output (more than %d bytes on stdout/stderr); rgallery stopped it",
			method, c.pid, c.logLimit)
	case errors.Is(err, errConnClosed):
		// Give the process a moment to be reaped so that we can say how
		// it ended.
		select {
		case <-c.exited:
		case <-time.After(time.Second):
		}
		if c.alive() {
			return fmt.Errorf("%s: plugin process %d closed the protocol pipe (fd 4) while still running", method, c.pid)
		}
		return fmt.Errorf("%s: plugin process %d %s", method, c.pid, c.exitDescription())
	}
	return fmt.Errorf("%s: %w", method, err)
}

// call makes one protocol call and explains a failure.
func (c *child) call(ctx context.Context, method string, params, result any, timeout time.Duration) error {
	if err := c.conn.call(ctx, method, params, result, timeout); err != nil {
		return c.callError(method, err)
	}
	return nil
}

// stop ends the process and everything in its process group: it hangs up
// the protocol, gives the plugin grace to exit on its own, then SIGTERMs
// and SIGKILLs the group and waits until no member is left. It returns a
// description of what had to be killed ("" if nothing).
func (c *child) stop(grace time.Duration) string {
	c.conn.closeWrite()
	var killed []string
	select {
	case <-c.exited:
	case <-time.After(grace):
		killed = append(killed, fmt.Sprintf("plugin process %d did not exit within %v of hang-up", c.pid, grace))
		_ = killGroup(c.pid, syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(grace):
			_ = killGroup(c.pid, syscall.SIGKILL)
			<-c.exited
		}
	}
	// The plugin is gone; anything still in its group it left behind.
	if left := groupMembers(c.pid); len(left) > 0 {
		killed = append(killed, fmt.Sprintf("killed %d leftover process(es) of its process group: pids %s",
			len(left), joinInts(left)))
		_ = killGroup(c.pid, syscall.SIGKILL)
	}
	waitGroupGone(c.pid, 5*time.Second)

	// Output pipes end when the last writer is gone; a process that left
	// the group (setsid) could keep them open, so do not wait forever.
	done := make(chan struct{})
	go func() { c.outputs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		for _, f := range c.outR {
			_ = f.Close()
		}
		<-done
	}
	c.conn.close()
	return strings.Join(killed, "; ")
}

// killGroup sends sig to the process group pgid.
func killGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// groupMembers lists the live (non-zombie) processes of process group pgid
// by reading /proc.
func groupMembers(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses and may
		// itself contain spaces: state ppid pgrp ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			out = append(out, pid)
		}
	}
	return out
}

// waitGroupGone waits until no live process is in group pgid, or max.
func waitGroupGone(pgid int, max time.Duration) {
	deadline := time.Now().Add(max)
	for len(groupMembers(pgid)) > 0 && time.Now().Before(deadline) {
		_ = killGroup(pgid, syscall.SIGKILL)
		time.Sleep(10 * time.Millisecond)
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
