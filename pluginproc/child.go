package pluginproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rgallery/rgallery/internal/proc"
)

// childSpec says how to start one plugin process.
type childSpec struct {
	Path string   // executable
	Args []string // arguments after the executable
	Env  []string // added to os.Environ()

	Log      io.Writer // the plugin's stdout and stderr
	LogLimit int64     // bytes of output after which the plugin is flooding
	Notify   func(method string, params json.RawMessage)
}

// child is one running plugin process, leader of its own process group
// (internal/proc), with the protocol connection to it.
type child struct {
	pid  int
	p    *proc.Process
	conn *conn
	out  *limitWriter
}

// startChild starts the process and returns once it runs; it does not
// handshake.
func startChild(spec childSpec) (*child, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("protocol pipe: %w", err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		_ = reqR.Close()
		_ = reqW.Close()
		return nil, fmt.Errorf("protocol pipe: %w", err)
	}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = append(os.Environ(), spec.Env...)
	passed, err := passPipes(cmd, reqR, respW) // fd 3: requests in, fd 4: answers out (Windows: handlesEnv)
	if err != nil {
		_ = reqR.Close()
		_ = reqW.Close()
		_ = respR.Close()
		_ = respW.Close()
		return nil, err
	}

	c := &child{}
	c.out = &limitWriter{w: spec.Log, limit: spec.LogLimit}
	if c.out.w == nil {
		c.out.w = io.Discard
	}
	// Only a render's own bookkeeping samples memory, on demand.
	p, err := proc.Start(cmd, proc.Options{Log: c.out, SampleInterval: -1, TailLines: 20})
	// The child has its copies of its ends (or never started); ours must go,
	// or we would never see end of file.
	passed()
	_ = reqR.Close()
	_ = respW.Close()
	if err != nil {
		_ = reqW.Close()
		_ = respR.Close()
		return nil, err
	}
	c.p = p
	c.pid = p.Pid()
	running.Add(1)
	c.conn = newConn(reqW, respR, spec.Notify)
	go c.failOnExit()
	c.out.setOnFlood(func() {
		fmt.Fprintf(c.out.w, "\nrgallery: plugin process %d wrote more than %d bytes to stdout/stderr; dropping the rest and stopping it\n", c.pid, spec.LogLimit)
		_ = p.Signal(syscall.SIGKILL)
		c.conn.fail(errFlooded)
	})
	return c, nil
}

var errFlooded = errors.New("plugin flooded its output")

// running counts the plugin processes of this process that have not
// exited, for the metrics (Processes).
var running atomic.Int64

// Processes returns how many plugin processes this process runs now.
func Processes() int64 { return running.Load() }

// exitDrain is how long after the plugin process exits its answers may
// still be in the pipe, unread.
const exitDrain = time.Second

// failOnExit ends the connection once the process has exited. Usually end
// of file on fd 4 does that first; but a process the plugin started may
// have inherited fd 4 and keep it open, and a crashed plugin must not
// leave its pending call waiting for the deadline.
func (c *child) failOnExit() {
	<-c.p.Exited()
	running.Add(-1)
	t := time.NewTimer(exitDrain)
	defer t.Stop()
	select {
	case <-c.conn.dead:
	case <-t.C:
		c.conn.fail(errConnClosed)
	}
}

// limitWriter passes output to w until limit bytes have been written, then
// drops the rest and calls onFlood once. It never fails, so that the
// output pipe is always drained and the plugin never blocks on it.
type limitWriter struct {
	w       io.Writer
	limit   int64
	onFlood func()

	mu      sync.Mutex
	n       int64
	flooded bool
}

func (l *limitWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	l.n += int64(len(b))
	if l.flooded {
		l.mu.Unlock()
		return len(b), nil
	}
	if l.limit > 0 && l.n > l.limit {
		l.flooded = true
		f := l.onFlood
		l.mu.Unlock()
		if f != nil {
			f()
		}
		return len(b), nil
	}
	_, _ = l.w.Write(b)
	l.mu.Unlock()
	return len(b), nil
}

// setOnFlood sets the flood handler, calling it at once if the limit was
// passed before there was one (a plugin flooding from its first breath).
func (l *limitWriter) setOnFlood(f func()) {
	l.mu.Lock()
	l.onFlood = f
	late := l.flooded
	l.mu.Unlock()
	if late {
		f()
	}
}

func (l *limitWriter) isFlooded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.flooded
}

// callError turns a failed call into the error the render fails with. A
// broken pipe is explained by how the process ended.
func (c *child) callError(method string, err error) error {
	var de *DeadlineError
	var re *RPCError
	switch {
	case errors.As(err, &de), errors.As(err, &re):
		return err
	case c.out.isFlooded() || errors.Is(err, errFlooded):
		return fmt.Errorf("%s: plugin process %d flooded its output (more than %d bytes on stdout/stderr); rgallery stopped it",
			method, c.pid, c.out.limit)
	case errors.Is(err, errConnClosed):
		// Give the process a moment to be reaped so that we can say how
		// it ended.
		select {
		case <-c.p.Exited():
		case <-time.After(time.Second):
		}
		st, ok := c.p.Status()
		if !ok {
			return fmt.Errorf("%s: plugin process %d closed the protocol pipe (fd 4) while still running", method, c.pid)
		}
		return fmt.Errorf("%s: plugin process %d ended (%v) before answering", method, c.pid, st)
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
// the protocol so that the plugin can exit on its own, waits up to grace,
// then stops the group (SIGTERM, grace, SIGKILL) and waits until no member
// is left. It returns what it had to kill, "" if nothing.
func (c *child) stop(grace time.Duration) string {
	hangUp(c.conn)
	if grace > 0 {
		timer := time.NewTimer(grace)
		select {
		case <-c.p.Exited():
		case <-timer.C:
		}
		timer.Stop()
	}
	var killed []string
	left, _ := c.p.Alive()
	if _, exited := c.p.Status(); !exited {
		msg := fmt.Sprintf("killed plugin process %d and its process group (pids %s)", c.pid, joinInts(left))
		if grace > 0 {
			msg += fmt.Sprintf(": it had not exited %v after hang-up", grace)
		}
		killed = append(killed, msg)
	} else if len(left) > 0 {
		killed = append(killed, fmt.Sprintf("killed %d leftover process(es) of the plugin's process group: pids %s",
			len(left), joinInts(left)))
	}
	// Bounded, so that a process stuck in the kernel cannot hang the
	// gallery; proc reports which pids survived.
	ctx, cancel := context.WithTimeout(context.Background(), grace+10*time.Second)
	defer cancel()
	if err := c.p.Stop(ctx, grace); err != nil {
		killed = append(killed, err.Error())
	}
	c.conn.close()
	return strings.Join(killed, "; ")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
