package render

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// soup is a random triangle mesh with the cases a builder gets wrong:
// big and tiny triangles, a clump of identical triangles (all centroids
// equal), and enough triangles for the sampled and parallel paths.
func soup(n int, seed uint64) *Mesh {
	r := rand.New(rand.NewPCG(seed, 1))
	m := &Mesh{Name: "soup"}
	add := func(a, b, c Vec3) {
		i := int32(len(m.P))
		m.P = append(m.P, a, b, c)
		m.Indices = append(m.Indices, i, i+1, i+2)
	}
	rv := func(s float64) Vec3 { return Vec3{r.Float64()*2 - 1, r.Float64()*2 - 1, r.Float64()*2 - 1}.Scale(s) }
	for i := 0; i < n; i++ {
		c := rv(10)
		s := 0.05
		if i%97 == 0 {
			s = 3 // a few large triangles overlap many others
		}
		if i%3 == 0 {
			// A quad as fan triangulation emits it: two triangles sharing
			// an edge, which the builder pairs.
			j := int32(len(m.P))
			m.P = append(m.P, c.Add(rv(s)), c.Add(rv(s)), c.Add(rv(s)), c.Add(rv(s)))
			m.Indices = append(m.Indices, j, j+1, j+2, j, j+2, j+3)
			continue
		}
		add(c.Add(rv(s)), c.Add(rv(s)), c.Add(rv(s)))
	}
	a, b, c := Vec3{1, 1, 1}, Vec3{1.2, 1, 1}, Vec3{1, 1.3, 1.1}
	for i := 0; i < 2*bvhBigLeaf+5; i++ {
		add(a, b, c)
	}
	return m
}

// TestBVHStructure checks the invariants of the built tree: the leaves
// tile the primitive order exactly once, and every box contains what is
// below it.
func TestBVHStructure(t *testing.T) {
	for _, n := range []int{1, 7, 300, 30000} {
		m := soup(n, uint64(n))
		bl := newBLAS(m)
		w := bl.bvh
		type span struct{ lo, hi int32 }
		var leaves []span
		var walk func(ni int32, lo, hi [3]float32)
		walk = func(ni int32, lo, hi [3]float32) {
			nd := &w.nodes[ni]
			for k := 0; k < 4; k++ {
				if nd.count[k] < 0 {
					continue
				}
				var clo, chi [3]float32
				for a := 0; a < 3; a++ {
					clo[a], chi[a] = nd.b[0][a][k], nd.b[1][a][k]
					if clo[a] < lo[a] || chi[a] > hi[a] {
						t.Fatalf("n=%d: node %d child %d box outside its parent's", n, ni, k)
					}
				}
				if c := nd.count[k]; c > 0 {
					leaves = append(leaves, span{nd.child[k], nd.child[k] + int32(c)})
					for i := nd.child[k]; i < nd.child[k]+int32(c); i++ {
						tr := bl.triAt(i)
						for _, p := range []Vec3{tr.v0, tr.v0.Add(tr.e1), tr.v0.Add(tr.e2)} {
							for a, v := range []float64{p.X, p.Y, p.Z} {
								// The edges are recomputed in float64; allow their rounding.
								if v < float64(clo[a])-1e-12 || v > float64(chi[a])+1e-12 {
									t.Fatalf("n=%d: triangle %d outside its leaf box on axis %d: %g not in [%g, %g]", n, i, a, v, clo[a], chi[a])
								}
							}
						}
					}
				} else {
					walk(nd.child[k], clo, chi)
				}
			}
		}
		inf := float32(math.Inf(1))
		walk(0, [3]float32{-inf, -inf, -inf}, [3]float32{inf, inf, inf})
		// Leaves index packet slots: each starts a packet, and together
		// they fill every packet without overlap, lanes from 0 up.
		sort.Slice(leaves, func(i, j int) bool { return leaves[i].lo < leaves[j].lo })
		at, tris := int32(0), 0
		for _, l := range leaves {
			if l.lo != at {
				t.Fatalf("n=%d: leaves do not tile the packets: gap or overlap at slot %d (next leaf starts at %d)", n, at, l.lo)
			}
			at = (l.hi + 3) &^ 3
			tris += int(l.hi - l.lo)
		}
		if int(at) != 4*len(bl.packs) || tris != bl.numTris() {
			t.Fatalf("n=%d: leaves cover %d slots and %d triangles, want %d and %d", n, at, tris, 4*len(bl.packs), bl.numTris())
		}
		seen := make([]bool, bl.numTris())
		for _, id := range w.order {
			if seen[id] {
				t.Fatalf("n=%d: triangle %d twice in the order", n, id)
			}
			seen[id] = true
		}
	}
}

