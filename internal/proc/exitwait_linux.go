package proc

import (
	"os"

	"golang.org/x/sys/unix"
)

// awaitExit returns once the process pid has exited, without reaping it,
// so that the Wait that follows returns at once. exec.Cmd.Wait blocks an
// OS thread in waitid(2) for the whole life of the child: with hundreds of
// live renders that was one thread each (issue 22). A pidfd
// (pidfd_open(2), Linux 5.3) becomes readable when its process exits, and
// as a non-blocking descriptor it waits in the runtime's netpoller like a
// socket, holding no thread. Where pidfds are missing it returns at once
// and Wait blocks as before.
func awaitExit(pid int) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 0)
		// An error other than EINTR would make the netpoller wait for
		// nothing: let Wait block instead.
		return (err != nil && err != unix.EINTR) || n > 0
	})
}
