package usd

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openSkel(t *testing.T, text string) *Stage {
	t.Helper()
	p := filepath.Join(t.TempDir(), "skel.usda")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// bendRig is a bar of five points along x (y = 0.5) with two joints, root
// at the origin and elbow at x = 2; the animation turns the elbow 90°
// about z. Points 0,1 follow the root, 2 half and half, 3,4 the elbow.
// %MESH% and %ANIM% are replaced per test.
const bendRig = `#usda 1.0
def SkelRoot "Rig" (prepend apiSchemas = ["SkelBindingAPI"])
{
    rel skel:skeleton = </Rig/Skel>
    def Skeleton "Skel" (prepend apiSchemas = ["SkelBindingAPI"])
    {
        uniform token[] joints = ["root", "root/elbow"]
        uniform matrix4d[] bindTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1)), ((1,0,0,0),(0,1,0,0),(0,0,1,0),(2,0,0,1))]
        uniform matrix4d[] restTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1)), ((1,0,0,0),(0,1,0,0),(0,0,1,0),(2,0,0,1))]
        %ANIM%
    }
    def SkelAnimation "Anim"
    {
        uniform token[] joints = ["root", "root/elbow"]
        float3[] translations = [(0,0,0), (2,0,0)]
        quatf[] rotations = [(1,0,0,0), (0.70710678,0,0,0.70710678)]
        half3[] scales = [(1,1,1), (1,1,1)]
    }
    def Mesh "Bar" (prepend apiSchemas = ["SkelBindingAPI"])
    {
        point3f[] points = [(0,0.5,0), (1,0.5,0), (2,0.5,0), (3,0.5,0), (4,0.5,0)]
        int[] faceVertexCounts = [3]
        int[] faceVertexIndices = [0, 2, 4]
        %MESH%
    }
}
`

func rig(mesh, anim string) string {
	return strings.NewReplacer("%MESH%", mesh, "%ANIM%", anim).Replace(bendRig)
}

const (
	bendInfluences = `int[] primvars:skel:jointIndices = [0,1, 0,1, 0,1, 0,1, 0,1] (
            interpolation = "vertex"
            elementSize = 2
        )
        float[] primvars:skel:jointWeights = [1,0, 1,0, 0.5,0.5, 0,1, 0,1] (
            interpolation = "vertex"
            elementSize = 2
        )`
	animBinding = `rel skel:animationSource = </Rig/Anim>`
)

func skinned(t *testing.T, st *Stage, path string) []Vec3d {
	t.Helper()
	p := st.PrimAtPath(path)
	b, ok := FindSkelBinding(p)
	if !ok {
		t.Fatalf("%s: no skel binding", path)
	}
	pts, _ := p.Attribute("points").Vec3fArray(Default)
	out := make([]Vec3d, len(pts))
	for i, q := range pts {
		out[i] = Vec3d{float64(q[0]), float64(q[1]), float64(q[2])}
	}
	if err := b.SkinPoints(out, Default); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkPoints(t *testing.T, got, want []Vec3d, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d", len(got), len(want))
	}
	for i := range got {
		for k := range 3 {
			if math.Abs(got[i][k]-want[i][k]) > tol {
				t.Errorf("point %d = %v, want %v", i, got[i], want[i])
				break
			}
		}
	}
}

// TestSkinTwoJointBendLBS: the elbow's skinning transform is
// inverse(bind) · skel = T(−2,0,0) · R90z · T(2,0,0), so (x, 0.5, 0) of
// the elbow goes to (2 − 0.5, x − 2, 0); the middle point blends root and
// elbow equally: ((2,0.5,0) + (1.5,0,0))/2 = (1.75, 0.25, 0).
func TestSkinTwoJointBendLBS(t *testing.T) {
	st := openSkel(t, rig(bendInfluences, animBinding))
	got := skinned(t, st, "/Rig/Bar")
	checkPoints(t, got, []Vec3d{{0, 0.5, 0}, {1, 0.5, 0}, {1.75, 0.25, 0}, {1.5, 1, 0}, {1.5, 2, 0}}, 1e-7)
}

// TestSkinTwoJointBendDQS: dual-quaternion blending of the identity and a
// 90° rotation about the elbow, half and half, is the 45° rotation about
// the elbow: (2,0.5,0) → (2 − 0.5·sin45°, 0.5·cos45°, 0).
func TestSkinTwoJointBendDQS(t *testing.T) {
	st := openSkel(t, rig(bendInfluences+"\n        uniform token primvars:skel:skinningMethod = \"dualQuaternion\"", animBinding))
	got := skinned(t, st, "/Rig/Bar")
	s := math.Sqrt(0.5)
	checkPoints(t, got, []Vec3d{{0, 0.5, 0}, {1, 0.5, 0}, {2 - 0.5*s, 0.5 * s, 0}, {1.5, 1, 0}, {1.5, 2, 0}}, 1e-7)
}

// TestSkinRestPoseWithoutAnimation: with no animation source the rest
// transforms pose the skeleton; they equal the bind transforms here, so
// nothing moves.
func TestSkinRestPoseWithoutAnimation(t *testing.T) {
	st := openSkel(t, rig(bendInfluences, ""))
	got := skinned(t, st, "/Rig/Bar")
	checkPoints(t, got, []Vec3d{{0, 0.5, 0}, {1, 0.5, 0}, {2, 0.5, 0}, {3, 0.5, 0}, {4, 0.5, 0}}, 1e-12)
}

// TestSkinJointOrderRemap: skel:joints on the mesh lists the joints in
// another order; the indices refer to that order.
func TestSkinJointOrderRemap(t *testing.T) {
	mesh := `uniform token[] skel:joints = ["root/elbow", "root"]
        int[] primvars:skel:jointIndices = [1,0, 1,0, 1,0, 1,0, 1,0] (
            interpolation = "vertex"
            elementSize = 2
        )
        float[] primvars:skel:jointWeights = [1,0, 1,0, 0.5,0.5, 0,1, 0,1] (
            interpolation = "vertex"
            elementSize = 2
        )`
	st := openSkel(t, rig(mesh, animBinding))
	got := skinned(t, st, "/Rig/Bar")
	checkPoints(t, got, []Vec3d{{0, 0.5, 0}, {1, 0.5, 0}, {1.75, 0.25, 0}, {1.5, 1, 0}, {1.5, 2, 0}}, 1e-7)
}

// TestSkinRigidAndGeomBind: constant influences move every point with one
// joint (rigid), after the geomBindTransform (a translation by (0,0,1)).
func TestSkinRigidAndGeomBind(t *testing.T) {
	mesh := `int[] primvars:skel:jointIndices = [1] (
            interpolation = "constant"
        )
        float[] primvars:skel:jointWeights = [1] (
            interpolation = "constant"
        )
        matrix4d primvars:skel:geomBindTransform = ((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,1,1))`
	st := openSkel(t, rig(mesh, animBinding))
	got := skinned(t, st, "/Rig/Bar")
	// (x, 0.5, 1) → (2 − 0.5, x − 2, 1).
	checkPoints(t, got, []Vec3d{{1.5, -2, 1}, {1.5, -1, 1}, {1.5, 0, 1}, {1.5, 1, 1}, {1.5, 2, 1}}, 1e-7)
}

// TestSkinBlendShapesWithInbetween: a blend shape moving point 4 by
// (0,0,1) at weight 1 and (0,0,2) at its inbetween 0.5; the animation's
// weight 0.25 is halfway to the inbetween: +(0,0,1). Blend shapes apply
// before skinning (rest pose here).
func TestSkinBlendShapesWithInbetween(t *testing.T) {
	text := rig(bendInfluences+`
        uniform token[] skel:blendShapes = ["lift"]
        rel skel:blendShapeTargets = </Rig/Bar/lift>
        def BlendShape "lift"
        {
            uniform vector3f[] offsets = [(0,0,1)]
            uniform int[] pointIndices = [4]
            uniform vector3f[] inbetweens:half = [(0,0,2)] (weight = 0.5)
        }`, `rel skel:animationSource = </Rig/Anim>`)
	text = strings.Replace(text, `half3[] scales = [(1,1,1), (1,1,1)]`, `half3[] scales = [(1,1,1), (1,1,1)]
        uniform token[] blendShapes = ["lift"]
        float[] blendShapeWeights = [0.25]`, 1)
	text = strings.Replace(text, `(0.70710678,0,0,0.70710678)`, `(1,0,0,0)`, 1)
	st := openSkel(t, text)
	got := skinned(t, st, "/Rig/Bar")
	checkPoints(t, got, []Vec3d{{0, 0.5, 0}, {1, 0.5, 0}, {2, 0.5, 0}, {3, 0.5, 0}, {4, 0.5, 1}}, 1e-7)
}

// TestSkelBindingInheritance: skel:skeleton and the influences come from
// ancestors below the SkelRoot; without a SkelRoot nothing is skinned.
func TestSkelBindingInheritance(t *testing.T) {
	st := openSkel(t, rig(bendInfluences, animBinding))
	b, ok := FindSkelBinding(st.PrimAtPath("/Rig/Bar"))
	if !ok || b.Skeleton == nil || b.Skeleton.Path() != "/Rig/Skel" || b.Animation == nil || b.Animation.Path() != "/Rig/Anim" {
		t.Fatalf("binding %+v", b)
	}
	text := strings.Replace(rig(bendInfluences, animBinding), `def SkelRoot "Rig"`, `def Xform "Rig"`, 1)
	st = openSkel(t, text)
	if _, ok := FindSkelBinding(st.PrimAtPath("/Rig/Bar")); ok {
		t.Error("skinned without a SkelRoot")
	}
}

// TestSkinBadJointIndexFails: an index past the joints fails the prim, as
// UsdSkel's skinning does, leaving the points unchanged.
func TestSkinBadJointIndexFails(t *testing.T) {
	mesh := strings.Replace(bendInfluences, "[0,1, 0,1, 0,1, 0,1, 0,1]", "[0,1, 0,1, 0,7, 0,1, 0,1]", 1)
	st := openSkel(t, rig(mesh, animBinding))
	p := st.PrimAtPath("/Rig/Bar")
	b, _ := FindSkelBinding(p)
	pts := []Vec3d{{0, 0.5, 0}, {1, 0.5, 0}, {2, 0.5, 0}, {3, 0.5, 0}, {4, 0.5, 0}}
	orig := append([]Vec3d(nil), pts...)
	if err := b.SkinPoints(pts, Default); err == nil {
		t.Fatal("no error for joint index 7 of 2")
	}
	checkPoints(t, pts, orig, 0)
}
