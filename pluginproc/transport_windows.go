package pluginproc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
)

// handlesEnv names the protocol pipes of a Windows child. Windows has no
// fd numbers to pass (os/exec's ExtraFiles is not supported there), but a
// child inherits the handles listed in its PROC_THREAD_ATTRIBUTE_HANDLE_LIST
// under the same values (Win32 "Inheritance", UpdateProcThreadAttribute),
// so the values are given in the environment: "READ,WRITE" in decimal.
// The Python host turns them into fds with msvcrt.open_osfhandle.
const handlesEnv = "RGALLERY_PLUGIN_HANDLES"

// passPipes gives the child inheritable duplicates of its ends of the
// protocol pipes (AdditionalInheritedHandles wants handles already marked
// inheritable) and names them in handlesEnv. done closes the duplicates,
// once the child has started (or failed to).
func passPipes(cmd *exec.Cmd, reqR, respW *os.File) (done func(), err error) {
	self := windows.CurrentProcess()
	var dups []windows.Handle
	done = func() {
		for _, h := range dups {
			windows.CloseHandle(h)
		}
	}
	for _, f := range []*os.File{reqR, respW} {
		var h windows.Handle
		if err := windows.DuplicateHandle(self, windows.Handle(f.Fd()), self, &h, 0, true, windows.DUPLICATE_SAME_ACCESS); err != nil {
			done()
			return nil, fmt.Errorf("protocol pipe: inheritable handle: %w", err)
		}
		dups = append(dups, h)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.AdditionalInheritedHandles = append(cmd.SysProcAttr.AdditionalInheritedHandles,
		syscall.Handle(dups[0]), syscall.Handle(dups[1]))
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d,%d", handlesEnv, dups[0], dups[1]))
	return done, nil
}

// isBrokenPipe reports a write to a pipe nobody reads any more:
// ERROR_BROKEN_PIPE, or ERROR_NO_DATA ("the pipe is being closed").
func isBrokenPipe(err error) bool {
	return errors.Is(err, windows.ERROR_BROKEN_PIPE) || errors.Is(err, windows.ERROR_NO_DATA)
}

// defaultPython is the interpreter used when RGALLERY_PYTHON is not set:
// python.org's installer puts python.exe on PATH, not python3.exe (which
// is often only the Microsoft Store's placeholder).
const defaultPython = "python"

// isExecutable: Windows files have no execute bit (os.FileMode reports
// none), so an executable plugin is an .exe or .com file. Batch files are
// left out: cmd.exe cannot speak the protocol on inherited handles.
func isExecutable(path string, _ fs.FileInfo) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".exe" || ext == ".com"
}

// hangUp closes the request pipe without waiting for it. An anonymous pipe
// on Windows takes no write deadline (os.File.SetWriteDeadline fails on
// it), so a request written to a plugin that stopped reading can block
// with the write lock held; the close then waits until stop has
// terminated the job, which breaks the pipe and ends the write.
func hangUp(c *conn) { go c.closeWrite() }
