package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rgallery/rgallery/render/subdiv"
)

// TestOracleSubdiv compares render/subdiv with OpenSubdiv, as Blender's
// Subdivision Surface modifier drives it (scripts/oracle/subdiv_blender.py,
// run with the benchmark environment's Python that has bpy:
// RGALLERY_BENCH_PYTHON, default /var/tmp/rgallery-bench/bin/python; the
// test skips without it). usd-core has no OpenSubdiv bindings.
//
// Generated meshes (genSubdivCase; -oracle.n, default 30, seeds from
// -oracle.seed, default 1): jittered cubes, open grids, n-gon prisms and
// grids with triangles, levels 1–3, Catmull-Clark or bilinear, both
// boundary rules, every face-varying rule, infinitely and semi-sharp edges
// and corners, refined or pushed to the limit. One case per mesh: the refined
// points agree as sets, and so do the (position, uv) pairs of every
// face-vertex, within 2e-5 of the magnitude (Blender works in float); at
// the limit (where OpenSubdiv also moves face-varying values and we do
// not) the points agree as limitDiff says.
func TestOracleSubdiv(t *testing.T) {
	py := os.Getenv("RGALLERY_BENCH_PYTHON")
	if py == "" {
		py = "/var/tmp/rgallery-bench/bin/python"
	}
	if _, err := os.Stat(py); err != nil {
		t.Skipf("no Blender Python (%s: %v): run scripts/oracle-dev.sh setup --bench, or set RGALLERY_BENCH_PYTHON", py, err)
	}
	n, seed := N(30), Seed(1)
	var jobs []subdivJob
	var ours []*subdivCase
	for i := range n {
		c := genSubdivCase(seed + uint64(i))
		jobs = append(jobs, c.job)
		ours = append(ours, c)
	}
	type answer struct {
		Points  [][]string `json:"points"`
		Corners [][]string `json:"corners"`
		Error   string     `json:"error"`
	}
	answers := runBench[answer](t, py, "subdiv_blender.py", jobs)
	if len(answers) != len(jobs) {
		t.Fatalf("%d answers for %d jobs", len(answers), len(jobs))
	}
	ta := NewTally(t, "subdiv")
	for i, c := range ours {
		a := answers[i]
		name := fmt.Sprintf("gen-%d/%s-%s-L%d-%s-%s-limit=%v", seed+uint64(i), c.shape, c.job.Scheme, c.job.Level, c.job.Boundary, c.job.FVar, c.job.Limit)
		if a.Error != "" {
			ta.Case(t, name, "Blender: "+a.Error)
			continue
		}
		ta.Case(t, name, c.diff(a.Points, a.Corners))
	}
	ta.Report(t)
}

// subdivJob is one mesh for subdiv_blender.py.
type subdivJob struct {
	Points  [][3]float64 `json:"points"`
	Counts  []int32      `json:"counts"`
	Indices []int32      `json:"indices"`
	Creases [][2]int32   `json:"creases,omitempty"`
	// CreaseValues are Blender's crease values c, sharpness 10·c².
	CreaseValues []float64    `json:"creaseValues,omitempty"`
	Corners      []int32      `json:"corners,omitempty"`
	UV           [][2]float64 `json:"uv,omitempty"`
	Level        int          `json:"level"`
	Limit        bool         `json:"limit"`
	Scheme       string       `json:"scheme"`
	Boundary     string       `json:"boundary"`
	FVar         string       `json:"fvar"`
}

type subdivCase struct {
	shape string
	job   subdivJob
}

