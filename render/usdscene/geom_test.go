package usdscene

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/render"
)

func geomLoad(t *testing.T, path string, level int) *Result {
	t.Helper()
	res, err := Load(context.Background(), path, Options{SubdivLevel: level})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func geomLoadText(t *testing.T, text string, level int) *Result {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scene.usda")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return geomLoad(t, p, level)
}

// geomMesh returns the mesh of the prim and its first instance transform.
func geomMesh(t *testing.T, res *Result, path string) (*render.Mesh, render.Matrix) {
	t.Helper()
	for _, in := range res.Scene.Instances {
		if m := res.Scene.Meshes[in.Mesh]; m.Name == path {
			return m, in.Transform
		}
	}
	t.Fatalf("no mesh %s", path)
	return nil, render.Identity
}

func warned(res *Result, sub string) string {
	for _, w := range res.Warnings {
		if strings.Contains(w, sub) {
			return w
		}
	}
	return ""
}

// TestSubdivSceneRefines: at level 2 the default-scheme cube becomes the
// Catmull-Clark limit surface (every point between the face centre's limit
// radius 68/81 and the corner's √3/2, see render/subdiv), holes drop
// their faces, loop refines triangles, scheme none is left alone; at
// level 0 the control meshes are drawn.
func TestSubdivSceneRefines(t *testing.T) {
	res := geomLoad(t, "testdata/geom/subdiv.usda", 2)
	for _, tc := range []struct {
		path string
		tris int
	}{
		{"/World/Smooth", 6 * 16 * 2},
		{"/World/Creased", 6 * 16 * 2},
		{"/World/Holed", 5 * 16 * 2},
		{"/World/Tetra", 4 * 16},
		{"/World/Ground", 2},
	} {
		m, _ := geomMesh(t, res, tc.path)
		if m.NumTriangles() != tc.tris {
			t.Errorf("%s: %d triangles, want %d", tc.path, m.NumTriangles(), tc.tris)
		}
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
	m, _ := geomMesh(t, res, "/World/Smooth")
	for _, i := range m.Indices {
		if r := m.P[i].Len(); r < 68.0/81-1e-9 || r > math.Sqrt(3)/2+1e-9 {
			t.Fatalf("refined cube point at radius %.6f, outside [68/81, √3/2]", r)
		}
	}
	if m.N == nil || len(m.Color) != len(m.Indices) {
		t.Errorf("refined cube: %d normals, %d colours for %d corners", len(m.N), len(m.Color), len(m.Indices))
	}
	if w := warned(res, "subdiv"); w != "" {
		t.Errorf("warning %q", w)
	}
	ctrl := geomLoad(t, "testdata/geom/subdiv.usda", 0)
	if m, _ := geomMesh(t, ctrl, "/World/Smooth"); m.NumTriangles() != 12 {
		t.Errorf("level 0: %d triangles, want the control cube's 12", m.NumTriangles())
	}
}

const quadScene = `#usda 1.0
def Mesh "Quad"
{
    point3f[] points = [(0,0,0), (1,0,0), (1,1,0), (0,1,0)]
    int[] faceVertexCounts = [4]
    int[] faceVertexIndices = [0, 1, 2, 3]
    texCoord2f[] primvars:st = [(0,0), (1,0), (1,1), (0,1)] (interpolation = "faceVarying")
    color3f[] primvars:displayColor = [(1,0,0), (0,1,0), (0,0,1), (1,1,1)] (interpolation = "vertex")
}
`

// TestSubdivPrimvarsRefine: face-varying texture coordinates and vertex
// colours are refined with the surface: with edgeAndCorner and
// cornersPlus1 a lone quad's corners keep their points, uvs and colours,
// and the centre gets the means.
func TestSubdivPrimvarsRefine(t *testing.T) {
	res := geomLoadText(t, quadScene, 1)
	m, _ := geomMesh(t, res, "/Quad")
	if m.NumTriangles() != 8 || m.UV == nil {
		t.Fatalf("%d triangles, uv %v", m.NumTriangles(), m.UV != nil)
	}
	for i, pi := range m.Indices {
		p, uv, col := m.P[pi], m.UV[m.UVIndices[i]], m.Color[i]
		if math.Abs(p.X-uv.X) > 1e-12 || math.Abs(p.Y-uv.Y) > 1e-12 {
			t.Errorf("corner at %v has uv %v (the bilinear quad's uv is its position)", p, uv)
		}
		if p.X == 0.5 && p.Y == 0.5 && (math.Abs(col.X-0.5) > 1e-12 || math.Abs(col.Y-0.5) > 1e-12 || math.Abs(col.Z-0.5) > 1e-12) {
			t.Errorf("centre colour %v, want the mean (0.5,0.5,0.5)", col)
		}
		if p.X == 0 && p.Y == 0 && col != (render.Vec3{X: 1}) {
			t.Errorf("corner colour %v, want red", col)
		}
	}
}

// TestSubdivFailureKeepsControlMesh: a face that repeats a point cannot be
// refined; the control mesh is drawn and a warning names the prim.
func TestSubdivFailureKeepsControlMesh(t *testing.T) {
	bad := strings.Replace(quadScene, "[0, 1, 2, 3]", "[0, 1, 2, 1]", 1)
	res := geomLoadText(t, bad, 2)
	m, _ := geomMesh(t, res, "/Quad")
	if m.NumTriangles() != 2 {
		t.Errorf("%d triangles, want the control quad's 2", m.NumTriangles())
	}
	if w := warned(res, "subdivision of /Quad failed"); w == "" {
		t.Errorf("no warning naming /Quad in %q", res.Warnings)
	}
}

// TestSubdivInstancesShareRefinedMesh: instances of one prototype draw
// one refined mesh.
func TestSubdivInstancesShareRefinedMesh(t *testing.T) {
	text := `#usda 1.0
def Xform "Proto" { def Mesh "Cube" {
    point3f[] points = [(-1,-1,-1), (1,-1,-1), (1,1,-1), (-1,1,-1), (-1,-1,1), (1,-1,1), (1,1,1), (-1,1,1)]
    int[] faceVertexCounts = [4, 4, 4, 4, 4, 4]
    int[] faceVertexIndices = [0,3,2,1, 4,5,6,7, 0,1,5,4, 2,3,7,6, 1,2,6,5, 0,4,7,3]
}
}
def Xform "A" (instanceable = true; prepend references = </Proto>) { double3 xformOp:translate = (3,0,0); uniform token[] xformOpOrder = ["xformOp:translate"]; }
def Xform "B" (instanceable = true; prepend references = </Proto>) { double3 xformOp:translate = (-3,0,0); uniform token[] xformOpOrder = ["xformOp:translate"]; }
`
	res := geomLoadText(t, text, 2)
	count := map[int]int{}
	for _, in := range res.Scene.Instances {
		if m := res.Scene.Meshes[in.Mesh]; m.NumTriangles() == 192 {
			count[in.Mesh]++
		}
	}
	shared := false
	for _, n := range count {
		shared = shared || n == 2
	}
	if !shared {
		t.Errorf("instances of the refined cube: %v (mesh → instances), want one mesh drawn twice", count)
	}
}

// TestSkinnedBarsConvert: the bars of skel.usda are skinned before the
// BVH: each point is the LBS blend (1−w)·p + w·(R90z·(p − e) + e) of the
// root and elbow (e = (2,0,0)) in skeleton space, placed by the SkelRoot's
// transform; the dual-quaternion bar agrees where a point has a single
// joint.
func TestSkinnedBarsConvert(t *testing.T) {
	res := geomLoad(t, "testdata/geom/skel.usda", 0)
	if w := warned(res, "UsdSkel"); w != "" {
		t.Errorf("warning %q", w)
	}
	for _, root := range []string{"/World/Linear", "/World/DualQuat"} {
		m, xf := geomMesh(t, res, root+"/Bar")
		rootXf := render.Matrix{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
		// SkelRoot: rotateY(−30) then translate.
		a := -30 * math.Pi / 180
		rootXf[0][0], rootXf[0][2], rootXf[2][0], rootXf[2][2] = math.Cos(a), -math.Sin(a), math.Sin(a), math.Cos(a)
		tx := -4.2
		if root == "/World/DualQuat" {
			tx = 0.8
		}
		rootXf = rootXf.Mul(render.Translate(render.Vec3{X: tx, Y: -1.3}))
		for r := 0; r < 9; r++ {
			x := 4.0 * float64(r) / 8
			w := min(1, max(0, x-1.5))
			if root == "/World/DualQuat" && w != 0 && w != 1 {
				continue
			}
			for k, yz := range [][2]float64{{-0.25, -0.25}, {0.25, -0.25}, {0.25, 0.25}, {-0.25, 0.25}} {
				p := render.Vec3{X: x, Y: yz[0], Z: yz[1]}
				bent := render.Vec3{X: 2 - p.Y, Y: p.X - 2, Z: p.Z}
				want := rootXf.Point(p.Scale(1 - w).Add(bent.Scale(w)))
				got := xf.Point(m.P[4*r+k])
				if got.Sub(want).Len() > 1e-5 {
					t.Errorf("%s point %d = %v, want %v", root, 4*r+k, got, want)
				}
			}
		}
	}
}

// TestSkinnedMeshOwnTransformIgnored: skinned points are in skeleton space
// (UsdSkel): a transform authored on the mesh does not move them; the
// geomBindTransform does.
func TestSkinnedMeshOwnTransformIgnored(t *testing.T) {
	text := `#usda 1.0
def SkelRoot "Rig"
{
    def Skeleton "Skel"
    {
        uniform token[] joints = ["root"]
        uniform matrix4d[] bindTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1))]
        uniform matrix4d[] restTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1))]
    }
    def Mesh "Tri" (prepend apiSchemas = ["SkelBindingAPI"])
    {
        uniform token subdivisionScheme = "none"
        rel skel:skeleton = </Rig/Skel>
        point3f[] points = [(0,0,0), (1,0,0), (0,1,0)]
        int[] faceVertexCounts = [3]
        int[] faceVertexIndices = [0, 1, 2]
        int[] primvars:skel:jointIndices = [0] (interpolation = "constant")
        float[] primvars:skel:jointWeights = [1] (interpolation = "constant")
        matrix4d primvars:skel:geomBindTransform = ((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,2,1))
        double3 xformOp:translate = (0, 0, 5)
        uniform token[] xformOpOrder = ["xformOp:translate"]
    }
}
`
	res := geomLoadText(t, text, 0)
	m, xf := geomMesh(t, res, "/Rig/Tri")
	for i, want := range []render.Vec3{{Z: 2}, {X: 1, Z: 2}, {Y: 1, Z: 2}} {
		if got := xf.Point(m.P[i]); got.Sub(want).Len() > 1e-9 {
			t.Errorf("point %d at %v, want %v", i, got, want)
		}
	}
}

// TestSkinnedAtRenderTimeWithNormals: the animation is read at the render
// time (startTimeCode 10, where the joint has turned 90° about z), and
// authored normals turn with the points.
func TestSkinnedAtRenderTimeWithNormals(t *testing.T) {
	text := `#usda 1.0
(
    startTimeCode = 10
)
def SkelRoot "Rig" (prepend apiSchemas = ["SkelBindingAPI"])
{
    rel skel:skeleton = </Rig/Skel>
    def Skeleton "Skel" (prepend apiSchemas = ["SkelBindingAPI"])
    {
        uniform token[] joints = ["root"]
        uniform matrix4d[] bindTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1))]
        uniform matrix4d[] restTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1))]
        rel skel:animationSource = </Rig/Anim>
    }
    def SkelAnimation "Anim"
    {
        uniform token[] joints = ["root"]
        float3[] translations = [(0,0,0)]
        quatf[] rotations.timeSamples = {
            0: [(1,0,0,0)],
            10: [(0.70710678,0,0,0.70710678)],
        }
        half3[] scales = [(1,1,1)]
    }
    def Mesh "Tri" (prepend apiSchemas = ["SkelBindingAPI"])
    {
        uniform token subdivisionScheme = "none"
        point3f[] points = [(1,0,0), (1,1,0), (1,0,1)]
        normal3f[] normals = [(1,0,0), (1,0,0), (1,0,0)] (interpolation = "vertex")
        int[] faceVertexCounts = [3]
        int[] faceVertexIndices = [0, 1, 2]
        int[] primvars:skel:jointIndices = [0] (interpolation = "constant")
        float[] primvars:skel:jointWeights = [1] (interpolation = "constant")
    }
}
`
	res := geomLoadText(t, text, 0)
	m, xf := geomMesh(t, res, "/Rig/Tri")
	// R90z: (x, y, z) → (−y, x, z).
	for i, want := range []render.Vec3{{Y: 1}, {X: -1, Y: 1}, {Y: 1, Z: 1}} {
		if got := xf.Point(m.P[i]); got.Sub(want).Len() > 1e-6 {
			t.Errorf("point %d at %v, want %v", i, got, want)
		}
	}
	if m.N == nil {
		t.Fatal("normals dropped")
	}
	for i, k := range m.NIndices {
		if n := m.N[k]; n.Sub(render.Vec3{Y: 1}).Len() > 1e-6 {
			t.Errorf("corner %d normal %v, want (0,1,0)", i, n)
		}
	}
}

// TestSubdivCapLowersLevel: a mesh whose level-2 refinement would pass
// maxSubdivFaces is refined one level less, with a warning naming it.
func TestSubdivCapLowersLevel(t *testing.T) {
	const n = 257 // 66,049 quads: ×16 at level 2 is over 2^20
	var b strings.Builder
	b.WriteString("#usda 1.0\ndef Mesh \"Big\"\n{\n    point3f[] points = [")
	for y := 0; y <= n; y++ {
		for x := 0; x <= n; x++ {
			if x+y > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "(%d,%d,0)", x, y)
		}
	}
	b.WriteString("]\n    int[] faceVertexCounts = [")
	for i := range n * n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("4")
	}
	b.WriteString("]\n    int[] faceVertexIndices = [")
	for y := range n {
		for x := range n {
			a := y*(n+1) + x
			if x+y > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%d,%d,%d,%d", a, a+1, a+n+2, a+n+1)
		}
	}
	b.WriteString("]\n}\n")
	res := geomLoadText(t, b.String(), 2)
	m, _ := geomMesh(t, res, "/Big")
	if want := 2 * 4 * n * n; m.NumTriangles() != want {
		t.Errorf("%d triangles, want level 1's %d", m.NumTriangles(), want)
	}
	if w := warned(res, "subdivision capped: /Big refined to level 1 instead of 2"); w == "" {
		t.Errorf("no cap warning in %q", res.Warnings)
	}
}
