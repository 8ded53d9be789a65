//go:build linux

package render

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHugePages asks Linux to back the 2 MiB-aligned part of a large
// array of the traversal (BVH nodes, triangle packets) with transparent
// huge pages, where the system leaves them to madvise (the usual
// /sys/kernel/mm/transparent_hugepage/enabled setting). Traversal reads
// these arrays at random: with 4 KiB pages most node and packet loads of a
// large scene also miss the TLB, and the page walk comes on top of the
// cache miss (the profile had the box test's first load and its prefetches
// as the largest stalls). Call it right after make and before the array is
// written, so that the first touch faults huge pages in; it is advice, and
// any error (old kernel, THP off) leaves the array as it is.
func adviseHugePages[T any](s []T) {
	const huge = 2 << 20
	n := uintptr(len(s)) * unsafe.Sizeof(*new(T))
	if n < 2*huge {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), n)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (p+huge-1)&^(huge-1) - p
	hi := (p+n)&^(huge-1) - p
	if hi > lo {
		_ = unix.Madvise(b[lo:hi], unix.MADV_HUGEPAGE)
	}
}
