package render

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pairSequential is pairTriangles as a plain greedy scan: a triangle
// pairs with the next one unless it is itself the second of a pair.
func pairSequential(n int, meshOf func(int32) (*Mesh, int32, int32)) []int32 {
	var pb []int32
	for i := int32(0); i < int32(n); {
		pb = append(pb, i)
		if i+1 < int32(n) {
			m, mi, t := meshOf(i)
			_, mj, u := meshOf(i + 1)
			if mi == mj && sharedVertices(m.Indices[3*t:3*t+3], m.Indices[3*u:3*u+3]) >= 2 {
				i += 2
				continue
			}
		}
		i++
	}
	return append(pb, int32(n))
}

// stripMesh has runs of 1-7 triangles each sharing an edge with the next
// (so that which pairs are taken depends on the parity within the run),
// separated by lone triangles: large enough for the parallel passes.
func stripMesh(tris int, seed uint64) *Mesh {
	r := rand.New(rand.NewPCG(seed, 1))
	m := &Mesh{}
	for m.NumTriangles() < tris {
		run := 1 + r.IntN(7)
		a, b := int32(len(m.P)), int32(len(m.P)+1)
		m.P = append(m.P, Vec3{r.Float64(), r.Float64(), r.Float64()}, Vec3{r.Float64(), r.Float64(), r.Float64()})
		for k := 0; k < run; k++ {
			c := int32(len(m.P))
			m.P = append(m.P, Vec3{r.Float64(), r.Float64(), r.Float64()})
			m.Indices = append(m.Indices, a, b, c)
			a, b = b, c
		}
	}
	return m
}

// TestPairTrianglesParallelSameAsSequential: the parallel edge test and
// the sequential choice give exactly the greedy pairing, also across the
// chunk boundaries of the parallel pass and between merged meshes.
func TestPairTrianglesParallelSameAsSequential(t *testing.T) {
	a, b := stripMesh(40000, 1), stripMesh(30001, 2)
	one := func(i int32) (*Mesh, int32, int32) { return a, 0, i }
	if got, want := pairTriangles(a.NumTriangles(), one), pairSequential(a.NumTriangles(), one); !slices.Equal(got, want) {
		t.Fatalf("one mesh: %d primitives, sequential scan %d", len(got)-1, len(want)-1)
	}
	na := int32(a.NumTriangles())
	two := func(i int32) (*Mesh, int32, int32) {
		if i < na {
			return a, 0, i
		}
		return b, 1, i - na
	}
	n := a.NumTriangles() + b.NumTriangles()
	got, want := pairTriangles(n, two), pairSequential(n, two)
	if !slices.Equal(got, want) {
		t.Fatalf("two meshes: %d primitives, sequential scan %d", len(got)-1, len(want)-1)
	}
	if len(got)-1 == n || len(got)-1 <= n/2 {
		t.Fatalf("%d primitives from %d triangles: the strips should pair some but not all", len(got)-1, n)
	}
	// No triangle or one: nothing to pair.
	for n := range 2 {
		if got := pairTriangles(n, one); !slices.Equal(got, pairSequential(n, one)) {
			t.Fatalf("%d triangles: %v", n, got)
		}
	}
}

// TestNewBLASOfNoTriangles: a BLAS over empty meshes is empty, not a panic.
func TestNewBLASOfNoTriangles(t *testing.T) {
	for _, ms := range [][]*Mesh{{{Name: "a"}}, {{Name: "a"}, {Name: "b"}}} {
		if bl := newBLAS(ms...); bl.numTris() != 0 || len(leafSlots(bl)) != 0 {
			t.Fatalf("%d empty meshes: %d triangles, %d slots", len(ms), bl.numTris(), len(leafSlots(bl)))
		}
	}
}

// TestValidateNamesFirstBadIndexOfLargeMesh: the parallel range check
// reports the first bad index, as a sequential scan would, whichever
// chunk finds one first.
func TestValidateNamesFirstBadIndexOfLargeMesh(t *testing.T) {
	m := SphereMesh(1, 256, 128) // 65k triangles, 196k indices
	np := int32(len(m.P))
	late := len(m.Indices) - 5
	m.Indices[late] = np
	err := m.Validate()
	want := fmt.Sprintf("point index %d at %d out of range", np, late)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("late bad index: got %v, want %q", err, want)
	}
	// Several chunks fail; which finishes first varies from run to run.
	m.Indices[7] = -1
	m.Indices[len(m.Indices)/2+3] = np + 9
	for range 50 {
		err = m.Validate()
		if want := "point index -1 at 7 out of range"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("three bad indices: got %v, want %q", err, want)
		}
	}
	m.Indices[len(m.Indices)/2+3] = 0
	m.Indices[7], m.Indices[late] = 0, 0
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestMergedBLASSlotsNameTheirTriangles: every packet lane of a large
// BLAS over several meshes holds the vertices of the triangle that prim and
// primMesh name for its slot (the parallel slot fill), and every triangle
// is in exactly one slot.
func TestMergedBLASSlotsNameTheirTriangles(t *testing.T) {
	// An empty mesh between them: its triangle range is empty, and the
	// triangle->mesh table must skip it.
	a, b := SphereMesh(1, 128, 64), stripMesh(20000, 3)
	bl := newBLAS(a, &Mesh{Name: "empty"}, b)
	seen := [3][]bool{make([]bool, a.NumTriangles()), nil, make([]bool, b.NumTriangles())}
	count := 0
	for _, sl := range leafSlots(bl) {
		mi, ti := bl.primMesh[sl], bl.prim[sl]
		m := bl.meshes[mi]
		if seen[mi][ti] {
			t.Fatalf("triangle %d of mesh %d in two slots", ti, mi)
		}
		seen[mi][ti] = true
		count++
		p, l := &bl.packs[sl>>2], sl&3
		for v := 0; v < 3; v++ {
			q := m.P[m.Indices[3*ti+int32(v)]]
			if p.v[3*v][l] != float32(q.X) || p.v[3*v+1][l] != float32(q.Y) || p.v[3*v+2][l] != float32(q.Z) {
				t.Fatalf("slot %d: vertex %d is not that of triangle %d of mesh %d", sl, v, ti, mi)
			}
		}
	}
	if want := a.NumTriangles() + b.NumTriangles(); count != want {
		t.Fatalf("%d slots, want %d triangles", count, want)
	}
}
