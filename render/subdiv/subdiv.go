package subdiv

import (
	"errors"
	"fmt"
)

// Scheme is a subdivision scheme (UsdGeomMesh subdivisionScheme).
type Scheme uint8

const (
	CatmullClark Scheme = iota
	Loop
	Bilinear
)

// Boundary is the vertex boundary interpolation (interpolateBoundary).
type Boundary uint8

const (
	BoundaryEdgeAndCorner Boundary = iota // USD's fallback
	BoundaryEdgeOnly
	BoundaryNone
)

// FVarLinear is the face-varying linear interpolation
// (faceVaryingLinearInterpolation).
type FVarLinear uint8

const (
	FVarCornersPlus1 FVarLinear = iota // USD's fallback
	FVarCornersOnly
	FVarCornersPlus2
	FVarNone
	FVarBoundaries
	FVarAll
)

// Interp says how a Channel's values map onto the mesh.
type Interp uint8

const (
	// Vertex values (one per point) refine with the surface's own rules.
	Vertex Interp = iota
	// Varying values (one per point) refine bilinearly.
	Varying
	// FaceVarying values are looked up per face-vertex through Indices and
	// refine on their own topology (seams are boundaries).
	FaceVarying
)

// Mesh is a control mesh with its subdivision tags.
type Mesh struct {
	Points  [][3]float64
	Counts  []int32 // vertices per face
	Indices []int32 // face-vertex indices into Points

	Creases []Crease
	Corners []Corner
	Holes   []int32 // face indices
}

// Crease is an edge between two points with its sharpness.
type Crease struct {
	V0, V1    int32
	Sharpness float64
}

// Corner is a point with a sharpness of its own.
type Corner struct {
	V         int32
	Sharpness float64
}

// Channel is a primvar to refine with the mesh.
type Channel struct {
	Interp  Interp
	Dim     int       // floats per value
	Values  []float64 // Dim floats per value
	Indices []int32   // FaceVarying: one per face-vertex, into the values
}

// Options choose the refinement.
type Options struct {
	Scheme   Scheme
	Boundary Boundary
	FVar     FVarLinear
	Level    int
	// Limit moves the final level's points to the limit surface.
	Limit bool
	// NoNormals leaves Result.Normals nil (for callers after channels only).
	NoNormals bool
}

// Result is the refined mesh.
type Result struct {
	Points  [][3]float64
	Counts  []int32 // 4 per face for Catmull-Clark and bilinear, 3 for Loop
	Indices []int32
	// Face is the control face each refined face comes from.
	Face []int32
	// Normals, one per Indices entry through NormalIndices (right-handed,
	// from the face winding).
	Normals       [][3]float64
	NormalIndices []int32
	// Channels are the refined channels, in the order given: values and
	// an index per face-vertex of the result.
	Channels []RefinedChannel
}

// RefinedChannel is a refined primvar.
type RefinedChannel struct {
	Values  []float64
	Indices []int32
}

// ErrNotTriangles is returned for a Loop mesh with a face that is not a triangle.
var ErrNotTriangles = errors.New("loop subdivision needs a triangle mesh")

// FaceCount returns the number of faces Refine would produce at level.
func FaceCount(counts []int32, s Scheme, level int) int {
	n := 0
	for _, c := range counts {
		if s == Loop {
			n++
		} else {
			n += int(max(c, 0))
		}
	}
	if level == 0 {
		return len(counts)
	}
	for l := 1; l < level; l++ {
		n *= 4
	}
	if s == Loop {
		n *= 4
	}
	return n
}

