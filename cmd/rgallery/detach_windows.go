package main

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detachedAttr starts the background owner without a console
// (DETACHED_PROCESS) and in a process group of its own
// (CREATE_NEW_PROCESS_GROUP), so that closing the console or a Ctrl-C
// there does not reach it (Win32 "Process Creation Flags").
func detachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP}
}
