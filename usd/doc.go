// Package usd reads USD scenes (usda, usdc, usdz) in pure Go and composes
// them into a stage that renderers, the farm packager and the UI can query.
//
// The package follows OpenUSD's split: package sdf holds layers as written
// (paths to specs with fields), package pcp composes them into prim indexes
// (which layer and path say what about a prim, strongest first), and this
// package answers questions about prims at a time: Open, Stage, Prim,
// Attribute, Relationship, plus typed helpers for the common schemas.
//
//	s, err := usd.Open("shot.usda")            // .usda, .usdc, .usd, .usdz
//	for p := range s.Traverse() {                // active, defined, non-class prims
//		if m, ok := p.Mesh(usd.Default); ok { ... }
//		world := p.LocalToWorld(usd.Default)
//	}
//
// Composition problems (a missing referenced layer, an arc cycle) do not
// fail Open: OpenUSD opens such stages too. They are listed by
// Stage.Errors, and `rgallery usd tree` prints them as warnings. Open fails
// for a root layer that cannot be read or parsed; parse errors name the
// file and line:column (usda) or section and offset (usdc).
//
// # Values
//
// Attribute.Get returns these Go types:
//
//	bool, uint8 (uchar), int32 (int), uint32 (uint), int64, uint64
//	Half (half, as float32), float32 (float), float64 (double), sdf.TimeCode (timecode)
//	string, Token (token), AssetPath{Authored, Resolved} (asset), PathExpression
//	Vec2f/Vec3f/Vec4f, Vec2d/Vec3d/Vec4d, Vec2h/Vec3h/Vec4h, Vec2i/Vec3i/Vec4i
//	  (also for the role types: point3f, normal3f, color3f, texCoord2f, ...)
//	Quatf/Quatd/Quath{Real, Imag}, Matrix2d/3d/4d as [N][N]float64 (row-major,
//	  row vectors: the translation is in the last row, as in OpenUSD)
//	arrays as slices of those: []Vec3f, []int32, []float32, []Token, ...
//	dictionaries as map[string]any
//
// Get(t) resolves time samples as OpenUSD does: the strongest layer with an
// opinion wins; in it, samples beat the default (except at Default);
// samples are retimed by the layer offsets of sublayers and references
// (and timeCodesPerSecond differences); values between samples are
// interpolated linearly for floating-point scalars, vectors, matrices and
// arrays of equal length (quaternions by slerp) and held for everything
// else; before the first and after the last sample the end value holds; a
// blocked value (None) falls back to the schema fallback. Get(Default)
// reads only defaults, like UsdAttribute::Get with UsdTimeCode::Default():
// scenes that author only time samples (most animated and many exported
// files) have no value at Default, so a renderer should evaluate at a
// time code, e.g. Stage.StartTimeCode() or the frame it renders.
//
// Through a layer offset, the samples that bracket a stage time are found
// at the inverse-mapped layer time (SdfLayerOffset::GetInverse rounding
// included, as UsdStage's _GetTimeSampleValue does): held values take the
// lower sample, and linear ones are interpolated with the fraction
// between the brackets' stage times (Usd_LinearInterpolator), so that a
// sample's own stage time can read the held previous sample, or a
// quaternion slerped (GfSlerp) onto the sample's negation.
//
// Prim metadata as UsdStage composes it: the specifier is the strongest
// "def", else "class", where a class from (below) a direct inherit is
// weaker than any def (_GetPrimSpecifierImpl); property names are sorted
// by TfDictionaryLessThan, then propertyOrder applies
// (UsdPrim::_GetPropertyNames, _ApplyOrdering).
//
// Assets: Open binds the resolver context OpenUSD makes for the root
// layer (ArDefaultResolver::CreateDefaultContextForAsset), so a search
// path asset ("sub/a.usd") not found next to its anchoring layer is
// looked up in the root layer's directory.
//
// Typed helpers: Attribute.Float/Bool/Token/Asset/Vec3f/Vec3fArray/
// Vec2fArray/IntArray/FloatArray/Matrix4d; Prim.Mesh, Prim.Primvar (values,
// indices, interpolation, elementSize; Primvar.Flatten expands indices),
// Prim.GeomSubsets, Prim.Camera, Prim.PointInstancer (and
// InPointInstancerPrototypes), Prim.Light, Prim.RenderSettings,
// Stage.RenderSettingsPrim, ComputeBoundMaterial(For), Prim.MaterialSurface,
// Prim.ShaderInput, Prim.LocalToWorld / LocalTransform, Prim.Visibility,
// Prim.Purpose, Prim.VariantSets / VariantSelections, Stage.Instances.
//
// A Stage is read-only after Open and safe for concurrent use.
//
// # Supported
//
//   - usda: the full text grammar as the corpus exercises it: layer, prim and
//     property metadata; specifiers and types; every value type, arrays,
//     tuples, matrices, quaternions, asset paths (@..@ and @@@..@@@),
//     dictionaries, time samples, list ops (explicit, add, prepend, append,
//     delete, reorder), references/payloads with offsets and customData,
//     inherits, specializes, nested variant sets, relationships,
//     connections, relocates, comments (#, //, /* */), '#sdf' cookies.
//     Splines (.spline) are kept as knot time/value pairs only. What the
//     parser accepts follows usd-core 26.11's PEGTL grammar
//     (textFileFormatParser.h): registered metadata fields read as their
//     type (usd/internal/usda/metafields.go), keyword and TokenSeparator
//     rules, GfNumericCast integer conversion, shaped values; each rule is
//     pinned by layers checked against usd-core (metafields_test.go).
//   - Layer formats by extension only (usd, usda, usdc, usdz), as
//     SdfFileFormat::FindByExtension finds them.
//   - usdc: crate 0.0.1 to 0.12: bootstrap and table of contents, TOKENS,
//     STRINGS, FIELDS, FIELDSETS, PATHS, SPECS, LZ4 with TfFastCompression
//     chunk framing, integer coding, compressed int and float arrays (int
//     codes and lookup tables), inlined values, dictionaries, list ops,
//     time samples, every value type of the text format, splines (0.12,
//     Ts binary data; EvalSpline evaluates them). Arrays and time
//     samples are decoded lazily, on first Get. WriteUsdc writes crate
//     files as OpenUSD does (0.8.0, upgraded as the values need).
//   - Value clips as Usd_ClipSet composes and resolves them (clips.go):
//     assetPaths/active/times, template clips, the clipSets list op, clip
//     sets composed across the prim index and on ancestors, per-layer
//     offsets, manifests, interpolateMissingClipValues, jump
//     discontinuities.
//   - Variable expressions in asset-valued attributes and reference and
//     payload asset paths; path expression values mapped to the stage.
//   - usdz: the first USD file (or nested usdz) is the root layer; assets
//     resolve inside the package; nested packages.
//   - Composition: layer stacks with sublayer offsets and timeCodesPerSecond
//     scaling, LIVRPS with ancestral arcs, implied inherits, specializes
//     ordered after everything else, internal and external references and
//     payloads (default prim, sub-root targets), variant selection with
//     fallbacks and `${VAR}` expression variables, relocates (layer
//     metadata, validated as Pcp does; prim-level relocates are ignored,
//     as a UsdStage ignores them), cycle detection, a session layer
//     (WithSessionLayer), payloads on or off.
//   - Instancing: IsInstance as Pcp_PrimIndexIsInstanceable; instances
//     with equal keys (PcpInstanceKey) share a prototype, whose source is
//     the first instance Usd_InstanceCache registers when the stage is
//     composed by one worker thread (instancing.go); Prototype returns it,
//     standing in for OpenUSD's prototype prim. Every instance proxy reads
//     the prim below that source (stack, values, variant sets, children)
//     and maps its targets and connections to its own instance
//     (UsdPrim::_GetProtoToInstancePathMap).
//   - Schema fallbacks for UsdGeom gprims (Mesh subdivisionScheme
//     catmullClark, Sphere radius 1, Cube size 2, Cylinder/Cone radius 1
//     height 2 axis Z, Capsule radius 0.5 height 1 axis Z as in OpenUSD,
//     Plane 2x2), Camera, UsdLux lights, RenderSettings/RenderProduct;
//     UsdPreviewSurface and UsdUVTexture input defaults in ShaderInput.
//
// # Not supported
//
//   - Splines in
//     Attribute.Get (EvalSpline evaluates crate splines, without loops or
//     Maya-form tangents; usda splines keep knot times and values only);
//     collection membership expressions, variable expressions beyond
//     string interpolation.
//   - Asset resolution is file-system based (FileResolver: relative to the
//     anchoring layer, then search paths); plug in a Resolver for others.
package usd
