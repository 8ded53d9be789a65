package usdscene

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // UsdUVTexture files
	_ "image/png"
	"io"
	"path/filepath"
	"strings"

	"github.com/rgallery/rgallery/imageio"
	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// boundMaterial returns the material index for p: the material
// usd.ComputeBoundMaterialFor binds for the "full" purpose (this is a
// final-quality renderer), falling back to all-purpose bindings; 0 (the
// displayColor fallback) without one.
// It is asked several times per mesh (UV set, value primvar, material),
// so the answer is kept per prim path.
func (c *conv) boundMaterial(p *usd.Prim) int {
	if i, ok := c.bound[p.Path()]; ok {
		return i
	}
	idx := 0
	mat, rel := usd.ComputeBoundMaterialFor(p, "full")
	if mat != nil {
		idx = c.material(mat.Path())
	} else if rel != nil {
		c.warnf("%s: material binding %s.%s targets no Material; displayColor used", p.Path(), rel.Prim().Path(), rel.Name())
	}
	if c.bound == nil {
		c.bound = map[string]int{}
	}
	c.bound[p.Path()] = idx
	return idx
}

// primvarNeeds are the mesh primvars a material's network reads: the UV
// set of its textures and the primvar its UsdPrimvarReader nodes read as
// a value ("" for the defaults: the mesh's st and displayColor).
type primvarNeeds struct{ uv, value string }

// material converts the Material prim at path once. Its surface is the
// UsdPreviewSurface on the universal outputs:surface
// (usd.Prim.MaterialSurface); every input is resolved by
// usd.Prim.ShaderInputAt (connections through NodeGraph and Material
// interfaces, the specification's fallbacks).
func (c *conv) material(path string) int {
	if i, ok := c.mats[path]; ok {
		return i
	}
	idx := 0
	defer func() { c.mats[path] = idx }()
	mp := c.st.PrimAtPath(path)
	if mp == nil {
		c.warnf("material %s not found; displayColor used", path)
		return 0
	}
	sh, _ := mp.MaterialSurface("")
	if sh == nil {
		// Render-context outputs (outputs:ri:surface, ...) are not ours.
		c.warnPrim(path, "material has no universal outputs:surface; displayColor used")
		return 0
	}
	if id := sh.ShaderID(); id != "UsdPreviewSurface" {
		if id == "" {
			id = "no info:id"
		}
		c.warnPrim(sh.Path(), "surface shader (%s) is not UsdPreviewSurface; displayColor used", id)
		return 0
	}
	need := &primvarNeeds{}
	m := render.DefaultMaterial()
	m.Name = path
	m.DiffuseColor = c.colorInput(sh, "diffuseColor", need)
	m.EmissiveColor = c.colorInput(sh, "emissiveColor", need)
	m.SpecularColor = c.colorInput(sh, "specularColor", need)
	m.Roughness = c.scalarInput(sh, "roughness", need)
	m.Metallic = c.scalarInput(sh, "metallic", need)
	m.Clearcoat = c.scalarInput(sh, "clearcoat", need)
	m.ClearcoatRoughness = c.scalarInput(sh, "clearcoatRoughness", need)
	m.Opacity = c.scalarInput(sh, "opacity", need)
	m.OpacityThreshold = c.constFloat(sh, "opacityThreshold")
	m.IOR = c.constFloat(sh, "ior")
	m.UseSpecularWorkflow = c.constFloat(sh, "useSpecularWorkflow") != 0
	// opacityMode (UsdPreviewSurface 2.6): "transparent" (the fallback)
	// makes partial opacity a dielectric, "presence" coverage.
	m.OpacityPresence = c.tokenInput(sh, "opacityMode") == "presence"
	if _, src, _ := sh.ShaderInputAt("normal", c.time); src != nil {
		n := c.colorInput(sh, "normal", need)
		m.Normal = &n
	}
	if _, src, _ := sh.ShaderInputAt("displacement", c.time); src != nil {
		c.warnPrim(sh.Path(), "displacement is not rendered")
	} else if d := c.constFloat(sh, "displacement"); d != 0 {
		c.warnPrim(sh.Path(), "displacement is not rendered")
	}
	c.sc.Materials = append(c.sc.Materials, m)
	idx = len(c.sc.Materials) - 1
	if *need != (primvarNeeds{}) {
		if c.needs == nil {
			c.needs = map[int]primvarNeeds{}
		}
		c.needs[idx] = *need
	}
	return idx
}

