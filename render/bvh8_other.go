//go:build !amd64 || purego

package render

func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int {
	return hit8Go(n, r, tMax, t)
}
