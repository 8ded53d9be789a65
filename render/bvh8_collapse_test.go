package render

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCollapse8 checks the 8-wide tree collapse8 makes from the binary
// tree: every node reached once, in depth-first order, each 4-wide leaf
// (child, count, box) exactly once, every child box containing its
// node's children, and the summed node area (what the dynamic program
// minimises) no larger than that of the greedy collapse (open the
// interior child of largest area until eight), and equal to the program's
// own cost.
func TestCollapse8(t *testing.T) {
	if !hasAVX {
		t.Skip("no 8-wide tree without AVX")
	}
	for _, n := range []int{1, 2, 3, 5, 9, 17, 100, 777, 5000} {
		r := rand.New(rand.NewPCG(uint64(n), 9))
		boxes := make([]AABB, n)
		for i := range boxes {
			c := Vec3{r.Float64(), r.Float64(), r.Float64() * 0.1}.Scale(10)
			if i%7 == 0 {
				c = Vec3{1, 1, 1} // a clump of coinciding centroids
			}
			s := Vec3{r.Float64(), r.Float64(), r.Float64()}.Scale(0.2)
			boxes[i] = AABB{c.Sub(s), c.Add(s)}
		}
		w := buildBVHCost(n, 1, func(i int) AABB { return boxes[i] })
		root := w.bin
		greedy := float32(0)
		var walk func(t *tmpNode)
		walk = func(t *tmpNode) {
			greedy += t.box.area()
			kids := []*tmpNode{t.left, t.right}
			for len(kids) < 8 {
				best := -1
				for i, c := range kids {
					if c.left != nil && (best < 0 || c.box.area() > kids[best].box.area()) {
						best = i
					}
				}
				if best < 0 {
					break
				}
				c := kids[best]
				kids = append(kids[:best], append([]*tmpNode{c.left, c.right}, kids[best+1:]...)...)
			}
			for _, c := range kids {
				if c.left != nil {
					walk(c)
				}
			}
		}
		if root.left != nil {
			walk(root)
		}
		leaves4 := map[[2]int32]box32{}
		for i := range w.nodes {
			nd := &w.nodes[i]
			for k := range 4 {
				if nd.count[k] > 0 {
					var b box32
					for a := range 3 {
						b.lo[a], b.hi[a] = nd.b[0][a][k], nd.b[1][a][k]
					}
					leaves4[[2]int32{nd.child[k], int32(nd.count[k])}] = b
				}
			}
		}
		nodes := collapse8(w)
		if w.bin != nil {
			t.Fatalf("n=%d: binary tree kept", n)
		}
		area := w.box.area()
		seen := make([]bool, len(nodes))
		var walk8 func(i int32, box box32)
		walk8 = func(i int32, box box32) {
			if seen[i] {
				t.Fatalf("n=%d: node %d reached twice", n, i)
			}
			seen[i] = true
			nd := &nodes[i]
			want := i + 1
			for k := range 8 {
				if nd.count[k] < 0 {
					continue
				}
				var b box32
				for a := range 3 {
					b.lo[a], b.hi[a] = nd.b[0][a][k], nd.b[1][a][k]
					if b.lo[a] < box.lo[a] || b.hi[a] > box.hi[a] {
						t.Fatalf("n=%d: node %d child %d outside its node", n, i, k)
					}
				}
				if nd.count[k] > 0 {
					if nd.leaf&(1<<k) == 0 {
						t.Fatalf("n=%d: node %d child %d: leaf bit unset", n, i, k)
					}
					key := [2]int32{nd.child[k], int32(nd.count[k])}
					if b4, ok := leaves4[key]; !ok || b4 != b {
						t.Fatalf("n=%d: node %d child %d: leaf %v not a 4-wide leaf (or another box)", n, i, k, key)
					}
					delete(leaves4, key)
					continue
				}
				if nd.child[k] != want {
					t.Fatalf("n=%d: node %d child %d is node %d, want %d (depth first)", n, i, k, nd.child[k], want)
				}
				area += b.area()
				before := countTrue(seen)
				walk8(nd.child[k], b)
				want += int32(countTrue(seen) - before)
			}
		}
		walk8(0, w.box)
		if c := countTrue(seen); c != len(nodes) {
			t.Fatalf("n=%d: %d of %d nodes reached", n, c, len(nodes))
		}
		if len(leaves4) != 0 {
			t.Fatalf("n=%d: %d 4-wide leaves missing", n, len(leaves4))
		}
		if root.left != nil {
			if math.Abs(float64(area-root.dp.c8[0])) > 1e-4*float64(area) {
				t.Fatalf("n=%d: node area %v, the program's cost %v", n, area, root.dp.c8[0])
			}
			if area > greedy*(1+1e-5) {
				t.Fatalf("n=%d: node area %v above the greedy collapse's %v", n, area, greedy)
			}
			t.Logf("n=%d: %d nodes, area %.4g (greedy %.4g)", n, len(nodes), area, greedy)
		}
	}
}

func countTrue(b []bool) int {
	c := 0
	for _, x := range b {
		if x {
			c++
		}
	}
	return c
}