// ownValue is the value authored on the shader's own input at the render
// time, else the specification's fallback: what a connected input falls
// back to when its network cannot be evaluated.
func (c *conv) ownValue(sh *usd.Prim, name string) any {
	if a := sh.Attribute("inputs:" + name); a != nil {
		if v, ok := a.Get(c.time); ok {
			return v
		}
	}
	v, _ := usd.ShaderFallback(sh.ShaderID(), name)
	return v
}

// inputValue resolves an input to a value: connections through
// interfaces, else the shader's own or fallback value. A connection to a
// shader output is not evaluated here: the input's own value is used and
// the connection reported.
func (c *conv) inputValue(sh *usd.Prim, name string) any {
	v, src, _ := sh.ShaderInputAt(name, c.time)
	if src != nil {
		c.warnPrim(sh.Path(), "input %s is connected to shader %s, which is only read as a constant here; the authored value is used", name, src.Path())
		return c.ownValue(sh, name)
	}
	return v
}

func (c *conv) constFloat(sh *usd.Prim, name string) float64 {
	if f, ok := toFloat(c.inputValue(sh, name)); ok {
		return f
	}
	f, _ := toFloat(c.ownValue(sh, name))
	return f
}

func (c *conv) tokenInput(sh *usd.Prim, name string) string {
	switch x := c.inputValue(sh, name).(type) {
	case usd.Token:
		return string(x)
	case string:
		return x
	}
	return ""
}

// colorInput converts a colour input: a constant, or the network that
// feeds it; a network that cannot be evaluated gives the input's own
// authored value, else the specification's fallback.
func (c *conv) colorInput(sh *usd.Prim, name string, need *primvarNeeds) render.Color {
	v, src, out := sh.ShaderInputAt(name, c.time)
	if src != nil {
		if tex, k := c.node(src, out, need); tex != nil {
			return render.Color{Tex: tex}
		} else if k != nil {
			return render.Color{Value: render.Vec3{X: k[0], Y: k[1], Z: k[2]}}
		}
		v = c.ownValue(sh, name)
	}
	if col, ok := toVec3(v); ok {
		return render.Color{Value: col}
	}
	col, _ := toVec3(c.ownValue(sh, name))
	return render.Color{Value: col}
}

// scalarInput converts a float input; a texture feeds it from the channel
// of the connected output (r, g, b, a; rgb or result give the first).
func (c *conv) scalarInput(sh *usd.Prim, name string, need *primvarNeeds) render.Scalar {
	v, src, out := sh.ShaderInputAt(name, c.time)
	if src != nil {
		if tex, k := c.node(src, out, need); tex != nil {
			return render.Scalar{Tex: tex}
		} else if k != nil {
			return render.Scalar{Value: k[outputChannel(out, 0)]}
		}
		v = c.ownValue(sh, name)
	}
	if f, ok := toFloat(v); ok {
		return render.Scalar{Value: f}
	}
	f, _ := toFloat(c.ownValue(sh, name))
	return render.Scalar{Value: f}
}

// outputChannel maps a UsdUVTexture output to a channel; other outputs
// (rgb, result) give def.
func outputChannel(out string, def int) int {
	switch strings.TrimPrefix(out, "outputs:") {
	case "r":
		return 0
	case "g":
		return 1
	case "b":
		return 2
	case "a":
		return 3
	}
	return def
}