// Refine subdivides m opt.Level times. It fails on a mesh it cannot refine
// (a face of fewer than 3 vertices, a face repeating a vertex, indices out
// of range, a Loop mesh with non-triangles, channels that do not fit);
// the caller then keeps the control mesh. Level 0 returns the control
// mesh's topology with the holes left out.
func Refine(m *Mesh, ch []Channel, opt Options) (*Result, error) {
	if opt.Level < 0 {
		return nil, fmt.Errorf("negative subdivision level %d", opt.Level)
	}
	loop := opt.Scheme == Loop
	if loop {
		for f, c := range m.Counts {
			if c != 3 {
				return nil, fmt.Errorf("face %d has %d vertices: %w", f, c, ErrNotTriangles)
			}
		}
	}
	t, err := newTopo(len(m.Points), m.Counts, m.Indices)
	if err != nil {
		return nil, err
	}
	if err := t.tag(m, opt); err != nil {
		return nil, err
	}
	// Vertex channels refine with the points: one array of 3 + Σdim floats.
	dim := 3
	for i, c := range ch {
		if c.Dim < 1 {
			return nil, fmt.Errorf("channel %d: dimension %d", i, c.Dim)
		}
		switch c.Interp {
		case Vertex, Varying:
			if len(c.Values) != c.Dim*len(m.Points) {
				return nil, fmt.Errorf("channel %d: %d values for %d points of dimension %d", i, len(c.Values), len(m.Points), c.Dim)
			}
			if c.Interp == Vertex {
				dim += c.Dim
			}
		case FaceVarying:
			if len(c.Indices) != len(m.Indices) {
				return nil, fmt.Errorf("channel %d: %d face-varying indices for %d face-vertices", i, len(c.Indices), len(m.Indices))
			}
			if len(c.Values)%c.Dim != 0 {
				return nil, fmt.Errorf("channel %d: %d values is not a multiple of %d", i, len(c.Values), c.Dim)
			}
		default:
			return nil, fmt.Errorf("channel %d: unknown interpolation %d", i, c.Interp)
		}
	}
	vals := make([]float64, dim*len(m.Points))
	for v, p := range m.Points {
		copy(vals[v*dim:], p[:])
	}
	off := 3
	for _, c := range ch {
		if c.Interp != Vertex {
			continue
		}
		for v := range m.Points {
			copy(vals[v*dim+off:v*dim+off+c.Dim], c.Values[v*c.Dim:(v+1)*c.Dim])
		}
		off += c.Dim
	}
	levels := []*topo{t}
	linear := opt.Scheme == Bilinear
	for l := 0; l < opt.Level; l++ {
		cur := levels[len(levels)-1]
		vals = cur.refineValues(vals, dim, loop, linear)
		next, err := cur.child(opt.Scheme)
		if err != nil {
			return nil, err
		}
		levels = append(levels, next)
	}
	last := levels[len(levels)-1]
	if opt.Limit && opt.Level > 0 && !linear {
		vals = last.limitValues(vals, dim, loop)
	}
	res := &Result{Points: make([][3]float64, last.nv)}
	for v := range res.Points {
		copy(res.Points[v][:], vals[v*dim:v*dim+3])
	}
	// Faces, holes left out.
	var keep []int32
	for f := 0; f < last.nf(); f++ {
		if last.hole[f] {
			continue
		}
		keep = append(keep, int32(f))
		c := last.corners(f)
		res.Counts = append(res.Counts, int32(len(c)))
		res.Indices = append(res.Indices, c...)
		res.Face = append(res.Face, last.parent[f])
	}
	pflat := make([]float64, 3*last.nv)
	for v, p := range res.Points {
		copy(pflat[3*v:], p[:])
	}
	if !opt.NoNormals {
		n, nidx := last.normals(pflat, last.hole)
		res.Normals = n
		res.NormalIndices = gatherCorners(last, keep, nidx)
	}
	// Channels.
	off = 3
	for _, c := range ch {
		var rc RefinedChannel
		switch c.Interp {
		case Vertex:
			rc.Values = make([]float64, c.Dim*last.nv)
			for v := 0; v < last.nv; v++ {
				copy(rc.Values[v*c.Dim:(v+1)*c.Dim], vals[v*dim+off:v*dim+off+c.Dim])
			}
			off += c.Dim
			rc.Indices = res.Indices
		case Varying:
			v := c.Values
			for _, lt := range levels[:len(levels)-1] {
				v = lt.refineValues(v, c.Dim, loop, true)
			}
			rc.Values, rc.Indices = v, res.Indices
		case FaceVarying:
			vals, idx, err := refineFVar(m, levels, c, opt)
			if err != nil {
				return nil, err
			}
			rc.Values = vals
			rc.Indices = gatherCorners(last, keep, idx)
		}
		res.Channels = append(res.Channels, rc)
	}
	return res, nil
}

// gatherCorners picks the per-corner entries of the kept faces.
func gatherCorners(t *topo, keep []int32, perCorner []int32) []int32 {
	out := make([]int32, 0, len(keep)*4)
	for _, f := range keep {
		out = append(out, perCorner[t.off[f]:t.off[f+1]]...)
	}
	return out
}

// tag applies the mesh's creases, corners, holes and boundary rule to the
// control level.
func (t *topo) tag(m *Mesh, opt Options) error {
	edge := make(map[[2]int32]int32, len(t.ev))
	for e, ab := range t.ev {
		edge[ab] = int32(e)
	}
	for _, c := range m.Creases {
		a, b := c.V0, c.V1
		if a > b {
			a, b = b, a
		}
		if e, ok := edge[[2]int32{a, b}]; ok && c.Sharpness > t.esharp[e] {
			t.esharp[e] = c.Sharpness
		}
		// A crease pair that is not an edge of the mesh has no effect
		// (OpenSubdiv ignores it too).
	}
	for _, c := range m.Corners {
		if c.V < 0 || int(c.V) >= t.nv {
			return fmt.Errorf("corner index %d out of range [0,%d)", c.V, t.nv)
		}
		t.vsharp[c.V] = max(t.vsharp[c.V], c.Sharpness)
	}
	for _, h := range m.Holes {
		if h >= 0 && int(h) < t.nf() {
			t.hole[h] = true
		}
	}
	if opt.Scheme == Bilinear {
		return nil
	}
	switch opt.Boundary {
	case BoundaryEdgeAndCorner:
		for v := 0; v < t.nv; v++ {
			if len(t.vertFaces(v)) == 1 {
				t.vsharp[v] = Infinite
			}
		}
	case BoundaryNone:
		for f := 0; f < t.nf(); f++ {
			for _, v := range t.corners(f) {
				if t.boundaryVertex(int(v)) {
					t.hole[f] = true
					break
				}
			}
		}
	}
	return nil
}

