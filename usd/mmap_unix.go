//go:build unix

package usd

import (
	"os"
	"syscall"
)

// mapFile maps a regular file read-only, so that parsing a large usda
// layer does not copy it onto the heap. release must be called when no
// slice of the mapping is referenced any more.
func mapFile(f *os.File) (data []byte, release func(), ok bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < 1<<20 || st.Size() > 1<<40 {
		return nil, nil, false
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return b, func() { syscall.Munmap(b) }, true
}