// node evaluates the shader src's output out as a texture, recording the
// primvars it reads in need. When the node cannot be drawn as a texture
// it returns a constant (the UsdUVTexture fallback) or nothing, after one
// warning naming the shader.
func (c *conv) node(src *usd.Prim, out string, need *primvarNeeds) (render.Texture, *[4]float64) {
	switch id := src.ShaderID(); id {
	case "UsdUVTexture":
		return c.uvTexture(src, out, need)
	case "UsdPrimvarReader_float", "UsdPrimvarReader_float2", "UsdPrimvarReader_float3", "UsdPrimvarReader_float4",
		"UsdPrimvarReader_normal", "UsdPrimvarReader_point", "UsdPrimvarReader_vector":
		name := c.varname(src)
		if name == "" {
			c.warnPrim(src.Path(), "primvar reader has no varname; the material's authored value is used")
			return nil, nil
		}
		if need.value != "" && need.value != name {
			c.warnPrim(src.Path(), "primvar reader of %q: the material already reads %q and a mesh carries one value primvar; the material's authored value is used", name, need.value)
			return nil, nil
		}
		need.value = name
		fb, _ := toVec3(c.inputValue(src, "fallback"))
		return &render.DisplayColor{Fallback: fb}, nil
	default:
		c.warnPrim(src.Path(), "shader %s cannot be evaluated; the material's authored input values are used", id)
		return nil, nil
	}
}

// varname reads a primvar reader's varname (a string, or a token in older
// files).
func (c *conv) varname(reader *usd.Prim) string {
	switch x := c.inputValue(reader, "varname").(type) {
	case usd.Token:
		return string(x)
	case string:
		return x
	}
	return ""
}

// uvTexture converts a UsdUVTexture following the UsdPreviewSurface
// specification: file, st (a UsdPrimvarReader_float2 of any primvar,
// possibly through a UsdTransform2d), wrapS/wrapT, scale, bias,
// sourceColorSpace and fallback, each resolved through connections. A
// texture whose file is missing or unreadable gives its authored fallback
// (scale and bias not applied), else nothing (the material's authored
// value is used).
func (c *conv) uvTexture(src *usd.Prim, out string, need *primvarNeeds) (render.Texture, *[4]float64) {
	fallback := func() (render.Texture, *[4]float64) {
		if a := src.Attribute("inputs:fallback"); a != nil && (a.IsAuthored() || len(a.Connections()) > 0) {
			if f, ok := toVec4(c.inputValue(src, "fallback")); ok {
				return nil, &f
			}
		}
		return nil, nil
	}
	var file string
	switch ap := c.inputValue(src, "file").(type) {
	case usd.AssetPath:
		file = ap.Resolved
		if file == "" && strings.Contains(ap.Authored, usd.UDIMToken) {
			return c.udimTexture(src, out, ap.Authored, need, fallback)
		}
		if file == "" && ap.Authored != "" {
			c.warnPrim(src.Path(), "texture %s could not be resolved; fallback used", ap.Authored)
			return fallback()
		}
	}
	if file == "" {
		c.warnPrim(src.Path(), "UsdUVTexture has no file; fallback used")
		return fallback()
	}
	space := c.tokenInput(src, "sourceColorSpace")
	img := c.image(file, space)
	if img == nil {
		return fallback()
	}
	t := &render.ImageTexture{Img: img}
	c.textureInputs(src, out, t, need)
	return t, nil
}

