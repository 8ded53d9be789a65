package render

import (
	"math"
	"testing"
)

// Every tessellated shape is a valid mesh: its point, normal and uv
// indices in range (the cylinder's second cap once pointed its normals at
// a point index).
func TestShapesValidate(t *testing.T) {
	tube := &Mesh{Name: "tube"}
	AppendTube(tube, []Vec3{{}, {X: 1}, {X: 1, Y: 1}}, []float64{0.1, 0.1, 0.1}, nil, 5, false, nil)
	ribbon := &Mesh{Name: "ribbon"}
	AppendRibbon(ribbon, []Vec3{{}, {X: 1}}, []float64{0.1, 0.1}, nil, []Vec3{{Z: 1}, {Z: 1}}, false, nil)
	sphere := &Mesh{Name: "spheres"}
	unit := SphereMesh(1, 8, 4)
	AppendSphere(sphere, unit, Vec3{}, 1, Vec3{}, true)
	AppendSphere(sphere, unit, Vec3{X: 3}, 2, Vec3{}, true)
	for _, m := range []*Mesh{
		SphereMesh(1, 16, 8), BoxMesh(2), QuadMesh(Vec3{}, Vec3{X: 1}, Vec3{Y: 1}),
		CylinderMesh(1, 1, 2, "Z", 16), CylinderMesh(1, 0, 2, "X", 16), CylinderMesh(0.5, 1, 2, "Y", 7),
		CapsuleMesh(0.5, 1, "Z", 12, 6), tube, ribbon, sphere,
	} {
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
		if m.NumTriangles() == 0 {
			t.Errorf("%s: no triangles", m.Name)
		}
	}
}

// A closed tube along a curve with torsion (a trefoil-like closed space
// curve) closes without a twist: the ring frame after the last sample,
// carried on to the first, equals the first ring's frame.
func TestClosedTubeFrameCloses(t *testing.T) {
	var pts []Vec3
	n := 64
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		pts = append(pts, Vec3{math.Sin(a) + 2*math.Sin(2*a), math.Cos(a) - 2*math.Cos(2*a), -math.Sin(3 * a)})
	}
	tan := curveTangents(pts, true)
	fr := curveFrames(pts, tan, true)
	back := transport(pts[n-1], pts[0], tan[n-1], tan[0], fr[n-1])
	// The frame turns by phi/n per step after the correction: compare the
	// carried frame with the first one rotated back by that small step.
	if d := back.Sub(fr[0]).Len(); d > 2*math.Pi/float64(n) {
		t.Errorf("closing frame off by %.3f (more than one step's share)", d)
	}
	raw := curveFrames(pts, tan, false)
	rawBack := transport(pts[n-1], pts[0], tan[n-1], tan[0], raw[n-1])
	t.Logf("twist at the seam: %.3f without the correction, %.3f with", rawBack.Sub(raw[0]).Len(), back.Sub(fr[0]).Len())
}
