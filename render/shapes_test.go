package render

import "testing"

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