// udimTexture builds a UDIM tile set (see usd.UDIMTiles and
// render.ImageTexture.Tiles) for a UsdUVTexture whose file names
// "<UDIM>". Only a file authored on the texture itself is resolved (not
// one connected from a NodeGraph interface).
func (c *conv) udimTexture(src *usd.Prim, out, authored string, need *primvarNeeds, fallback func() (render.Texture, *[4]float64)) (render.Texture, *[4]float64) {
	paths := src.Attribute("inputs:file").UDIMTiles(c.time)
	if len(paths) == 0 {
		c.warnPrim(src.Path(), "UDIM texture %s: no tile (1001-1100) found; fallback used", authored)
		return fallback()
	}
	space := c.tokenInput(src, "sourceColorSpace")
	t := &render.ImageTexture{Tiles: map[int]*render.Image{}}
	for tile, p := range paths {
		if img := c.image(p, space); img != nil {
			t.Tiles[tile] = img
		}
	}
	if len(t.Tiles) == 0 {
		return fallback()
	}
	c.textureInputs(src, out, t, need)
	if f, ok := toVec4(c.inputValue(src, "fallback")); ok {
		t.Fallback = f
	}
	return t, nil
}

// textureInputs sets the channel, wrap modes, scale, bias and texture
// coordinates of a UsdUVTexture.
func (c *conv) textureInputs(src *usd.Prim, out string, t *render.ImageTexture, need *primvarNeeds) {
	t.Channel, t.Scale = outputChannel(out, -1), [4]float64{1, 1, 1, 1}
	t.WrapS = wrapMode(c.tokenInput(src, "wrapS"))
	t.WrapT = wrapMode(c.tokenInput(src, "wrapT"))
	if s, ok := toVec4(c.inputValue(src, "scale")); ok {
		t.Scale = s
	}
	if b, ok := toVec4(c.inputValue(src, "bias")); ok {
		t.Bias = b
	}
	c.texCoords(src, t, need)
}

// texCoords follows a texture's st input: a UsdPrimvarReader_float2 names
// the UV set (recorded in need), a UsdTransform2d in between transforms
// it. An unconnected st reads the mesh's default UV set (the
// specification's fallback would be the constant (0, 0), which no asset
// means).
func (c *conv) texCoords(tex *usd.Prim, t *render.ImageTexture, need *primvarNeeds) {
	_, src, _ := tex.ShaderInputAt("st", c.time)
	for hop := 0; src != nil && hop < 8; hop++ {
		switch id := src.ShaderID(); id {
		case "UsdTransform2d":
			if t.ST != nil {
				c.warnPrim(src.Path(), "chained UsdTransform2d nodes: only the one next to the texture is applied")
			} else {
				x := &render.Transform2d{Scale: render.Vec2{X: 1, Y: 1}}
				if v, ok := toVec2(c.inputValue(src, "scale")); ok {
					x.Scale = v
				}
				if v, ok := toVec2(c.inputValue(src, "translation")); ok {
					x.Translation = v
				}
				x.Rotation, _ = toFloat(c.inputValue(src, "rotation"))
				t.ST = x
			}
			_, src, _ = src.ShaderInputAt("in", c.time)
		case "UsdPrimvarReader_float2":
			name := c.varname(src)
			switch {
			case name == "":
				c.warnPrim(src.Path(), "texture coordinate reader has no varname; the mesh's st is used")
			case need.uv != "" && need.uv != name:
				c.warnPrim(src.Path(), "texture coordinates %q: the material already reads UV set %q, which is used", name, need.uv)
			default:
				need.uv = name
			}
			return
		default:
			c.warnPrim(src.Path(), "shader %s cannot compute texture coordinates; the mesh's st is used", id)
			return
		}
	}
}

// meshPrimvarNames returns the UV set and the value primvar the material
// bound to p reads ("" for the defaults). For the mesh converter: it reads
// those primvars into the mesh's UV and colour.
func (c *conv) meshPrimvarNames(p *usd.Prim) (uv, value string) {
	n := c.needs[c.boundMaterial(p)]
	return n.uv, n.value
}

// uvSetNames is the order in which the mesh converter looks for texture
// coordinates on p: the UV set its material reads, then st and the names
// exporters use.
func (c *conv) uvSetNames(p *usd.Prim) []string {
	names := []string{"st", "uv", "st0", "UVMap", "map1"}
	if set, _ := c.meshPrimvarNames(p); set != "" {
		if a := p.Attribute("primvars:" + set); a == nil {
			c.warnPrim(p.Path(), "the material reads texture coordinates %q, which the mesh does not have; st used", set)
		}
		names = append([]string{set}, names...)
	}
	return names
}

