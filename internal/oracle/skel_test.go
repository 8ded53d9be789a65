package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd"
)

// TestOracleSkel compares UsdSkel deformation (usd.FindSkelBinding and
// SkelBinding.SkinPoints: blend shapes, then linear or dual-quaternion
// skinning) with OpenUSD's (scripts/oracle/skel_points.py: UsdSkel.Cache,
// BlendShapeQuery, SkinningQuery.ComputeSkinnedPoints) on generated rigs
// (genSkelRig; -oracle.n, default 24, seeds from -oracle.seed, default 1).
// One case per skinned prim, named gen-SEED/PRIM: both fail, or every
// point agrees within 2e-5 of the larger magnitude (at least 1); OpenUSD
// skins in float (GfVec3f points, float weights), we in double.
func TestOracleSkel(t *testing.T) {
	Python(t)
	n, seed := N(24), Seed(1)
	dir := t.TempDir()
	type job struct {
		File  string   `json:"file"`
		Prims []string `json:"prims"`
	}
	var jobs []job
	for i := range n {
		text, prims := genSkelRig(seed + uint64(i))
		f := filepath.Join(dir, fmt.Sprintf("gen-%d.usda", seed+uint64(i)))
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{f, prims})
	}
	type answer struct {
		File  string         `json:"file"`
		Error string         `json:"error"`
		Prims map[string]any `json:"prims"`
	}
	answers := RunBatch[answer](t, "skel_points.py", nil, jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("%d answers for %d jobs", len(answers), len(jobs))
	}
	ta := NewTally(t, "skel")
	agreed := 0
	for i, j := range jobs {
		a := answers[i]
		name := strings.TrimSuffix(filepath.Base(j.File), ".usda")
		if a.Error != "" {
			ta.Case(t, name+"/open", "OpenUSD: "+a.Error)
			continue
		}
		st, err := usd.Open(j.File)
		if err != nil {
			ta.Case(t, name+"/open", "ours: "+err.Error())
			continue
		}
		for _, p := range j.Prims {
			d := skelDiff(st, p, a.Prims[p])
			if d == "" {
				agreed++
			}
			ta.Case(t, name+p, d)
		}
	}
	t.Logf("skel: %d prims agree with OpenUSD", agreed)
	ta.Report(t)
}

// skelDiff skins prim p with ours and compares with OpenUSD's answer (a
// list of [x,y,z] strings, or {"error": ...}).
func skelDiff(st *usd.Stage, path string, ref any) string {
	prim := st.PrimAtPath(path)
	var ours []usd.Vec3d
	var oursErr error
	if prim == nil {
		oursErr = fmt.Errorf("no prim")
	} else {
		pts, _ := prim.Attribute("points").Vec3fArray(usd.Default)
		ours = make([]usd.Vec3d, len(pts))
		for i, q := range pts {
			ours[i] = usd.Vec3d{float64(q[0]), float64(q[1]), float64(q[2])}
		}
		// Without a binding the points stay (OpenUSD's query then has
		// neither influences nor blend shapes, and deforms nothing).
		if b, ok := usd.FindSkelBinding(prim); ok {
			oursErr = b.SkinPoints(ours, usd.Default)
		}
	}
	refPts, ok := ref.([]any)
	switch {
	case !ok && oursErr != nil:
		return "" // both fail
	case !ok:
		return fmt.Sprintf("OpenUSD fails (%v), ours skins", ref)
	case oursErr != nil:
		return fmt.Sprintf("ours fails (%v), OpenUSD skins", oursErr)
	case len(refPts) != len(ours):
		return fmt.Sprintf("%d points, OpenUSD %d", len(ours), len(refPts))
	}
	for i, rp := range refPts {
		xyz, _ := rp.([]any)
		for k := 0; k < 3 && k < len(xyz); k++ {
			s, _ := xyz[k].(string)
			want, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fmt.Sprintf("point %d: bad reference %v", i, xyz)
			}
			if got := ours[i][k]; math.Abs(got-want) > 2e-5*max(1, math.Abs(want), math.Abs(got)) {
				return fmt.Sprintf("point %d = %v, OpenUSD %v", i, ours[i], xyz)
			}
		}
	}
	return ""
}

