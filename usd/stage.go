package usd

import (
	"fmt"
	"io"
	"iter"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/rgallery/rgallery/usd/pcp"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Value types, shared with the layer model (see the package doc).
type (
	Token          = sdf.Token
	Half           = sdf.Half
	AssetPath      = sdf.AssetPath
	Vec2f          = sdf.Vec2f
	Vec3f          = sdf.Vec3f
	Vec4f          = sdf.Vec4f
	Vec2d          = sdf.Vec2d
	Vec3d          = sdf.Vec3d
	Vec4d          = sdf.Vec4d
	Vec2h          = sdf.Vec2h
	Vec3h          = sdf.Vec3h
	Vec4h          = sdf.Vec4h
	Vec2i          = sdf.Vec2i
	Vec3i          = sdf.Vec3i
	Vec4i          = sdf.Vec4i
	Quatf          = sdf.Quatf
	Quatd          = sdf.Quatd
	Quath          = sdf.Quath
	Matrix2d       = sdf.Matrix2d
	Matrix3d       = sdf.Matrix3d
	Matrix4d       = sdf.Matrix4d
	PathExpression = sdf.PathExpression
)

// TimeCode is a time on the stage's timeline, in time codes.
type TimeCode float64

// Default is the time code that asks for the default (non-animated) value.
var Default = TimeCode(math.NaN())

// IsDefault reports whether t is Default.
func (t TimeCode) IsDefault() bool { return math.IsNaN(float64(t)) }

// OpenOption configures Open.
type OpenOption func(*openConfig)

type openConfig struct {
	noPayloads bool
	fallbacks  map[string][]string
	resolver   Resolver
	session    string
	// pcpOnly composes as a PcpCache for the root layer alone rather than
	// as a UsdStage (tests against Pcp's own baselines).
	pcpOnly bool
}

// WithoutPayloads opens the stage with payload arcs unloaded.
func WithoutPayloads() OpenOption { return func(c *openConfig) { c.noPayloads = true } }

// WithVariantFallbacks sets the variant selections used when none is authored.
func WithVariantFallbacks(f map[string][]string) OpenOption {
	return func(c *openConfig) { c.fallbacks = f }
}

// VariantFallbacksEnv names the environment variable the rgallery commands
// read variant fallbacks from, in ParseVariantFallbacks' syntax.
const VariantFallbacksEnv = "RGALLERY_VARIANT_FALLBACKS"

// ParseVariantFallbacks reads variant fallbacks written as
// "SET=SEL[,SEL...]", several sets separated by ';' (e.g.
// "standin=render,anim;lod=hi"): for each variant set, the selections to
// try in order when none is authored, as PcpCache::SetVariantFallbacks
// takes them. A set given twice keeps its last list; an empty string
// gives no fallbacks.
func ParseVariantFallbacks(spec string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, part := range strings.Split(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		set, sels, ok := strings.Cut(part, "=")
		set = strings.TrimSpace(set)
		if !ok || set == "" {
			return nil, fmt.Errorf("variant fallback %q: want SET=SELECTION[,SELECTION...]", part)
		}
		var list []string
		for _, sel := range strings.Split(sels, ",") {
			if sel = strings.TrimSpace(sel); sel != "" {
				list = append(list, sel)
			}
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("variant fallback %q: no selection for set %q", part, set)
		}
		out[set] = list
	}
	return out, nil
}

// WithResolver replaces the default FileResolver.
func WithResolver(r Resolver) OpenOption { return func(c *openConfig) { c.resolver = r } }

// WithSessionLayer adds a session layer, stronger than the root layer stack.
func WithSessionLayer(path string) OpenOption { return func(c *openConfig) { c.session = path } }

// Stage is a composed scene.
type Stage struct {
	rootPath string
	loader   *layerLoader
	cache    *pcp.Cache
	root     *Prim // pseudo-root
	prims    map[string]*Prim
	errs     []error

	protoOnce sync.Once
	protos    map[string]*Prim // instance key -> the prototype's source instance
}

// OpenAsset opens an asset by its resolved path, as AssetPath.Resolved
// gives it: a file, or a file inside a usdz package ("a.usdz[tex.png]"),
// read through the resolver the stage was opened with.
func (s *Stage) OpenAsset(resolved string) (io.ReadCloser, error) {
	return s.loader.res.Open(resolved)
}

// Open reads the file at path and composes it. Composition problems
// (missing layers, cycles) do not fail Open; they are in Errors.
func Open(file string, opts ...OpenOption) (*Stage, error) {
	cfg := openConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	if cfg.resolver == nil {
		// UsdStage::Open binds the resolver context made for the root
		// layer (ArDefaultResolver::CreateDefaultContextForAsset): its
		// search path is the root layer's directory, so a search-path
		// asset ("sub/a.usd") not found next to its anchoring layer is
		// looked up there.
		cfg.resolver = &FileResolver{SearchPaths: []string{filepath.Dir(abs)}}
	}
	ld := newLoader(cfg.resolver)
	resolved, err := cfg.resolver.Resolve(abs, "")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	rootLayer, err := ld.loadResolved(resolved)
	if err != nil {
		return nil, err
	}
	var session *sdf.Layer
	if cfg.session != "" {
		sp, _ := filepath.Abs(cfg.session)
		session, err = ld.loadResolved(sp)
		if err != nil {
			return nil, err
		}
	}
	s := &Stage{rootPath: rootLayer.Identifier, loader: ld, prims: map[string]*Prim{}}
	s.cache = pcp.NewCache(ld, rootLayer, session)
	s.cache.NoPayloads = cfg.noPayloads
	s.cache.Fallbacks = cfg.fallbacks
	if !cfg.pcpOnly {
		s.cache.Instancing = true
		s.cache.StageRootLayerStack()
	}
	s.errs = append(s.errs, s.cache.LayerErrors...)
	s.root = &Prim{stage: s, path: "/"}
	s.prims["/"] = s.root
	rootErrs := len(s.cache.LayerErrors)
	s.compose(s.root, 0)
	s.errs = append(s.errs, s.primIndexErrors()...)
	if s.cache.Instancing {
		s.assignPrototypeSources()
	}
	// The errors of the layer stacks that arcs brought in (a missing or
	// cyclic sublayer, invalid relocates there), as Pcp reports them when
	// the layer stack is first computed.
	s.errs = append(s.errs, s.cache.LayerErrors[rootErrs:]...)
	return s, nil
}

// maxNamespaceDepth bounds the depth of the composed namespace: a safety net
// for namespaces that arcs make grow without end where our cycle detection
// misses what OpenUSD's catches (an error naming the prim, never a hang).
const maxNamespaceDepth = 128

// compose builds the children of p, depth first.
func (s *Stage) compose(p *Prim, depth int) {
	if depth > maxNamespaceDepth {
		s.errs = append(s.errs, fmt.Errorf("%s: namespace too deep", p.path))
		return
	}
	var names []string
	if p.path == "/" {
		ls := s.cache.RootLayerStack()
		// The pseudo-root's index is its root node alone; its child
		// names are composed like any prim's, so the root layer stack's
		// relocates to root prims add those names (_ComposePrimChildNamesAtNode
		// at </>), even when the relocation is prohibited (the target is
		// then an over with no opinions, as in usd-core).
		root := &pcp.Node{LayerStack: ls, Path: "/"}
		names = pcp.ChildNames(&pcp.PrimIndex{Path: "/", Root: root, Nodes: []*pcp.Node{root}})
	}
	// Below an instance, namespace and opinions come from the prototype:
	// the instance's arcs without its local opinions (Pcp instancing).
	// OpenUSD does not compose below an inactive prim (UsdStage populates
	// no children there, so it has no errors there either): neither do
	// we. Besides matching, this keeps a file whose inactive subtrees
	// multiply through references from costing what OpenUSD never pays.
	if p.path != "/" && !p.IsActive() {
		return
	}
	instDepth := p.instDepth
	if instDepth == 0 && p.path != "/" && p.IsInstance() {
		instDepth = pathDepth(p.path)
	}
	if p.path != "/" {
		// An instance's child names come from its whole index, which
		// pcp.ChildNames restricts to the nodes instances share.
		names = pcp.ChildNames(p.index)
	}
	for _, n := range names {
		cp := sdf.AppendChild(p.path, n)
		idx := s.cache.PrimIndex(cp)
		// Below an instance, Pcp has already made the nodes that are not
		// the instance's arcs inert (Pcp_DisableNonInstanceableNodesVisitor,
		// applied where each child's index is built); the stage filters
		// nothing more, so inert nodes stay for what reads every node
		// (UsdVariantSets::GetNames).
		// Every name Pcp composes is a prim, even one no layer has a spec
		// for (a child relocated here from a prim of another parent):
		// UsdStage::_ComposeChildren instantiates each name of
		// PcpPrimIndex::ComputePrimChildNames.
		c := &Prim{stage: s, path: cp, name: n, parent: p, index: idx, instDepth: instDepth}
		c.pcpErrs = append(c.pcpErrs, idx.Errors...)
		c.pcpErrs = append(c.pcpErrs, idx.RelocationSourceErrors()...)
		p.children = append(p.children, c)
		s.prims[cp] = c
		s.compose(c, depth+1)
	}
}

func pathDepth(p string) int { return strings.Count(sdf.StripVariants(p), "/") }

// Errors returns the composition errors found while opening, then the
// values of the stage's layers that failed to decode so far (crate values
// are decoded when first asked for, so ask again after reading values).
func (s *Stage) Errors() []error {
	out := append([]error(nil), s.errs...)
	s.loader.mu.Lock()
	layers := append([]*sdf.Layer(nil), s.loader.order...)
	s.loader.mu.Unlock()
	for _, l := range layers {
		out = append(out, l.DecodeErrors.Errors()...)
	}
	return out
}

// RootLayerPath is the resolved path of the root layer.
func (s *Stage) RootLayerPath() string { return s.rootPath }

// RootLayer returns the root layer.
func (s *Stage) RootLayer() *sdf.Layer { return s.cache.RootLayerStack().Root() }

// PseudoRoot returns the prim at "/".
func (s *Stage) PseudoRoot() *Prim { return s.root }

// PrimAtPath returns the prim at path, or nil.
func (s *Stage) PrimAtPath(path string) *Prim {
	if path != "/" {
		path = strings.TrimSuffix(path, "/")
	}
	return s.prims[path]
}

// Traverse yields the active, defined, non-class prims depth first.
func (s *Stage) Traverse() iter.Seq[*Prim] {
	return func(yield func(*Prim) bool) {
		var rec func(p *Prim) bool
		rec = func(p *Prim) bool {
			for _, c := range p.children {
				if !c.IsActive() || !c.IsDefined() || c.IsAbstract() {
					continue
				}
				if !yield(c) || !rec(c) {
					return false
				}
			}
			return true
		}
		rec(s.root)
	}
}

// TraverseAll yields every composed prim (including inactive, over-only
// and class prims) depth first.
func (s *Stage) TraverseAll() iter.Seq[*Prim] {
	return func(yield func(*Prim) bool) {
		var rec func(p *Prim) bool
		rec = func(p *Prim) bool {
			for _, c := range p.children {
				if !yield(c) || !rec(c) {
					return false
				}
			}
			return true
		}
		rec(s.root)
	}
}

func (s *Stage) layerMeta(key string) (any, bool) {
	for _, l := range s.cache.RootLayerStack().Layers {
		if v, ok := l.Meta(key); ok {
			return v, true
		}
	}
	return nil, false
}

// Metadata returns a stage (root layer) metadata value.
func (s *Stage) Metadata(key string) (any, bool) { return s.layerMeta(key) }

// DefaultPrim returns the prim named by the root layer's defaultPrim.
func (s *Stage) DefaultPrim() *Prim {
	dp := s.RootLayer().DefaultPrim()
	if dp == "" {
		return nil
	}
	if !strings.HasPrefix(dp, "/") {
		dp = "/" + dp
	}
	return s.PrimAtPath(dp)
}

// UpAxis is "Y" or "Z" (fallback "Y").
func (s *Stage) UpAxis() string {
	v, _ := s.RootLayer().Meta("upAxis")
	if t, ok := v.(Token); ok && t != "" {
		return string(t)
	}
	if t, ok := v.(string); ok && t != "" {
		return t
	}
	return "Y"
}

func (s *Stage) rootFloat(key string, fb float64) float64 {
	v, _ := s.RootLayer().Meta(key)
	if f, ok := toFloat64(v); ok {
		return f
	}
	return fb
}

// MetersPerUnit of the stage (fallback 0.01).
func (s *Stage) MetersPerUnit() float64 { return s.rootFloat("metersPerUnit", 0.01) }

// TimeCodesPerSecond of the stage (fallback framesPerSecond, then 24).
func (s *Stage) TimeCodesPerSecond() float64 { return pcp.TimeCodesPerSecond(s.RootLayer()) }

// FramesPerSecond of the stage (fallback 24).
func (s *Stage) FramesPerSecond() float64 { return s.rootFloat("framesPerSecond", 24) }

// StartTimeCode of the stage (0 when not authored).
func (s *Stage) StartTimeCode() TimeCode { return TimeCode(s.rootFloat("startTimeCode", 0)) }

// EndTimeCode of the stage (0 when not authored).
func (s *Stage) EndTimeCode() TimeCode { return TimeCode(s.rootFloat("endTimeCode", 0)) }

// Layers returns every layer the stage has read, in load order.
func (s *Stage) Layers() []*sdf.Layer { return append([]*sdf.Layer(nil), s.loader.order...) }

// Dep is one file the stage depends on.
type Dep struct {
	Kind      string // "layer", "sublayer", "reference", "payload", "clip", "asset"
	Authored  string // as written ("" for the root layer)
	Resolved  string
	From      string // the layer that names it
	Missing   bool
	Err       error
	InPackage bool // the file is inside a usdz package (Resolved is the package entry)
}

// Deps returns every file of the closure: layers and asset paths,
// resolved absolute. Files inside a usdz give the package path.
func (s *Stage) Deps() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range s.DepReport() {
		if d.Missing {
			continue
		}
		p := d.Resolved
		if i := strings.IndexByte(p, '['); i >= 0 {
			p = p[:i]
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// DepReport lists each dependency as authored, with where it resolved
// or why it is missing.
func (s *Stage) DepReport() []Dep {
	var out []Dep
	out = append(out, Dep{Kind: "layer", Resolved: s.rootPath})
	seen := map[string]bool{}
	add := func(d Dep) {
		k := d.Kind + "|" + d.From + "|" + d.Authored
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, d)
	}
	for _, l := range s.loader.order {
		for _, sub := range l.SubLayers() {
			add(s.dep("sublayer", sub.AssetPath, l))
		}
		for _, p := range l.SortedPaths() {
			spec := l.Specs[p]
			for _, f := range spec.Fields {
				switch f.Name {
				case "references":
					if lo, ok := f.Value.(sdf.ReferenceListOp); ok {
						for _, r := range allItems(lo) {
							if r.AssetPath != "" {
								add(s.dep("reference", r.AssetPath, l))
							}
						}
					}
				case "payload":
					if lo, ok := f.Value.(sdf.PayloadListOp); ok {
						for _, r := range allItems(lo) {
							if r.AssetPath != "" {
								add(s.dep("payload", r.AssetPath, l))
							}
						}
					}
				case "clips":
					// Value clip layers (and manifests) are part of the closure.
					v, _ := spec.Get("clips")
					sets, _ := v.(map[string]any)
					for _, k := range sortedKeys(sets) {
						d, _ := sets[k].(map[string]any)
						for _, field := range []string{"assetPaths", "manifestAssetPath"} {
							for _, a := range assetsIn(d[field]) {
								if a != "" {
									add(s.dep("clip", a, l))
								}
							}
						}
					}
				case "default", "timeSamples":
					if spec.Type != sdf.SpecAttribute {
						continue
					}
					tn, _ := spec.Get("typeName")
					if t, _ := tn.(Token); t != "asset" && t != "asset[]" {
						continue
					}
					v, _ := spec.Get(f.Name)
					for _, a := range assetsIn(v) {
						if a != "" {
							add(s.dep("asset", a, l))
						}
					}
				}
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func allItems[T any](lo sdf.ListOp[T]) []T {
	var out []T
	out = append(out, lo.Items...)
	out = append(out, lo.Added...)
	out = append(out, lo.Prepended...)
	out = append(out, lo.Appended...)
	return out
}

func assetsIn(v any) []string {
	switch t := v.(type) {
	case AssetPath:
		return []string{t.Authored}
	case []AssetPath:
		out := make([]string, len(t))
		for i, a := range t {
			out[i] = a.Authored
		}
		return out
	case *sdf.TimeSamples:
		var out []string
		for i := range t.Values {
			x, _ := t.Value(i)
			out = append(out, assetsIn(x)...)
		}
		return out
	}
	return nil
}

func (s *Stage) dep(kind, asset string, from *sdf.Layer) Dep {
	d := Dep{Kind: kind, Authored: asset, From: from.Identifier}
	// UDIM and other patterns cannot be resolved as one file.
	if strings.Contains(asset, "<UDIM>") {
		d.Missing = true
		d.Err = fmt.Errorf("UDIM patterns are not resolved")
		return d
	}
	r, err := s.loader.res.Resolve(asset, from.Identifier)
	d.Resolved = r
	if err != nil {
		d.Missing = true
		d.Err = err
	}
	d.InPackage = strings.Contains(r, "[")
	return d
}

// exprVars returns the expression variables for a value held at node n
// (the root layer stack's when n is nil: the pseudo-root's opinions).
func (s *Stage) exprVars(n *pcp.Node) map[string]any {
	if n == nil {
		return s.cache.RootLayerStack().ExpressionVariables()
	}
	return n.ExpressionVariables()
}

// resolveAsset resolves an asset path written in layer l. An asset path
// that is a variable expression (`"./${NAME}.usda"`) is first evaluated
// with the expression variables vars of the layer stack that holds the
// value, and the result is the asset path (UsdStage's
// _MakeResolvedAssetPaths: SdfVariableExpression with the node's layer
// stack's expression variables); one that does not evaluate stays as
// authored (usd-core 26.11: `"${BAD"` reads back as written).
func (s *Stage) resolveAsset(a AssetPath, l *sdf.Layer, vars map[string]any) AssetPath {
	if pcp.IsExpression(a.Authored) && a.Resolved == "" {
		if e, err := pcp.EvalExpression(a.Authored, vars); err == nil {
			a.Authored = e
		}
	}
	if a.Authored == "" || a.Resolved != "" {
		return a
	}
	if r, err := s.loader.res.Resolve(a.Authored, l.Identifier); err == nil {
		a.Resolved = r
	}
	return a
}

func toFloat64(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case Half:
		return float64(t), true
	case int64:
		return float64(t), true
	case int32:
		return float64(t), true
	case uint32:
		return float64(t), true
	case uint64:
		return float64(t), true
	case uint8:
		return float64(t), true
	case int:
		return float64(t), true
	case sdf.TimeCode:
		return float64(t), true
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
