//go:build !amd64

package render

func hit4(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int {
	return hit4Go(n, r, tMax, t)
}