// colorPrimvar returns the primvar the mesh's colour is read from: the
// one its material's primvar reader names, else displayColor. Scalar,
// 2- and 4-component primvars are widened or cut to three components.
func (c *conv) colorPrimvar(p *usd.Prim) (primvar, bool) {
	name := "displayColor"
	if _, v := c.meshPrimvarNames(p); v != "" {
		name = v
	}
	pv, ok := c.primvar(p, name)
	if !ok {
		if name != "displayColor" {
			c.warnPrim(p.Path(), "the material reads primvar %q, which the mesh does not have; the reader's fallback is used", name)
		}
		return pv, false
	}
	pv.values = widenToVec3f(pv.values)
	return pv, true
}

func widenToVec3f(v any) any {
	switch x := v.(type) {
	case []float32:
		out := make([]usd.Vec3f, len(x))
		for i, f := range x {
			out[i] = usd.Vec3f{f, f, f}
		}
		return out
	case []float64:
		out := make([]usd.Vec3f, len(x))
		for i, f := range x {
			out[i] = usd.Vec3f{float32(f), float32(f), float32(f)}
		}
		return out
	case []usd.Vec2f:
		out := make([]usd.Vec3f, len(x))
		for i, f := range x {
			out[i] = usd.Vec3f{f[0], f[1], 0}
		}
		return out
	case []usd.Vec4f:
		out := make([]usd.Vec3f, len(x))
		for i, f := range x {
			out[i] = usd.Vec3f{f[0], f[1], f[2]}
		}
		return out
	}
	return v
}

func toVec2(v any) (render.Vec2, bool) {
	switch x := v.(type) {
	case usd.Vec2f:
		return render.Vec2{X: float64(x[0]), Y: float64(x[1])}, true
	case usd.Vec2d:
		return render.Vec2{X: x[0], Y: x[1]}, true
	case usd.Vec2h:
		return render.Vec2{X: float64(x[0]), Y: float64(x[1])}, true
	}
	return render.Vec2{}, false
}

func (c *conv) asset(p *usd.Prim, name string) (string, bool) {
	v, ok := c.get(p, name)
	if !ok {
		return "", false
	}
	ap, ok := v.(usd.AssetPath)
	if !ok {
		return "", false
	}
	if ap.Resolved != "" {
		return ap.Resolved, true
	}
	if ap.Authored != "" {
		c.warnf("asset %s could not be resolved", ap.Authored)
	}
	return "", false
}

func toVec4(v any) ([4]float64, bool) {
	switch x := v.(type) {
	case usd.Vec4f:
		return [4]float64{float64(x[0]), float64(x[1]), float64(x[2]), float64(x[3])}, true
	case usd.Vec4d:
		return [4]float64{x[0], x[1], x[2], x[3]}, true
	case usd.Vec4h:
		return [4]float64{float64(x[0]), float64(x[1]), float64(x[2]), float64(x[3])}, true
	}
	if v3, ok := toVec3(v); ok {
		return [4]float64{v3.X, v3.Y, v3.Z, 1}, true
	}
	return [4]float64{}, false
}

func wrapMode(t string) render.Wrap {
	switch t {
	case "clamp":
		return render.WrapClamp
	case "mirror":
		return render.WrapMirror
	case "black":
		return render.WrapBlack
	}
	return render.WrapRepeat
}

// assetExt is the extension of the file an asset path names, also for a
// file inside a package ("a.usdz[tex/b.png]" → ".png").
func assetExt(path string) string {
	if i := strings.LastIndexByte(path, '['); i >= 0 && strings.HasSuffix(path, "]") {
		path = path[i+1 : len(path)-1]
	}
	return filepath.Ext(path)
}

