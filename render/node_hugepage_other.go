//go:build !linux

package render

// adviseHugePages is Linux's transparent huge page advice; elsewhere the
// arrays keep the system's pages.
func adviseHugePages[T any](s []T) {}
