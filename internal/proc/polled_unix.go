//go:build linux || darwin

package proc

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// errNoPolledPipe is never returned on Unix.
var errNoPolledPipe = errors.New("no polled output pipe on this system")

// polledPipe makes the output pipe of PolledOutput mode. Its read end is
// kept out of the netpoller (os.NewFile of a blocking descriptor), else
// every write of the command would still wake a thread blocked in
// epoll_wait, and only then made non-blocking for DrainOutput's reads.
func (p *Process) polledPipe() (r, w *os.File, err error) {
	fds, err := pipeCloexec()
	if err != nil {
		return nil, nil, err
	}
	r, w = os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1")
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	p.outFd = fds[0]
	p.pipeSize = growPipe(fds[0])
	return r, w, nil
}

// DrainOutput reads what the command has written since the last call,
// without blocking, and passes it on (Tail, OnLine, Log). It is for
// Options.PolledOutput; otherwise it does nothing.
func (p *Process) DrainOutput() {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	if !p.polled || p.outEOF {
		return
	}
	// The descriptor stays valid: p.out is closed only under outMu, and
	// then outEOF is set. A plain read of the non-blocking pipe is the
	// cheapest look there is; most polls find it empty (EAGAIN).
	total := 0
	for {
		n, rerr := syscall.Read(p.outFd, p.outBuf)
		if n > 0 {
			p.consume(p.outBuf[:n])
			total += n
			continue
		}
		if rerr == syscall.EINTR {
			continue
		}
		if rerr == nil || (rerr != syscall.EAGAIN && rerr != syscall.EWOULDBLOCK) {
			// EOF: every holder of the write end is gone.
			p.outEOF = true
			p.out.Close()
			close(p.outDone)
			return
		}
		break
	}
	if total >= p.pipeSize/4 {
		// A chatty command: it could fill the pipe before the next drain
		// and block. From now on a goroutine reads as it writes, through a
		// duplicate of the descriptor that the netpoller does watch (it is
		// non-blocking now), so that drain can still cut it off.
		nfd, err := unix.FcntlInt(uintptr(p.outFd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return // stay polled
		}
		p.out.Close()
		p.out = os.NewFile(uintptr(nfd), "|0")
		p.polled = false
		go p.copyOutput()
	}
}
