package usdscene

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// Facts are what the renderer takes from a stage, gprim by gprim: the
// numbers `rgallery usd scene --json` prints and the differential test
// against OpenUSD (internal/oracle, TestOracleScene) compares with
// UsdGeom.XformCache, UsdShadeMaterialBindingAPI::ComputeBoundMaterial,
// UsdGeomImageable::ComputeVisibility/ComputePurpose,
// UsdGeomBoundable::ComputeExtentFromPlugins and
// UsdGeomPointInstancer::ComputeInstanceTransformsAtTime.
//
// They are recorded by the conversion itself (Convert with a recorder), so
// they are the values the render uses, not a second computation.
//
// Render time: the stage's startTimeCode (else startFrame, else 0, as
// UsdStage::GetStartTimeCode). Every attribute is read at that time, so
// time samples win over defaults, as OpenUSD's Get(startTimeCode) does.
//
// Which prims: every active, defined, non-abstract prim the conversion
// walks, instance proxies included (named by their instance-proxy path),
// whose type the renderer draws (Mesh, the implicit gprims, BasisCurves,
// NurbsCurves, HermiteCurves and Points); and every PointInstancer. The
// walk does not go below PointInstancers (their prototypes are drawn
// through them), curves, points, materials, shaders, cameras, render
// settings, or prims it does not render (volumes, patches, which it warns
// about), nor below a model that UsdImaging draws by its model:drawMode
// (drawmode.go: cards or bounds replace the subtree). Invisible gprims and gprims of the proxy and guide
// purposes are listed too (with their visibility and purpose), although
// the renderer draws only visible default- and render-purpose gprims.
type Facts struct {
	File       string           `json:"file,omitempty"`
	Time       float64          `json:"time"`
	Gprims     []GprimFacts     `json:"gprims"`
	Instancers []InstancerFacts `json:"instancers"`
}

// GprimFacts is one gprim as the renderer sees it.
type GprimFacts struct {
	Path       string `json:"path"`
	Type       string `json:"type"`
	Visibility string `json:"visibility"` // "inherited" or "invisible", computed
	Purpose    string `json:"purpose"`    // computed: default, render, proxy, guide
	// World is local to world, row-vector convention (as GfMatrix4d).
	World Matrix `json:"world"`
	// Material is the bound material per purpose ("full" is the one the
	// renderer uses; "preview" is there to test the purpose rule).
	Material map[string]Binding `json:"material"`
	// Extent is the local-space box of the geometry the renderer builds
	// (the points of a Mesh, the tessellation of an implicit gprim); nil
	// when it builds nothing. It is rounded to float32, the precision of
	// UsdGeomBoundable's extent (float3[]). For curves and points it is
	// OpenUSD's rule instead (usd.CurvesExtent, usd.PointsExtent: the
	// control hull grown by the widest width, the points grown by their
	// widths), which bounds the tessellated tubes and spheres.
	Extent *Extent `json:"extent"`
	// Skinned tells whether the prim has a UsdSkel binding with joint
	// influences or blend shapes (usd.FindSkelBinding, as UsdSkelCache's
	// skinning query): a mesh so bound is skinned when rendered. Facts keep
	// the unskinned points (Extent is UsdGeomBoundable's, as the reference's).
	Skinned bool `json:"skinned"`
	// Subsets are the mesh's GeomSubsets of the materialBind family, by
	// name, with the material the renderer gives their faces (purpose
	// full).
	Subsets []SubsetFacts `json:"subsets"`
}

// SubsetFacts is one materialBind GeomSubset of a mesh.
type SubsetFacts struct {
	Name     string `json:"name"`
	Material string `json:"material"`
}

// Binding is a bound material and the binding relationship that won
// ("" when none).
type Binding struct {
	Material string `json:"material"`
	Rel      string `json:"rel"`
}

// InstancerFacts is one PointInstancer.
type InstancerFacts struct {
	Path       string   `json:"path"`
	Visibility string   `json:"visibility"`
	Purpose    string   `json:"purpose"`
	World      Matrix   `json:"world"`
	Prototypes []string `json:"prototypes"`
	// Instances are the unmasked instances in index order: the prototype
	// index and the instance transform in the instancer's space, the
	// prototype root's own transform included (ComputeInstanceTransforms
	// with IncludeProtoXform and ApplyMask).
	Instances []InstanceFacts `json:"instances"`
}

// InstanceFacts is one instance of a PointInstancer.
type InstanceFacts struct {
	Index int    `json:"index"`
	Proto int    `json:"proto"`
	Xform Matrix `json:"xform"`
}

