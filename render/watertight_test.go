package render

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gridMesh is an n×n grid of unit quads in the plane z=0 (two triangles
// each, sharing the diagonal), slightly warped so that no two triangles
// are coplanar and shared edges are not axis-aligned in general.
func gridMesh(n int, warp float64) *Mesh {
	m := &Mesh{Name: "grid"}
	for j := 0; j <= n; j++ {
		for i := 0; i <= n; i++ {
			x, y := float64(i), float64(j)
			m.P = append(m.P, Vec3{x, y, warp * math.Sin(1.3*x+0.7*y)})
		}
	}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			a := int32(j*(n+1) + i)
			b, c, d := a+1, a+int32(n+1)+1, a+int32(n+1)
			m.Indices = append(m.Indices, a, b, c, a, c, d)
		}
	}
	return m
}

// leaks shoots rays at points of the shared edges and at the vertices
// inside a grid (0, bound)² and counts those that hit nothing.
func leaks(t *testing.T, m *Mesh, bound float64, rays int, seed uint64, axisAligned bool) (miss, total int) {
	s := &Scene{Meshes: []*Mesh{m}, Instances: []Instance{{Mesh: 0, Transform: Identity}}}
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 3))
	nt := m.NumTriangles()
	for k := 0; k < rays; k++ {
		tri := r.IntN(nt)
		a, b := m.P[m.Indices[3*tri]], m.P[m.Indices[3*tri+1+r.IntN(2)]]
		var p Vec3
		if k%4 == 0 {
			p = a // a vertex
		} else {
			p = a.AddScaled(b.Sub(a), r.Float64()) // on an edge
		}
		if p.X <= 0 || p.Y <= 0 || p.X >= bound || p.Y >= bound {
			continue // the grid's outer boundary: a grazing ray may miss
		}
		var o Vec3
		if axisAligned {
			o = Vec3{p.X, p.Y, p.Z + 5}
		} else {
			o = p.Add(Vec3{r.Float64()*2 - 1, r.Float64()*2 - 1, 1}.Norm().Scale(5))
		}
		d := p.Sub(o).Norm()
		var h Hit
		total++
		if !s.Intersect(Ray{O: o, D: d}, math.Inf(1), &h) {
			miss++
		}
	}
	return miss, total
}

// TestTraversalWatertight: rays aimed at the shared edges and inner
// vertices of a flat and of a warped grid, from random directions and straight down
// the z axis, all hit something (no ray slips between two triangles that
// share an edge).
func TestTraversalWatertight(t *testing.T) {
	for _, c := range []struct {
		name string
		m    *Mesh
		axis bool
	}{
		{"grid", gridMesh(40, 0.3), false},
		{"grid-axis", gridMesh(40, 0), true},
		{"warped-grid-axis", gridMesh(40, 0.3), true},
	} {
		miss, total := leaks(t, c.m, 40, 200000, 1, c.axis)
		if miss != 0 {
			t.Errorf("%s: %d of %d rays through edges and vertices hit nothing", c.name, miss, total)
		}
	}
}

// TestInstancedTraversalMatchesReference: through a top level of several
// transformed instances of one mesh, closest and any hits equal the
// reference traversal's (bvh_ref_test.go).
func TestInstancedTraversalMatchesReference(t *testing.T) {
	m := soup(3000, 9)
	s := &Scene{Meshes: []*Mesh{m}}
	for i := 0; i < 5; i++ {
		xf := Translate(Vec3{float64(i) * 7, 0, float64(i%2) * 3}).Mul(ScaleMatrix(Vec3{1, 1 + 0.2*float64(i), 0.8}))
		s.Instances = append(s.Instances, Instance{Mesh: 0, Transform: xf})
	}
	if err := s.Build(); err != nil {
		t.Fatal(err)
	}
	if len(s.inst) < 2 {
		t.Fatalf("%d instances built: the top level is not tested", len(s.inst))
	}
	ref := NewRefScene(s)
	r := rand.New(rand.NewPCG(4, 4))
	hits := 0
	for q := 0; q < 20000; q++ {
		o := Vec3{r.Float64()*60 - 15, r.Float64()*40 - 20, r.Float64()*40 - 20}
		tgt := Vec3{r.Float64()*40 - 5, r.Float64()*20 - 10, r.Float64()*20 - 10}
		d := tgt.Sub(o).Norm()
		var h1, h2 Hit
		ok1 := s.Intersect(Ray{O: o, D: d}, math.Inf(1), &h1)
		ok2 := ref.Intersect(Ray{O: o, D: d}, math.Inf(1), &h2)
		if ok1 != ok2 || ok1 && (h1.Inst != h2.Inst || h1.Prim != h2.Prim || math.Abs(h1.T-h2.T) > 1e-6*h2.T) {
			t.Fatalf("ray %d: hit %v %+v, reference %v %+v", q, ok1, h1, ok2, h2)
		}
		if ok1 {
			hits++
			tt := h1.T * (1 - 1e-9)
			if s.Occluded(Ray{O: o, D: d}, tt) != ref.Occluded(Ray{O: o, D: d}, tt) {
				t.Fatalf("ray %d: occlusion differs from the reference", q)
			}
		}
	}
	if hits < 1000 {
		t.Fatalf("only %d hits", hits)
	}
}
