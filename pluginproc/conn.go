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
	"strconv"
	"sync"
	"time"
)

// maxMessageBytes bounds one protocol line, so that a plugin writing garbage
// without a newline cannot make rgallery allocate without limit.
const maxMessageBytes = 16 << 20

// errConnClosed is the cause of a failed call when the plugin's end of the
// protocol pipes went away (the process exited or closed fd 4).
var errConnClosed = errors.New("plugin closed the protocol pipe")

// conn is the rgallery end of one protocol connection: requests go out on w
// (the plugin's fd 3), answers and notifications come in on r (fd 4).
// Calls may be made from several goroutines; answers are matched by id.
type conn struct {
	w      *os.File
	r      *os.File
	notify func(method string, params json.RawMessage)

	wmu sync.Mutex // serialises writes of whole lines

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan *message
	err     error         // why the connection is dead; nil while alive
	dead    chan struct{} // closed when err is set
}

func newConn(w, r *os.File, notify func(string, json.RawMessage)) *conn {
	c := &conn{
		w:       w,
		r:       r,
		notify:  notify,
		pending: map[int64]chan *message{},
		dead:    make(chan struct{}),
	}
	go c.readLoop()
	return c
}

// fail marks the connection dead with err (the first cause wins) and wakes
// every pending call.
func (c *conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	close(c.dead)
}

// failure returns why the connection died, or nil.
func (c *conn) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// call sends one request and waits for its answer until timeout or ctx
// ends, whichever comes first. A missed deadline is a *DeadlineError; an
// answered error is a *RPCError.
func (c *conn) call(ctx context.Context, method string, params, result any, timeout time.Duration) error {
	if params == nil {
		params = emptyParams{}
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
		timeout = time.Until(d).Round(time.Millisecond)
	}

	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan *message, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	line, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Method: method, Params: params})
	if err != nil {
		return fmt.Errorf("encode %s params: %w", method, err)
	}
	line = append(line, '\n')
	c.wmu.Lock()
	_ = c.w.SetWriteDeadline(deadline)
	_, err = c.w.Write(line)
	c.wmu.Unlock()
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return &DeadlineError{Method: method, Deadline: timeout}
		}
		if f := c.failure(); f != nil {
			return f
		}
		if isBrokenPipe(err) {
			// Nobody reads fd 3 any more: the plugin is gone.
			return errConnClosed
		}
		return fmt.Errorf("send %s: %w", method, err)
	}

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case m := <-ch:
		if m.Error != nil {
			return m.Error
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("%s: plugin answered %s: %w", method, truncate(m.Result, 200), err)
			}
		}
		return nil
	case <-c.dead:
		// An answer may have arrived just before the pipe closed.
		select {
		case m := <-ch:
			if m.Error != nil {
				return m.Error
			}
			if result != nil {
				if err := json.Unmarshal(m.Result, result); err != nil {
					return fmt.Errorf("%s: plugin answered %s: %w", method, truncate(m.Result, 200), err)
				}
			}
			return nil
		default:
		}
		return c.failure()
	case <-timer.C:
		return &DeadlineError{Method: method, Deadline: timeout}
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &DeadlineError{Method: method, Deadline: timeout}
		}
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// closeWrite hangs up: the plugin sees end of file on fd 3 and exits.
func (c *conn) closeWrite() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.w.Close()
}

// close closes both pipes; the read loop ends.
func (c *conn) close() {
	c.closeWrite()
	_ = c.r.Close()
	c.fail(errConnClosed)
}

func (c *conn) readLoop() {
	br := bufio.NewReaderSize(c.r, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(br, maxMessageBytes)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
				c.fail(errConnClosed)
			} else {
				c.fail(fmt.Errorf("protocol: fd 4 line %d: %w", lineNo, err))
			}
			return
		}
		if err := c.handleLine(lineNo, line); err != nil {
			c.fail(err)
			return
		}
	}
}

// handleLine dispatches one line from the plugin: a notification goes to
// notify, an answer to the call waiting for it. An error is a protocol
// violation after which the connection cannot be trusted.
func (c *conn) handleLine(lineNo int, line []byte) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		return fmt.Errorf("protocol: fd 4 line %d: want one JSON-RPC object per line, got %s: %v",
			lineNo, truncate(line, 120), err)
	}
	hasID := len(m.ID) > 0 && string(m.ID) != "null"
	if m.Method != "" {
		if hasID {
			return fmt.Errorf("protocol: fd 4 line %d: plugin sent a request (method %q); plugins may only send notifications (no id)",
				lineNo, m.Method)
		}
		// Notifications are handled in order with the answers, so an
		// image update sent inside isRenderFinished has reached the host
		// by the time the call returns.
		if c.notify != nil {
			c.notify(m.Method, m.Params)
		}
		return nil
	}
	id, err := strconv.ParseInt(string(m.ID), 10, 64)
	if err != nil {
		if m.Error != nil {
			// An error without a usable id (a parse error on the plugin's
			// side): we cannot know which call it is.
			return fmt.Errorf("protocol: fd 4 line %d: plugin reported %v", lineNo, m.Error)
		}
		return fmt.Errorf("protocol: fd 4 line %d: answer with id %s, want an integer", lineNo, truncate(m.ID, 40))
	}
	if m.Error == nil && m.Result == nil {
		return fmt.Errorf("protocol: fd 4 line %d: answer %d has neither result nor error", lineNo, id)
	}
	c.mu.Lock()
	ch := c.pending[id]
	delete(c.pending, id) // one answer per call; a second one is dropped
	c.mu.Unlock()
	if ch != nil {
		ch <- &m // buffered
	}
	// An answer to a call that already gave up is dropped.
	return nil
}

// readLine reads one '\n'-terminated line of at most max bytes.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > max {
			return nil, fmt.Errorf("line longer than %d bytes", max)
		}
		if err == nil {
			if buf == nil {
				return chunk, nil
			}
			return append(buf, chunk...), nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf, chunk...)
			continue
		}
		if len(buf)+len(chunk) > 0 && errors.Is(err, io.EOF) {
			return append(buf, chunk...), nil
		}
		return nil, err
	}
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
