package usd

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func sharedDir(t testing.TB) string {
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		return d
	}
	d, _ := filepath.Abs("../../shared")
	if _, err := os.Stat(d); err != nil {
		t.Skip("shared dir (corpus, bench scenes) not found; set RGALLERY_SHARED")
	}
	return d
}

func TestBenchScenes(t *testing.T) {
	for _, name := range []string{"cornell", "spheres", "mesh"} {
		path := filepath.Join(sharedDir(t), "bench-scenes", name, name+".usda")
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.UpAxis() != "Z" || s.MetersPerUnit() != 1 {
			t.Errorf("%s: upAxis %q metersPerUnit %v", name, s.UpAxis(), s.MetersPerUnit())
		}
		if dp := s.DefaultPrim(); dp == nil || dp.Path() != "/Scene" {
			t.Errorf("%s: default prim %v", name, dp)
		}
		n := 0
		for p := range s.Traverse() {
			n++
			if p.TypeName() == "Mesh" {
				pts, ok := p.Attribute("points").Vec3fArray(Default)
				if !ok || len(pts) == 0 {
					t.Errorf("%s: no points", p.Path())
				}
				if v, _ := p.Attribute("subdivisionScheme").Token(Default); v != "none" {
					t.Errorf("%s: subdivisionScheme %q", p.Path(), v)
				}
			}
		}
		if n < 5 {
			t.Errorf("%s: %d prims", name, n)
		}
	}
}

// TestMeshSceneValues checks values of bench-scenes/mesh against its
// scene_info.json, through the schema helpers.
func TestMeshSceneValues(t *testing.T) {
	s, err := Open(filepath.Join(sharedDir(t), "bench-scenes", "mesh", "mesh.usda"))
	if err != nil {
		t.Fatal(err)
	}
	cam := s.PrimAtPath("/Scene/Camera").Camera(Default)
	if cam.FocalLength != 50 || cam.HorizontalAperture != 36 || cam.VerticalAperture != 20.25 || cam.Projection != "perspective" {
		t.Errorf("camera = %+v", cam)
	}
	pos := TransformPoint(cam.Transform, Vec3d{})
	if !near(pos[0], 0.9) || !near(pos[1], -5.6) || !near(pos[2], 2.1) {
		t.Errorf("camera position %v, want (0.9, -5.6, 2.1)", pos)
	}
	sun := s.PrimAtPath("/Scene/Lights/Sun").Light(Default)
	if sun.Intensity != 3 || math.Abs(sun.Angle-0.53) > 1e-6 || sun.Color != (Vec3f{1, 0.96, 0.9}) || sun.Normalize {
		t.Errorf("sun = %+v", sun)
	}
	// The light travels along local -Z: the direction in world space.
	d := TransformPoint(sun.Transform, Vec3d{0, 0, -1})
	if math.Abs(d[0]-0.5514) > 1e-3 || math.Abs(d[1]-0.4511) > 1e-3 || math.Abs(d[2]+0.7018) > 1e-3 {
		t.Errorf("sun direction %v", d)
	}
	key := s.PrimAtPath("/Scene/Lights/Key").Light(Default)
	if key.Intensity != 8 || key.Width != 2.5 || key.Height != 1.5 {
		t.Errorf("key = %+v", key)
	}
	suz := s.PrimAtPath("/Scene/Geom/Suzanne")
	m, _ := suz.Mesh(Default)
	if len(m.Points) != 126290 || len(m.FaceVertexCounts) != 125952 || m.NormalsInterp != "vertex" || len(m.Normals) != len(m.Points) || m.SubdivisionScheme != "none" || !m.DoubleSided {
		t.Errorf("suzanne: %d points, %d faces, normals %d %q, %q, doubleSided %v", len(m.Points), len(m.FaceVertexCounts), len(m.Normals), m.NormalsInterp, m.SubdivisionScheme, m.DoubleSided)
	}
	mat := ComputeBoundMaterial(suz)
	if mat == nil || mat.Name() != "Clay" {
		t.Fatalf("suzanne material %v", mat)
	}
	surf, _ := mat.MaterialSurface("")
	if v, _, _ := surf.ShaderInput("diffuseColor"); v != (Vec3f{0.8, 0.42, 0.25}) {
		t.Errorf("clay diffuseColor %v", v)
	}
	if v, _, _ := surf.ShaderInput("roughness"); v != float32(0.35) {
		t.Errorf("clay roughness %v", v)
	}
}
