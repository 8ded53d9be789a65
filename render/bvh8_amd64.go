//go:build !purego

package render

// hit8 is hit8Go with AVX (bvh8_amd64.s); without AVX it jumps to hit8Go.
//
//go:noescape
func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int
