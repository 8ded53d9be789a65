//go:build !purego

package render

import "golang.org/x/sys/cpu"

// hasAVX selects the four-lane box test; it is set once at start-up.
var hasAVX = cpu.X86.HasAVX

//go:noescape
func hit4SSE2(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int

//go:noescape
func hit4AVX(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int

// hit4 is hit4Go in SIMD registers (hit4_amd64.s), bit for bit: it jumps
// to hit4AVX or hit4SSE2 by hasAVX, so the traversal makes one call a
// node (a Go wrapper choosing between them would not be inlined).
//
//go:noescape
func hit4(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int

//go:noescape
func tri4AVX(p *tri4, r *wtRay, tMax float64, out *tri4Hit) int
