package main

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detachedAttr starts the background owner with a console of its own that
// has no window (CREATE_NO_WINDOW) and in a process group of its own
// (CREATE_NEW_PROCESS_GROUP), so that closing the terminal or a Ctrl-C
// there does not reach it (Win32 "Process Creation Flags"). A console, not
// DETACHED_PROCESS: renders inherit it, and internal/proc's polite stop,
// CTRL_BREAK_EVENT, reaches only processes on the sender's console.
func detachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_NO_WINDOW | windows.CREATE_NEW_PROCESS_GROUP}
}
