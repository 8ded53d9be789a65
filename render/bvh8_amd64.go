//go:build !purego

package render

import "unsafe"

// hit8 is hit8Go with AVX (bvh8_amd64.s); without AVX it jumps to hit8Go.
//
//go:noescape
func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int

// anyTri8AVX is anyTri8Go's loop in assembly with AVX (trav8_amd64.s): 1
// hit, 0 none, -1 for a stack deeper than it holds (run anyTri8Go then).
//
//go:noescape
func anyTri8AVX(nodes *bvh8Node, packs *tri4, rb *rayBox8, tr *wtRay, tMax float64, tm float32) int

// anyTri8Asm runs anyTri8AVX; the 8-wide tree exists only with AVX.
func (w *wide) anyTri8Asm(b *blas, rb *rayBox8, tr *wtRay, tMax float64) int {
	return anyTri8AVX(unsafe.SliceData(w.nodes8), unsafe.SliceData(b.packs), rb, tr, tMax, tMax32(tMax))
}

// closestTri8AVX is traverseTris8Go's loop in assembly with AVX
// (trav8_amd64.s): 1 and the nearest hit in st, 0 none, -1 for a stack
// deeper than it holds (run traverseTris8Go then).
//
//go:noescape
func closestTri8AVX(nodes *bvh8Node, packs *tri4, rb *rayBox8, tr *wtRay, st *closest8) int

// closestTri8Asm runs closestTri8AVX.
func (w *wide) closestTri8Asm(b *blas, rb *rayBox8, tr *wtRay, st *closest8) int {
	return closestTri8AVX(unsafe.SliceData(w.nodes8), unsafe.SliceData(b.packs), rb, tr, st)
}
