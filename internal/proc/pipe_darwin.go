package proc

import "syscall"

// pipeCloexec makes a pipe whose ends are not inherited by children. macOS
// has no pipe2, so the close-on-exec flag is set under ForkLock, as the
// os package does, before any fork can copy the new descriptors.
func pipeCloexec() ([2]int, error) {
	var fds [2]int
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(fds[:]); err != nil {
		return fds, err
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	return fds, nil
}

// growPipe returns the size a polled pipe holds. macOS cannot be asked for
// a size; its pipes grow on their own up to 64 KiB (BIG_PIPE_SIZE in
// xnu's sys_pipe.c), which is the size DrainOutput plans for.
func growPipe(fd int) int { return 64 << 10 }