func genSubdivCase(seed uint64) *subdivCase {
	r := rand.New(rand.NewPCG(seed, 0x5ab))
	c := &subdivCase{}
	j := &c.job
	quad := func(a, b, cc, d int32) {
		j.Counts = append(j.Counts, 4)
		j.Indices = append(j.Indices, a, b, cc, d)
	}
	switch r.IntN(4) {
	case 0:
		c.shape = "cube"
		j.Points = [][3]float64{{-1, -1, -1}, {1, -1, -1}, {1, 1, -1}, {-1, 1, -1}, {-1, -1, 1}, {1, -1, 1}, {1, 1, 1}, {-1, 1, 1}}
		for _, f := range [][4]int32{{0, 3, 2, 1}, {4, 5, 6, 7}, {0, 1, 5, 4}, {2, 3, 7, 6}, {1, 2, 6, 5}, {0, 4, 7, 3}} {
			quad(f[0], f[1], f[2], f[3])
		}
	case 1, 3:
		c.shape = "grid"
		nx, ny := 1+r.IntN(4), 1+r.IntN(3)
		for y := 0; y <= ny; y++ {
			for x := 0; x <= nx; x++ {
				j.Points = append(j.Points, [3]float64{float64(x), float64(y), 0.3 * r.Float64()})
			}
		}
		tris := r.IntN(2) == 1
		for y := 0; y < ny; y++ {
			for x := 0; x < nx; x++ {
				a := int32(y*(nx+1) + x)
				b, cc, d := a+1, a+int32(nx)+2, a+int32(nx)+1
				if tris && (x+y)%2 == 0 {
					c.shape = "grid+tris"
					j.Counts = append(j.Counts, 3, 3)
					j.Indices = append(j.Indices, a, b, cc, a, cc, d)
					continue
				}
				quad(a, b, cc, d)
			}
		}
	case 2:
		c.shape = "prism"
		k := 5 + r.IntN(2)
		for ring := 0; ring < 2; ring++ {
			for i := range k {
				s, co := math.Sincos(2 * math.Pi * float64(i) / float64(k))
				j.Points = append(j.Points, [3]float64{co, s, float64(ring)})
			}
		}
		kk := int32(k)
		bottom, top := []int32{}, []int32{}
		for i := kk - 1; i >= 0; i-- {
			bottom = append(bottom, i)
		}
		for i := range kk {
			top = append(top, kk+i)
			quad(i, (i+1)%kk, kk+(i+1)%kk, kk+i)
		}
		j.Counts = append(j.Counts, kk, kk)
		j.Indices = append(j.Indices, bottom...)
		j.Indices = append(j.Indices, top...)
	}
	for i := range j.Points {
		for k := range 3 {
			j.Points[i][k] += 0.15 * (r.Float64() - 0.5)
		}
	}
	// Infinitely sharp interior edges and corners. (A crease on a boundary
	// edge changes nothing in OpenSubdiv, boundary edges being sharp
	// already, but Blender's converter then makes a boundary vertex between
	// two creased edges a corner: not generated.)
	faces := map[[2]int32]int{}
	var edges [][2]int32
	off := 0
	for _, n := range j.Counts {
		for i := range int(n) {
			a, b := j.Indices[off+i], j.Indices[off+(i+1)%int(n)]
			if a > b {
				a, b = b, a
			}
			if faces[[2]int32{a, b}]++; faces[[2]int32{a, b}] == 2 {
				edges = append(edges, [2]int32{a, b})
			}
		}
		off += int(n)
	}
	if len(edges) > 0 && r.IntN(2) == 0 {
		semi := r.IntN(2) == 0
		used := map[[2]int32]bool{}
		for range 1 + r.IntN(3) {
			e := edges[r.IntN(len(edges))]
			if used[e] {
				continue
			}
			used[e] = true
			c := 1.0
			if semi {
				// Semi-sharp: sharpness 10·c² from 0.4 to 4.9.
				c = []float64{0.2, 0.3, 0.45, 0.55, 0.7}[r.IntN(5)]
			}
			j.Creases = append(j.Creases, e)
			j.CreaseValues = append(j.CreaseValues, c)
		}
	}
	if r.IntN(3) == 0 {
		j.Corners = append(j.Corners, int32(r.IntN(len(j.Points))))
	}
	// A uv per face-vertex, every face wound the same way in uv (Blender
	// splits uvs of faces wound the other way, or of no area, into
	// islands): on the flat shapes the point's xy, with one face cut off as
	// an island (seams; not more, as islands touching at a corner only make
	// "bowtie" values whose welding Blender and the USD indices may see
	// differently); on the closed ones each face its own island, a regular
	// polygon (three or more regions at every corner).
	if r.IntN(10) < 7 {
		k := 0
		islandFace := r.IntN(len(j.Counts) + 1) // len: no island
		for f, n := range j.Counts {
			island := f == islandFace
			for i := range n {
				p := j.Points[j.Indices[k]]
				uv := [2]float64{p[0] * 0.25, p[1] * 0.25}
				if c.shape == "cube" || c.shape == "prism" {
					s, co := math.Sincos(2*math.Pi*float64(i)/float64(n) + 0.3)
					uv = [2]float64{3*float64(f) + co, s}
				} else if island {
					uv[0] += 2
				}
				j.UV = append(j.UV, uv)
				k++
			}
		}
	}
	j.Level = 1 + r.IntN(3)
	j.Limit = r.IntN(3) == 0
	j.Scheme = "catmullClark"
	if r.IntN(7) == 0 {
		// Bilinear's limit is its refined mesh (ours ignores Limit), but
		// Blender evaluates n-gons' bilinear patches elsewhere: refined only.
		j.Scheme, j.Limit = "bilinear", false
	}
	j.Boundary = []string{"edgeAndCorner", "edgeOnly"}[r.IntN(2)]
	j.FVar = []string{"none", "cornersOnly", "cornersPlus1", "cornersPlus2", "boundaries", "all"}[r.IntN(6)]
	return c
}

