//go:build linux || darwin

package command

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileID returns the device and inode of a file (0, 0 if unknown).
func fileID(fi os.FileInfo) (dev, ino uint64) {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Dev), sys.Ino
	}
	return 0, 0
}

// writable reports whether this process may create files in dir.
func writable(dir string) bool { return unix.Access(dir, unix.W_OK) == nil }

// processExists reports whether a process with this pid exists (a zombie
// counts: kill(pid, 0) finds it).
func processExists(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// setCommandLine has nothing to do on Unix: the argv is passed as it is.
func setCommandLine(*exec.Cmd) error { return nil }
