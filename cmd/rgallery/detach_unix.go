//go:build linux || darwin

package main

import "syscall"

// detachedAttr starts the background owner in a session of its own, so
// that closing the terminal (SIGHUP) or a Ctrl-C there does not reach it.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