// refineFVar refines a face-varying channel on its own topology and
// returns the values and the index of each corner of the final level. The
// fvar vertices are (point, value) pairs (OpenSubdiv's vertex "siblings"),
// so a value shared by several points does not join them; they inherit
// the points' and edges' sharpness, and become corners by
// Sdc::Options::FVarLinearInterpolation as FVarLevel::
// completeTopologyFromFaceValues decides it at the control level (see the
// package doc).
func refineFVar(m *Mesh, levels []*topo, c Channel, opt Options) ([]float64, []int32, error) {
	t := levels[0]
	pairID := make(map[[2]int32]int32, len(c.Indices))
	idx := make([]int32, len(c.Indices))
	var pairPoint []int32
	var values []float64
	nval := int32(len(c.Values) / c.Dim)
	for i, v := range c.Indices {
		if v < 0 || v >= nval {
			return nil, nil, fmt.Errorf("face-varying index %d = %d out of range [0,%d)", i, v, nval)
		}
		k := [2]int32{m.Indices[i], v}
		id, ok := pairID[k]
		if !ok {
			id = int32(len(pairPoint))
			pairID[k] = id
			pairPoint = append(pairPoint, m.Indices[i])
			values = append(values, c.Values[int(v)*c.Dim:int(v+1)*c.Dim]...)
		}
		idx[i] = id
	}
	ft, err := newTopo(len(pairPoint), m.Counts, idx)
	if err != nil {
		return nil, nil, fmt.Errorf("face-varying topology: %w", err)
	}
	for i := range idx {
		fe, ve := ft.fedge[i], t.fedge[i]
		ft.esharp[fe] = max(ft.esharp[fe], t.esharp[ve])
		ft.vsharp[idx[i]] = max(ft.vsharp[idx[i]], t.vsharp[m.Indices[i]])
	}
	loop := opt.Scheme == Loop
	linear := opt.Scheme == Bilinear || opt.FVar == FVarAll
	if !linear && opt.FVar != FVarNone {
		// Per point: how many values meet there, the smallest span (faces
		// of one value), and whether a seam (an fvar boundary edge that is
		// interior in the mesh) reaches it.
		nvals := make([]int, t.nv)
		minSpan := make([]int, t.nv)
		for id, p := range pairPoint {
			span := len(ft.vertFaces(id))
			if nvals[p] == 0 || span < minSpan[p] {
				minSpan[p] = span
			}
			nvals[p]++
		}
		seam := make([]bool, t.nv)
		for f := 0; f < t.nf(); f++ {
			c := t.corners(f)
			for i := range c {
				k := int(t.off[f]) + i
				if ft.enf[ft.fedge[k]] != 2 && t.enf[t.fedge[k]] == 2 {
					seam[c[i]], seam[c[(i+1)%len(c)]] = true, true
				}
			}
		}
		plus := opt.FVar == FVarCornersPlus1 || opt.FVar == FVarCornersPlus2
		plus2 := opt.FVar == FVarCornersPlus2
		for id, p := range pairPoint {
			n := nvals[p]
			if len(ft.vertFaces(id)) == 1 || // a corner of its region
				(plus && n > 2) || // a junction of three or more regions
				(plus2 && n == 2 && minSpan[p] == 1) || // a concave corner's partner
				((plus2 || opt.FVar == FVarBoundaries) && n == 1 && seam[p] && !t.boundaryVertex(int(p))) { // a dart
				ft.vsharp[id] = Infinite
			}
		}
	}
	vals := values
	for l := 0; l < len(levels)-1; l++ {
		if opt.FVar == FVarBoundaries {
			for v := 0; v < ft.nv; v++ {
				if ft.boundaryVertex(v) {
					ft.vsharp[v] = Infinite
				}
			}
		}
		vals = ft.refineValues(vals, c.Dim, loop, linear)
		if ft, err = ft.child(opt.Scheme); err != nil {
			return nil, nil, fmt.Errorf("face-varying topology: %w", err)
		}
	}
	return vals, ft.idx, nil
}
