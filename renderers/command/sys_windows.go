package command

import (
	"os"
	"os/exec"
	"syscall"

	"github.com/rgallery/rgallery/internal/proc"
)

// fileID returns 0, 0 on Windows: os.FileInfo carries no file index there,
// so whether a writer replaces or rewrites a file is not known and the
// image watch waits for two equal polls or the command's exit.
func fileID(os.FileInfo) (dev, ino uint64) { return 0, 0 }

// writable is only asked about /dev/shm, which Windows does not have.
func writable(string) bool { return false }

// processExists reports whether a process with this pid runs. Windows
// reuses pids quickly, so a temp dir of a dead gallery may be kept longer
// than needed, never removed too early.
func processExists(pid int) bool { return proc.Alive(pid) }

// setCommandLine gives the program the command line windowsCommandLine
// builds, which refuses what a batch file would misread.
func setCommandLine(cmd *exec.Cmd) error {
	line, err := windowsCommandLine(cmd.Path, cmd.Args)
	if err != nil {
		return err
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CmdLine = line
	return nil
}
