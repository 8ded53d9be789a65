package proc

import (
	"bytes"
	"sync"
)

// maxLineBytes bounds one line kept in the tail; a program that prints a
// megabyte without a newline must not grow the buffer without limit.
const maxLineBytes = 4096

// Tail keeps the last lines written to it. It splits its input on '\n' and
// '\r' (so that progress bars redrawn with a carriage return show up as
// separate lines), drops empty lines, and truncates lines longer than 4 KiB.
// It is safe for concurrent use.
type Tail struct {
	mu      sync.Mutex
	lines   []string // ring buffer
	next    int      // index of the slot the next line goes into
	full    bool     // the ring has wrapped
	partial []byte   // the current unterminated line
	onLine  func(string)
}

// NewTail returns a Tail that keeps the last n lines (n < 1 means 1). If
// onLine is not nil it is called with every complete line, in order, from
// the goroutine that calls Write.
func NewTail(n int, onLine func(string)) *Tail {
	if n < 1 {
		n = 1
	}
	return &Tail{lines: make([]string, n), onLine: onLine}
}

// Write records p; it never fails.
func (t *Tail) Write(p []byte) (int, error) {
	n := len(p)
	var done []string
	t.mu.Lock()
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			t.addPartial(p)
			break
		}
		t.addPartial(p[:i])
		p = p[i+1:]
		if len(t.partial) == 0 {
			continue // empty line, or the \n of a \r\n
		}
		line := string(t.partial)
		t.push(line)
		if t.onLine != nil {
			done = append(done, line)
		}
		t.partial = t.partial[:0]
	}
	t.mu.Unlock()
	// Call back outside the lock so that onLine may call Lines.
	for _, line := range done {
		t.onLine(line)
	}
	return n, nil
}

// addPartial appends to the current line, up to maxLineBytes.
func (t *Tail) addPartial(b []byte) {
	if room := maxLineBytes - len(t.partial); room > 0 {
		t.partial = append(t.partial, b[:min(len(b), room)]...)
	}
}

func (t *Tail) push(line string) {
	t.lines[t.next] = line
	t.next++
	if t.next == len(t.lines) {
		t.next = 0
		t.full = true
	}
}

// Lines returns the kept lines, oldest first, followed by the unterminated
// last line if there is one.
func (t *Tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	if t.full {
		out = append(out, t.lines[t.next:]...)
	}
	out = append(out, t.lines[:t.next]...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
	}
	return out
}