// refine runs render/subdiv on the case.
func (c *subdivCase) refine() (*subdiv.Result, error) {
	j := c.job
	m := &subdiv.Mesh{Points: j.Points, Counts: j.Counts, Indices: j.Indices}
	for i, e := range j.Creases {
		c := 1.0
		if i < len(j.CreaseValues) {
			c = j.CreaseValues[i]
		}
		// Blender's crease c is sharpness 10·c², computed in float.
		sharp := float64(float32(10 * float32(c) * float32(c)))
		m.Creases = append(m.Creases, subdiv.Crease{V0: e[0], V1: e[1], Sharpness: sharp})
	}
	for _, v := range j.Corners {
		m.Corners = append(m.Corners, subdiv.Corner{V: v, Sharpness: subdiv.Infinite})
	}
	opt := subdiv.Options{Level: j.Level, Limit: j.Limit}
	if j.Scheme == "bilinear" {
		opt.Scheme = subdiv.Bilinear
	}
	if j.Boundary == "edgeOnly" {
		opt.Boundary = subdiv.BoundaryEdgeOnly
	}
	opt.FVar = map[string]subdiv.FVarLinear{"none": subdiv.FVarNone, "cornersOnly": subdiv.FVarCornersOnly,
		"cornersPlus1": subdiv.FVarCornersPlus1, "cornersPlus2": subdiv.FVarCornersPlus2,
		"boundaries": subdiv.FVarBoundaries, "all": subdiv.FVarAll}[j.FVar]
	var ch []subdiv.Channel
	if j.UV != nil {
		uv := subdiv.Channel{Interp: subdiv.FaceVarying, Dim: 2}
		for i, v := range j.UV {
			uv.Values = append(uv.Values, v[0], v[1])
			uv.Indices = append(uv.Indices, int32(i))
		}
		// Blender welds equal uvs of a vertex into one fvar value: do
		// the same.
		uv.Indices = weldUVs(j.Indices, j.UV)
		ch = append(ch, uv)
	}
	return subdiv.Refine(m, ch, opt)
}

// weldUVs gives equal uvs at the same point one face-varying index, as
// Blender welds a UV map into OpenSubdiv's face-varying values.
func weldUVs(points []int32, uv [][2]float64) []int32 {
	type key struct {
		p  int32
		uv [2]float64
	}
	seen := map[key]int32{}
	out := make([]int32, len(uv))
	for i, v := range uv {
		k := key{points[i], v}
		if _, ok := seen[k]; !ok {
			seen[k] = int32(i)
		}
		out[i] = seen[k]
	}
	return out
}