// linearImage copies a decoded float layer (R, G, B and A when present)
// into a texture; values are linear unless space says "sRGB".
func linearImage(l *imageio.Layer, space string) *render.Image {
	ch := func(names ...string) int {
		for i, c := range l.Channels {
			for _, n := range names {
				if c.Name == n {
					return i
				}
			}
		}
		return -1
	}
	r, g, b, a := ch("R"), ch("G"), ch("B"), ch("A")
	if r < 0 {
		r = 0
	}
	if g < 0 {
		g = r
	}
	if b < 0 {
		b = r
	}
	nc := len(l.Channels)
	im := &render.Image{W: l.Width, H: l.Height, Pix: make([]float32, 4*l.Width*l.Height)}
	for i := 0; i < l.Width*l.Height; i++ {
		px := l.Pix[i*nc : (i+1)*nc]
		for k, c := range [3]int{r, g, b} {
			v := px[c]
			if space == "sRGB" {
				v = float32(render.SRGBToLinear(float64(v)))
			}
			im.Pix[4*i+k] = v
		}
		im.Pix[4*i+3] = 1
		if a >= 0 {
			im.Pix[4*i+3] = px[a]
		}
	}
	return im
}

// image loads a texture file once, decoded to linear values by its
// sourceColorSpace: "raw" as stored, "sRGB" decoded from sRGB, "auto" (or
// "") decoded from sRGB for 8- and 16-bit formats and as stored for EXR,
// whose values are linear.
func (c *conv) image(path, space string) *render.Image {
	key := path + "|" + space
	if im, ok := c.images[key]; ok {
		return im
	}
	im, err := loadImage(c.st.OpenAsset, path, space)
	if err != nil {
		c.warnf("texture %s: %v", path, err)
	}
	c.images[key] = im
	return im
}

// loadImage decodes the texture at a resolved asset path, which may name a
// file inside a usdz package; open reads it.
func loadImage(open func(string) (io.ReadCloser, error), path, space string) (*render.Image, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if strings.EqualFold(assetExt(path), ".exr") {
		e, err := exr.Decode(f)
		if err != nil {
			return nil, err
		}
		rgb := e.RGB()
		im := &render.Image{W: e.Width, H: e.Height, Pix: make([]float32, 4*e.Width*e.Height)}
		for i := 0; i < e.Width*e.Height; i++ {
			for k := 0; k < 3; k++ {
				v := rgb[3*i+k]
				if space == "sRGB" {
					v = float32(render.SRGBToLinear(float64(v)))
				}
				im.Pix[4*i+k] = v
			}
			im.Pix[4*i+3] = 1
		}
		return im, nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if imageio.Sniff(data) == imageio.HDR {
		// Radiance HDR (dome light maps): linear values, as EXR.
		hd, err := imageio.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
		return linearImage(hd.Beauty(), space), nil
	}
	var src image.Image
	if strings.EqualFold(assetExt(path), ".tga") {
		src, err = imageio.DecodeTGA(data) // TGA has no magic number
	} else {
		src, _, err = image.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	b := src.Bounds()
	im := &render.Image{W: b.Dx(), H: b.Dy(), Pix: make([]float32, 4*b.Dx()*b.Dy())}
	var lut [65536]float32
	for i := range lut {
		v := float64(i) / 65535
		if space == "raw" {
			lut[i] = float32(v)
		} else {
			lut[i] = float32(render.SRGBToLinear(v))
		}
	}
	for y := 0; y < im.H; y++ {
		for x := 0; x < im.W; x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := 4 * (y*im.W + x)
			// Un-premultiply: RGBA() is alpha-premultiplied.
			if a > 0 && a < 0xffff {
				r, g, bl = r*0xffff/a, g*0xffff/a, bl*0xffff/a
			}
			im.Pix[i] = lut[r]
			im.Pix[i+1] = lut[g]
			im.Pix[i+2] = lut[bl]
			im.Pix[i+3] = float32(a) / 0xffff
		}
	}
	return im, nil
}
