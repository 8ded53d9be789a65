//go:build linux || darwin

package pluginproc

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
)

// passPipes gives the child its ends of the protocol pipes as fd 3
// (requests in) and fd 4 (answers out). done is called once the child has
// started (or failed to).
func passPipes(cmd *exec.Cmd, reqR, respW *os.File) (done func(), err error) {
	cmd.ExtraFiles = []*os.File{reqR, respW}
	return func() {}, nil
}

// isBrokenPipe reports a write to a pipe nobody reads any more.
func isBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }

// defaultPython is the interpreter used when RGALLERY_PYTHON is not set.
const defaultPython = "python3"

// isExecutable reports an execute bit.
func isExecutable(_ string, info fs.FileInfo) bool { return info.Mode().Perm()&0o111 != 0 }

// hangUp closes the request pipe. A write blocked on it has a deadline on
// Unix, so this returns promptly.
func hangUp(c *conn) { c.closeWrite() }