func parseRows(rows [][]string) ([][]float64, error) {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		for _, s := range r {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], f)
		}
	}
	return out, nil
}

// diff compares ours with Blender's points and face-vertex (position, uv)
// rows, as sets.
func (c *subdivCase) diff(points, corners [][]string) string {
	res, err := c.refine()
	if err != nil {
		return "ours fails: " + err.Error()
	}
	ref, err := parseRows(points)
	if err != nil {
		return "bad reference: " + err.Error()
	}
	var got [][]float64
	for _, p := range res.Points {
		got = append(got, p[:])
	}
	if c.job.Limit {
		return limitDiff(got, ref)
	}
	if d := setDiff("point", got, ref); d != "" {
		return d
	}
	if c.job.UV == nil {
		return ""
	}
	refC, err := parseRows(corners)
	if err != nil {
		return "bad reference: " + err.Error()
	}
	uv := res.Channels[0]
	var gotC [][]float64
	for i, pi := range res.Indices {
		p, k := res.Points[pi], uv.Indices[i]
		gotC = append(gotC, []float64{p[0], p[1], p[2], uv.Values[2*k], uv.Values[2*k+1]})
	}
	return setDiff("face-vertex (x,y,z,u,v)", gotC, refC)
}

// setDiff reports the first row of got with no row of want within
// tolerance, or the reverse, or different counts.
func setDiff(what string, got, want [][]float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d %ss, OpenSubdiv %d", len(got), what, len(want))
	}
	near := func(a, b []float64) bool {
		for k := range a {
			if math.Abs(a[k]-b[k]) > 2e-5*max(1, math.Abs(b[k])) {
				return false
			}
		}
		return true
	}
	find := func(x []float64, in [][]float64) bool {
		for _, y := range in {
			if near(x, y) {
				return true
			}
		}
		return false
	}
	for _, g := range got {
		if !find(g, want) {
			return fmt.Sprintf("our %s %v is not OpenSubdiv's", what, g)
		}
	}
	for _, w := range want {
		if !find(w, got) {
			return fmt.Sprintf("OpenSubdiv's %s %v is not ours", what, w)
		}
	}
	return ""
}

// limitDiff compares limit positions. Our limit masks are exact where the
// final level's neighbourhood is regular; next to corners, crease ends,
// non-quad faces and extraordinary boundary vertices OpenSubdiv evaluates
// its patches (Gregory patches at the isolation level Blender's quality
// sets) and we apply the local mask, and the two approximations differ by
// up to a few percent of an edge. So: every point within 2e-5 but at most
// a quarter of them, or 8 (at level 1 the points next to features are
// many), and those within 4% of the mesh's size.
func limitDiff(got, want [][]float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d limit points, OpenSubdiv %d", len(got), len(want))
	}
	lo, hi := []float64{math.Inf(1), math.Inf(1), math.Inf(1)}, []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, w := range want {
		for k := range 3 {
			lo[k], hi[k] = min(lo[k], w[k]), max(hi[k], w[k])
		}
	}
	size := math.Hypot(math.Hypot(hi[0]-lo[0], hi[1]-lo[1]), hi[2]-lo[2])
	off := 0
	for _, g := range got {
		best := math.Inf(1)
		for _, w := range want {
			best = min(best, math.Hypot(math.Hypot(g[0]-w[0], g[1]-w[1]), g[2]-w[2]))
		}
		if best > 2e-5*max(1, size) {
			off++
			if best > 0.04*size {
				return fmt.Sprintf("limit point %v is %.3g from OpenSubdiv's nearest (mesh size %.3g)", g, best, size)
			}
		}
	}
	if off > 8 && off*4 > len(got) {
		return fmt.Sprintf("%d of %d limit points differ from OpenSubdiv's by more than 2e-5", off, len(got))
	}
	return ""
}

// runBench is RunBatch with the benchmark environment's Python (Blender),
// whose own messages on stdout are passed over.
func runBench[T any](t *testing.T, py, script string, jobs any) []T {
	t.Helper()
	return runBatch[T](t, py, script, nil, jobs, 10*time.Minute, true)
}
