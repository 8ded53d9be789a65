//go:build !amd64 || purego

package render

func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int {
	return hit8Go(n, r, tMax, t)
}

// anyTri8Asm: no assembly traversal here (-1: run anyTri8Go; -2: the
// 4-wide tree, as the assembly answers).
func (w *wide) anyTri8Asm(b *blas, o, d Vec3, tMax float64) int {
	if _, ok := newRayBox8(o, d); !ok {
		return -2
	}
	return -1
}

// closestTri8Asm: no assembly traversal here (-1: run traverseTris8Go;
// -2: the 4-wide tree).
func (w *wide) closestTri8Asm(b *blas, o, d Vec3, tMax *float64, h *Hit) int {
	if _, ok := newRayBox8(o, d); !ok {
		return -2
	}
	return -1
}
