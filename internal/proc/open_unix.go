package proc

import (
	"io"
	"os"
	"syscall"
)

// OpenRead opens a file for reading like os.Open, for the files the
// manager reads on every poll of every render (/proc entries, progressive
// images). os.Open offers each file to the netpoller, which costs four
// fcntl calls and a failing epoll_ctl for a regular or /proc file; on a
// virtual machine those syscalls, hundreds per second with many live
// renders, were a large part of the manager's CPU time. The file returned
// is an ordinary blocking *os.File.
func OpenRead(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}

// ReadFile is os.ReadFile through OpenRead.
func ReadFile(path string) ([]byte, error) {
	f, err := OpenRead(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