// genSkelRig writes a SkelRoot with a random joint tree (2–5 joints),
// random rest and bind poses, usually an animation (possibly sparse, in
// its own joint order, with scales), and 1–3 meshes with random vertex or
// constant influences (elementSize 1–3), sometimes a skel:joints order of
// their own, a geomBindTransform, dual-quaternion skinning, blend shapes
// with inbetweens, or influences inherited from an ancestor (with or
// without the SkelBindingAPI applied there). It returns the
// layer and the mesh paths.
func genSkelRig(seed uint64) (string, []string) {
	r := rand.New(rand.NewPCG(seed, 0x5ce1))
	p := func(x float64) bool { return r.Float64() < x }
	f := func(lo, hi float64) string { return fmtF(lo + (hi-lo)*r.Float64()) }
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	// Joints: each joint's parent is an earlier one.
	nj := 2 + r.IntN(4)
	joints := []string{"j0"}
	for i := 1; i < nj; i++ {
		joints = append(joints, joints[r.IntN(i)]+"/j"+strconv.Itoa(i))
	}
	quoted := func(xs []string) string {
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = strconv.Quote(x)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	quat := func() [4]float64 {
		q := [4]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		l := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
		for i := range q {
			q[i] = float64(float32(q[i] / l))
		}
		return q
	}
	// A random rigid transform (rows, row-vector convention).
	rigid := func() usd.Matrix4d {
		q := quat()
		m := usd.QuatMatrix(usd.Quatd{Real: q[0], Imag: usd.Vec3d{q[1], q[2], q[3]}})
		m[3] = [4]float64{r.Float64()*2 - 1, r.Float64()*2 - 1, r.Float64()*2 - 1, 1}
		return m
	}
	mat := func(m usd.Matrix4d) string {
		var rows []string
		for _, row := range m {
			rows = append(rows, fmt.Sprintf("(%s, %s, %s, %s)", fmtF(row[0]), fmtF(row[1]), fmtF(row[2]), fmtF(row[3])))
		}
		return "(" + strings.Join(rows, ", ") + ")"
	}
	rest := make([]usd.Matrix4d, nj)
	skelXf := make([]usd.Matrix4d, nj)
	parent := func(i int) int {
		j := joints[i]
		for k := i - 1; k >= 0; k-- {
			if strings.HasPrefix(j, joints[k]+"/") && strings.Count(j, "/") == strings.Count(joints[k], "/")+1 {
				return k
			}
		}
		return -1
	}
	for i := range rest {
		rest[i] = rigid()
		skelXf[i] = rest[i]
		if pi := parent(i); pi >= 0 {
			skelXf[i] = usd.Mul(rest[i], skelXf[pi])
		}
	}
	var restS, bindS []string
	for i := range rest {
		restS = append(restS, mat(rest[i]))
		bind := skelXf[i]
		if p(0.3) {
			bind = rigid()
		}
		bindS = append(bindS, mat(bind))
	}
	shapes := p(0.35)
	w("#usda 1.0")
	w(`def SkelRoot "Rig" (prepend apiSchemas = ["SkelBindingAPI"])`)
	w("{")
	rootBinds := p(0.5)
	if rootBinds {
		w("    rel skel:skeleton = </Rig/Skel>")
	}
	animOnRoot := p(0.2)
	if animOnRoot {
		w("    rel skel:animationSource = </Rig/Anim>")
	}
	w(`    def Skeleton "Skel" (prepend apiSchemas = ["SkelBindingAPI"])`)
	w("    {")
	w("        uniform token[] joints = %s", quoted(joints))
	w("        uniform matrix4d[] bindTransforms = [%s]", strings.Join(bindS, ", "))
	w("        uniform matrix4d[] restTransforms = [%s]", strings.Join(restS, ", "))
	if !animOnRoot && p(0.8) {
		w("        rel skel:animationSource = </Rig/Anim>")
	}
	w("    }")
	// Animation: a permutation of (some of) the joints.
	perm := r.Perm(nj)
	animJoints := make([]string, 0, nj)
	for _, k := range perm {
		animJoints = append(animJoints, joints[k])
	}
	if p(0.3) {
		animJoints = animJoints[:1+r.IntN(nj)]
	}
	var tr, rot, sc []string
	scaled := p(0.3)
	for range animJoints {
		tr = append(tr, fmt.Sprintf("(%s, %s, %s)", f(-1, 1), f(-1, 1), f(-1, 1)))
		q := quat()
		rot = append(rot, fmt.Sprintf("(%s, %s, %s, %s)", fmtF(q[0]), fmtF(q[1]), fmtF(q[2]), fmtF(q[3])))
		if scaled {
			sc = append(sc, fmt.Sprintf("(%s, %s, %s)", f(0.75, 1.25), f(0.75, 1.25), f(0.75, 1.25)))
		} else {
			sc = append(sc, "(1, 1, 1)")
		}
	}
	shapeNames := []string{"smile", "blink"}
	w(`    def SkelAnimation "Anim"`)
	w("    {")
	w("        uniform token[] joints = %s", quoted(animJoints))
	w("        float3[] translations = [%s]", strings.Join(tr, ", "))
	w("        quatf[] rotations = [%s]", strings.Join(rot, ", "))
	w("        half3[] scales = [%s]", strings.Join(sc, ", "))
	if shapes {
		w("        uniform token[] blendShapes = %s", quoted(shapeNames))
		w("        float[] blendShapeWeights = [%s, %s]", f(-0.5, 1.5), f(-0.5, 1.5))
	}
	w("    }")
	var prims []string
	for m := range 1 + r.IntN(3) {
		npts := 4 + r.IntN(6)
		constant := p(0.15)
		es := 1 + r.IntN(3)
		// Inherited influences: constant ones on a parent Xform.
		inherit := constant && p(0.5)
		indent := "    "
		path := fmt.Sprintf("/Rig/M%d", m)
		if inherit && p(0.6) {
			w(`    def Xform "G%d" (prepend apiSchemas = ["SkelBindingAPI"])`, m)
			w("    {")
			indent = "        "
			path = fmt.Sprintf("/Rig/G%d/M%d", m, m)
		} else if inherit {
			w(`    def Xform "G%d"`, m)
			w("    {")
			indent = "        "
			path = fmt.Sprintf("/Rig/G%d/M%d", m, m)
		}
		order := joints
		remap := p(0.3)
		if remap {
			order = nil
			for _, k := range r.Perm(nj) {
				order = append(order, joints[k])
			}
		}
		var ji, jw []string
		nInf := npts * es
		if constant {
			nInf = es
		}
		// Weights sum to 1 per point, as UsdSkel expects (OpenUSD does not
		// normalize: its DQS then scales points by the sum whenever a joint
		// has a scale, a threshold decision), except sometimes for LBS.
		dq := p(0.4)
		unnormalized := !dq && p(0.15)
		for i := 0; i < nInf; i += es {
			ws := make([]float64, es)
			sum := 0.0
			for k := range ws {
				ws[k] = r.Float64()
				sum += ws[k]
			}
			for k := range ws {
				if !unnormalized {
					ws[k] /= sum
				}
				ji = append(ji, strconv.Itoa(r.IntN(len(order))))
				jw = append(jw, fmtF(ws[k]))
			}
		}
		interp := "vertex"
		if constant {
			interp = "constant"
		}
		influences := func(in string) {
			w(`%sint[] primvars:skel:jointIndices = [%s] (`, in, strings.Join(ji, ", "))
			w(`%s    interpolation = "%s"`, in, interp)
			w(`%s    elementSize = %d`, in, es)
			w(`%s)`, in)
			w(`%sfloat[] primvars:skel:jointWeights = [%s] (`, in, strings.Join(jw, ", "))
			w(`%s    interpolation = "%s"`, in, interp)
			w(`%s    elementSize = %d`, in, es)
			w(`%s)`, in)
		}
		if inherit {
			influences(indent)
		}
		w(`%sdef Mesh "M%d" (prepend apiSchemas = ["SkelBindingAPI"])`, indent, m)
		w("%s{", indent)
		in := indent + "    "
		var pts, idx, counts []string
		for range npts {
			pts = append(pts, fmt.Sprintf("(%s, %s, %s)", f(-2, 2), f(-2, 2), f(-2, 2)))
		}
		for k := 1; k+1 < npts; k++ {
			counts = append(counts, "3")
			idx = append(idx, "0", strconv.Itoa(k), strconv.Itoa(k+1))
		}
		w("%spoint3f[] points = [%s]", in, strings.Join(pts, ", "))
		w("%sint[] faceVertexCounts = [%s]", in, strings.Join(counts, ", "))
		w("%sint[] faceVertexIndices = [%s]", in, strings.Join(idx, ", "))
		if !rootBinds {
			w("%srel skel:skeleton = </Rig/Skel>", in)
		}
		if !inherit {
			influences(in)
		}
		if remap {
			w("%suniform token[] skel:joints = %s", in, quoted(order))
		}
		if p(0.4) {
			g := rigid()
			if p(0.5) {
				for i := 0; i < 3; i++ {
					for k := 0; k < 3; k++ {
						g[i][k] *= 1.5
					}
				}
			}
			w("%smatrix4d primvars:skel:geomBindTransform = %s", in, mat(g))
		}
		if dq {
			w(`%suniform token primvars:skel:skinningMethod = "dualQuaternion"`, in)
		}
		if shapes {
			w("%suniform token[] skel:blendShapes = %s", in, quoted(shapeNames))
			w("%srel skel:blendShapeTargets = [<%s/smile>, <%s/blink>]", in, path, path)
			for _, s := range shapeNames {
				w(`%sdef BlendShape "%s"`, in, s)
				w("%s{", in)
				k := npts
				sparse := p(0.5)
				if sparse {
					k = 1 + r.IntN(npts)
					var pi []string
					for _, x := range r.Perm(npts)[:k] {
						pi = append(pi, strconv.Itoa(x))
					}
					w("%s    uniform int[] pointIndices = [%s]", in, strings.Join(pi, ", "))
				}
				offsets := func() string {
					var o []string
					for range k {
						o = append(o, fmt.Sprintf("(%s, %s, %s)", f(-0.5, 0.5), f(-0.5, 0.5), f(-0.5, 0.5)))
					}
					return strings.Join(o, ", ")
				}
				w("%s    uniform vector3f[] offsets = [%s]", in, offsets())
				if p(0.5) {
					w("%s    uniform vector3f[] inbetweens:mid = [%s] (", in, offsets())
					w("%s        weight = %s", in, f(0.2, 0.8))
					w("%s    )", in)
				}
				w("%s}", in)
			}
		}
		w("%s}", indent)
		if inherit {
			w("    }")
		}
		prims = append(prims, path)
	}
	w("}")
	return b.String(), prims
}

func fmtF(x float64) string { return strconv.FormatFloat(float64(float32(x)), 'g', 7, 64) }
