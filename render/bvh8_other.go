//go:build !amd64 || purego

package render

func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int {
	return hit8Go(n, r, tMax, t)
}

// anyTri8Asm: no assembly traversal here (-1: run anyTri8Go).
func (w *wide) anyTri8Asm(b *blas, rb *rayBox8, tr *wtRay, tMax float64) int { return -1 }

// closestTri8Asm: no assembly traversal here (-1: run traverseTris8Go).
func (w *wide) closestTri8Asm(b *blas, rb *rayBox8, tr *wtRay, st *closest8) int { return -1 }