// Matrix is a 4×4 double matrix; it prints non-finite entries as the
// strings "nan", "inf", "-inf" (JSON has no such numbers).
type Matrix [4][4]float64

// Extent is a box, min then max.
type Extent [2][3]float64

// MarshalJSON prints the rows.
func (m Matrix) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('[')
	for r := range 4 {
		if r > 0 {
			b.WriteByte(',')
		}
		writeFloats(&b, m[r][:])
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}

// MarshalJSON prints min and max.
func (e Extent) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('[')
	writeFloats(&b, e[0][:])
	b.WriteByte(',')
	writeFloats(&b, e[1][:])
	b.WriteByte(']')
	return []byte(b.String()), nil
}

func writeFloats(b *strings.Builder, v []float64) {
	b.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		switch {
		case math.IsNaN(f):
			b.WriteString(`"nan"`)
		case math.IsInf(f, 1):
			b.WriteString(`"inf"`)
		case math.IsInf(f, -1):
			b.WriteString(`"-inf"`)
		default:
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	b.WriteByte(']')
}

// JSON is the facts as one line of JSON.
func (f *Facts) JSON() ([]byte, error) { return json.Marshal(f) }

// ComputeFacts converts the stage as Convert does (textures included) and
// returns the facts the conversion recorded.
func ComputeFacts(ctx context.Context, st *usd.Stage) (*Facts, error) {
	f := &Facts{Time: float64(renderTime(st)), Gprims: []GprimFacts{}, Instancers: []InstancerFacts{}}
	if _, err := convert(ctx, st, Options{}, f); err != nil {
		return nil, err
	}
	sort.Slice(f.Gprims, func(i, j int) bool { return f.Gprims[i].Path < f.Gprims[j].Path })
	sort.Slice(f.Instancers, func(i, j int) bool { return f.Instancers[i].Path < f.Instancers[j].Path })
	return f, nil
}

// renderTime is the time the renderer reads: the stage's startTimeCode,
// else the older startFrame, else 0 (UsdStage::GetStartTimeCode).
func renderTime(st *usd.Stage) usd.TimeCode {
	for _, key := range []string{"startTimeCode", "startFrame"} {
		if v, ok := st.Metadata(key); ok {
			switch x := v.(type) {
			case float64:
				return usd.TimeCode(x)
			case float32:
				return usd.TimeCode(x)
			case int64:
				return usd.TimeCode(x)
			case int32:
				return usd.TimeCode(x)
			case int:
				return usd.TimeCode(x)
			}
		}
	}
	return 0
}

// recordGprim notes a gprim the conversion met at path (an instance proxy
// path for gprims inside native instances), with the prim that stands at
// that path for visibility, purpose and binding.
func (c *conv) recordGprim(at *usd.Prim, typ string, world render.Matrix, m *render.Mesh, subs []SubsetFacts) {
	if c.facts == nil {
		return
	}
	g := GprimFacts{
		Path: at.Path(), Type: typ, Visibility: usd.ComputeVisibility(at, c.time), Purpose: usd.ComputePurpose(at),
		World: Matrix(world), Material: map[string]Binding{},
	}
	for _, purpose := range []string{"full", "preview"} {
		g.Material[purpose] = bindingFacts(at, purpose)
	}
	if m != nil && len(m.P) > 0 {
		e := Extent{{math.Inf(1), math.Inf(1), math.Inf(1)}, {math.Inf(-1), math.Inf(-1), math.Inf(-1)}}
		for _, p := range m.P {
			for k, v := range [3]float64{p.X, p.Y, p.Z} {
				e[0][k] = math.Min(e[0][k], v)
				e[1][k] = math.Max(e[1][k], v)
			}
		}
		for i := range e {
			for k := range e[i] {
				e[i][k] = float64(float32(e[i][k]))
			}
		}
		g.Extent = &e
	}
	_, g.Skinned = usd.FindSkelBinding(at)
	g.Subsets = subs
	if g.Subsets == nil {
		g.Subsets = []SubsetFacts{}
	}
	c.facts.Gprims = append(c.facts.Gprims, g)
}

func bindingFacts(p *usd.Prim, purpose string) Binding {
	var b Binding
	mat, rel := usd.ComputeBoundMaterialFor(p, purpose)
	if mat != nil {
		b.Material = mat.Path()
	}
	if rel != nil {
		b.Rel = rel.Prim().Path() + "." + rel.Name()
	}
	return b
}
