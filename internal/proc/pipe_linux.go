package proc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// pipeCloexec makes a pipe whose ends are not inherited by children.
func pipeCloexec() ([2]int, error) {
	var fds [2]int
	err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC)
	return fds, err
}

// growPipe asks for a polledPipeSize pipe (F_SETPIPE_SZ, fcntl(2)) and
// returns the size it has.
func growPipe(fd int) int {
	if n, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, polledPipeSize); err == nil {
		return n
	}
	return 64 << 10
}
