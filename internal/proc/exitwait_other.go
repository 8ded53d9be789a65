//go:build !linux

package proc

// awaitExit returns at once: exec.Cmd.Wait does the waiting (see
// exitwait_linux.go).
func awaitExit(int) {}
