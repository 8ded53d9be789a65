package owner

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// errLocked: another process holds the lock.
var errLocked = errors.New("locked by another process")

// lockRange is the byte range locked: one byte at 4 GiB, past any content,
// because a Windows lock is mandatory and would stop other processes from
// reading the owner's pid at the start of the file (LockFileEx may lock
// beyond the end of a file).
func lockRange() *windows.Overlapped { return &windows.Overlapped{OffsetHigh: 1} }

// lockFile takes an exclusive LockFileEx lock on f without waiting
// (LOCKFILE_FAIL_IMMEDIATELY gives ERROR_LOCK_VIOLATION when it is held).
func lockFile(f *os.File) error {
	err := windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLocked
	}
	return err
}

func unlockFile(f *os.File) { windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange()) }
