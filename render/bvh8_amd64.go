//go:build !purego

package render

import "unsafe"

// hit8 is hit8Go with AVX (bvh8_amd64.s); without AVX it jumps to hit8Go.
//
//go:noescape
func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int

// anyTri8AVX is anyTri8Go's loop in assembly with AVX (trav8_amd64.s),
// which prepares the ray itself (newRayBox8, newWTRay): 1 hit, 0 none, -1
// for a stack deeper than it holds (run anyTri8Go then), -2 when float32
// cannot carry the ray (newRayBox8's ok false: the 4-wide tree).
//
//go:noescape
func anyTri8AVX(nodes *bvh8Node, packs *tri4, o, d Vec3, tMax float64) int

// anyTri8Asm runs anyTri8AVX; the 8-wide tree exists only with AVX.
func (w *wide) anyTri8Asm(b *blas, o, d Vec3, tMax float64) int {
	return anyTri8AVX(unsafe.SliceData(w.nodes8), unsafe.SliceData(b.packs), o, d, tMax)
}

// closestTri8AVX is traverseTris8Go's loop in assembly with AVX
// (trav8_amd64.s), which prepares the ray itself: 1 and the nearest hit
// in *tMax and h's Prim, U, V; 0 none; -1 for a stack deeper than it
// holds (run traverseTris8Go then); -2 when float32 cannot carry the ray.
//
//go:noescape
func closestTri8AVX(nodes *bvh8Node, packs *tri4, o, d Vec3, tMax *float64, h *Hit) int

// closestTri8Asm runs closestTri8AVX.
func (w *wide) closestTri8Asm(b *blas, o, d Vec3, tMax *float64, h *Hit) int {
	return closestTri8AVX(unsafe.SliceData(w.nodes8), unsafe.SliceData(b.packs), o, d, tMax, h)
}
