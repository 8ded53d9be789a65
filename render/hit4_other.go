//go:build !amd64 || purego

package render

func hit4(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int {
	return hit4Go(n, r, tMax, t)
}

// hasAVX is false: the SIMD paths are amd64 assembly.
const hasAVX = false

func tri4AVX(p *tri4, r *wtRay, tMax float64, out *tri4Hit) int {
	panic("render: tri4AVX without AVX")
}
