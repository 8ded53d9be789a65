package proc

import (
	"errors"
	"os"
)

// errNoPolledPipe: a Windows pipe cannot be read without blocking the way
// DrainOutput reads a Unix one, so Start falls back to a reading goroutine.
var errNoPolledPipe = errors.New("no polled output pipe on Windows")

func (p *Process) polledPipe() (r, w *os.File, err error) { return nil, nil, errNoPolledPipe }

// DrainOutput does nothing on Windows: output is always read by a
// goroutine there (Options.PolledOutput is ignored).
func (p *Process) DrainOutput() {}