// TestBVHMatchesBruteForce compares closest hits and shadow queries with
// testing every triangle.
func TestBVHMatchesBruteForce(t *testing.T) {
	m := soup(20000, 7)
	bl := newBLAS(m)
	slots := leafSlots(bl)
	r := rand.New(rand.NewPCG(3, 4))
	hits := 0
	for q := 0; q < 2000; q++ {
		o := Vec3{r.Float64()*30 - 15, r.Float64()*30 - 15, r.Float64()*30 - 15}
		target := Vec3{r.Float64()*20 - 10, r.Float64()*20 - 10, r.Float64()*20 - 10}
		if q%50 == 0 {
			target = Vec3{1.05, 1.1, 1.03} // into the clump of identical triangles
		}
		d := target.Sub(o).Norm()
		want, wantPrim := math.Inf(1), int32(-1)
		wr := newWTRay(o, d)
		for _, sl := range slots {
			if tt, _, _, ok := bl.packs[sl>>2].hit(int(sl&3), &wr, want); ok {
				want, wantPrim = tt, sl
			}
		}
		got := math.Inf(1)
		var h Hit
		found := bl.intersect(o, d, &got, &h)
		if found != (wantPrim >= 0) || (found && got != want) {
			t.Fatalf("ray %d: BVH hit %v at t=%g (prim %d), brute force %v at t=%g (prim %d)", q, found, got, h.Prim, wantPrim >= 0, want, wantPrim)
		}
		if found {
			hits++
		}
		// A shadow ray to just before the hit is free; one past it is blocked.
		if found && bl.occluded(o, d, want*(1-1e-9)) {
			t.Fatalf("ray %d: occluded before the nearest hit at t=%g", q, want)
		}
		if found != bl.occluded(o, d, want*(1+1e-9)+1e-9) && found {
			t.Fatalf("ray %d: not occluded past the nearest hit at t=%g", q, want)
		}
	}
	if hits < 200 {
		t.Fatalf("only %d of 2000 rays hit: the test shoots past the soup", hits)
	}
}

// TestRoundDownUp checks the float64→float32 rounding that keeps float32
// boxes around float64 geometry: never inside, and one float32 step at most.
func TestRoundDownUp(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	xs := []float64{0, 1e-300, -1e-300, 1, -1, math.MaxFloat32 * 2, -math.MaxFloat32 * 2, 0.1, -0.1}
	for i := 0; i < 100000; i++ {
		xs = append(xs, (r.Float64()*2-1)*math.Pow(10, float64(r.IntN(40)-20)))
	}
	for _, x := range xs {
		d, u := down(x), up(x)
		if float64(d) > x || float64(u) < x {
			t.Fatalf("x=%g: down %g, up %g do not bracket it", x, d, u)
		}
		if float64(d) != x && float64(math.Nextafter32(d, float32(math.Inf(1)))) <= x {
			t.Fatalf("x=%g: down %g is more than one step below", x, d)
		}
		if float64(u) != x && float64(math.Nextafter32(u, float32(math.Inf(-1)))) >= x {
			t.Fatalf("x=%g: up %g is more than one step above", x, u)
		}
	}
}

// TestPairTriangles checks that exactly the two halves of each quad are
// paired, never triangles of different meshes.
func TestPairTriangles(t *testing.T) {
	m := soup(300, 1) // 100 quads (200 triangles) and 200+69 lone triangles
	n := m.NumTriangles()
	meshOf := func(i int32) (*Mesh, int32, int32) { return m, 0, i }
	pb := pairTriangles(n, meshOf)
	if got, want := len(pb)-1, n-100; got != want {
		t.Fatalf("%d primitives from %d triangles, want %d (100 quads paired)", got, n, want)
	}
	// Two meshes: the last triangle of one and the first of the next are
	// never paired, even with equal indices.
	q := &Mesh{P: []Vec3{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}}, Indices: []int32{0, 1, 2}}
	two := func(i int32) (*Mesh, int32, int32) { return q, i, 0 }
	if pb := pairTriangles(2, two); len(pb) != 3 {
		t.Fatalf("triangles of two meshes paired: %v", pb)
	}
}

// leafSlots returns the packet slots of every triangle, leaf by leaf.
func leafSlots(bl *blas) []int32 {
	var out []int32
	for ni := range bl.bvh.nodes {
		nd := &bl.bvh.nodes[ni]
		for k := 0; k < 4; k++ {
			for j := int32(0); j < int32(nd.count[k]); j++ {
				out = append(out, nd.child[k]+j)
			}
		}
	}
	return out
}
