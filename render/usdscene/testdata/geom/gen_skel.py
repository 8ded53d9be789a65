"""Writes skel.usda (run from this directory with any Python 3).

Two square bars along x (9 rings of 4 points, 0..4) bound to a two-joint
skeleton whose elbow (x = 2) the animation turns 90 degrees about z; the
elbow weight ramps from 0 at x = 1.5 to 1 at x = 2.5. Left: classicLinear,
right: dualQuaternion.
"""
rings = 9
pts, counts, idx, ji, jw = [], [], [], [], []
sec = [(-0.25, -0.25), (0.25, -0.25), (0.25, 0.25), (-0.25, 0.25)]  # (y, z)
for r in range(rings):
    x = 4.0 * r / (rings - 1)
    w = min(1.0, max(0.0, (x - 1.5) / 1.0))
    for (y, z) in sec:
        pts.append((x, y, z))
        ji += [0, 1]
        jw += [round(1 - w, 4), round(w, 4)]
for r in range(rings - 1):
    for k in range(4):
        a = 4 * r + k
        b = 4 * r + (k + 1) % 4
        counts.append(4)
        idx += [a, b, b + 4, a + 4]
counts += [4, 4]
idx += [0, 3, 2, 1]
e = 4 * (rings - 1)
idx += [e, e + 1, e + 2, e + 3]


def arr(v):
    return "[" + ", ".join(v) + "]"


P = arr("(%g, %g, %g)" % p for p in pts)


def rig(name, tx, dq, color):
    m = '\n            uniform token primvars:skel:skinningMethod = "dualQuaternion"' if dq else ""
    return f'''
    def SkelRoot "{name}" (prepend apiSchemas = ["SkelBindingAPI"])
    {{
        double3 xformOp:translate = ({tx}, -1.3, 0)
        float xformOp:rotateY = -30
        uniform token[] xformOpOrder = ["xformOp:translate", "xformOp:rotateY"]
        rel skel:skeleton = </World/{name}/Skel>
        def Skeleton "Skel" (prepend apiSchemas = ["SkelBindingAPI"])
        {{
            uniform token[] joints = ["root", "root/elbow"]
            uniform matrix4d[] bindTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1)), ((1,0,0,0),(0,1,0,0),(0,0,1,0),(2,0,0,1))]
            uniform matrix4d[] restTransforms = [((1,0,0,0),(0,1,0,0),(0,0,1,0),(0,0,0,1)), ((1,0,0,0),(0,1,0,0),(0,0,1,0),(2,0,0,1))]
            rel skel:animationSource = </World/{name}/Anim>
        }}
        def SkelAnimation "Anim"
        {{
            uniform token[] joints = ["root", "root/elbow"]
            float3[] translations = [(0,0,0), (2,0,0)]
            quatf[] rotations = [(1,0,0,0), (0.70710678,0,0,0.70710678)]
            half3[] scales = [(1,1,1), (1,1,1)]
        }}
        def Mesh "Bar" (prepend apiSchemas = ["SkelBindingAPI"])
        {{
            uniform token subdivisionScheme = "none"
            point3f[] points = {P}
            int[] faceVertexCounts = {arr(str(c) for c in counts)}
            int[] faceVertexIndices = {arr(str(i) for i in idx)}
            int[] primvars:skel:jointIndices = {arr(str(i) for i in ji)} (
                interpolation = "vertex"
                elementSize = 2
            )
            float[] primvars:skel:jointWeights = {arr("%g" % w for w in jw)} (
                interpolation = "vertex"
                elementSize = 2
            ){m}
            color3f[] primvars:displayColor = [{color}]
        }}
    }}
'''


out = f'''#usda 1.0
(
    defaultPrim = "World"
    upAxis = "Y"
    metersPerUnit = 1
)

# UsdSkel as rgallery skins it (usd/skel.go); written by gen_skel.py.
# Two square bars along x bound to a two-joint skeleton (root at x = 0,
# elbow at x = 2) whose animation turns the elbow 90 degrees about z; the
# weights ramp from root to elbow between x = 1.5 and 2.5. Left:
# classicLinear (the bend's inside pinches), right: dualQuaternion.
def Xform "World"
{{
    def Camera "Camera"
    {{
        float focalLength = 35
        float horizontalAperture = 36
        float verticalAperture = 20.25
        float2 clippingRange = (0.1, 100)
        double3 xformOp:translate = (0, 0, 11)
        uniform token[] xformOpOrder = ["xformOp:translate"]
    }}
    def DistantLight "Sun"
    {{
        float inputs:intensity = 2.5
        float inputs:angle = 3
        float xformOp:rotateX = -40
        float xformOp:rotateY = 25
        uniform token[] xformOpOrder = ["xformOp:rotateY", "xformOp:rotateX"]
    }}
    def DomeLight "Sky"
    {{
        float inputs:intensity = 0.4
    }}
{rig("Linear", -4.2, False, "(0.8, 0.35, 0.2)")}
{rig("DualQuat", 0.8, True, "(0.25, 0.45, 0.8)")}
}}
'''
open("skel.usda", "w").write(out)
