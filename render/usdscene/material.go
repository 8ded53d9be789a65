package usdscene

import (
	"fmt"
	"image"
	_ "image/jpeg" // UsdUVTexture files
	_ "image/png"
	"io"
	"path/filepath"
	"strings"

	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// boundMaterial returns the material index for p: the material
// usd.ComputeBoundMaterialFor binds for the "full" purpose (this is a
// final-quality renderer), falling back to all-purpose bindings; 0 (the
// displayColor fallback) without one.
func (c *conv) boundMaterial(p *usd.Prim) int {
	mat, rel := usd.ComputeBoundMaterialFor(p, "full")
	if mat == nil {
		if rel != nil {
			c.warnf("%s: material binding %s.%s targets no Material; displayColor used", p.Path(), rel.Prim().Path(), rel.Name())
		}
		return 0
	}
	return c.material(mat.Path())
}

// material converts the Material prim at path once.
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
	sh, _ := c.source(mp, "outputs:surface")
	if sh == nil {
		// Render-context outputs (outputs:ri:surface, ...) are not ours.
		c.warnf("material %s has no universal outputs:surface; displayColor used", path)
		return 0
	}
	if id := c.token(sh, "info:id", ""); id != "UsdPreviewSurface" {
		c.warnf("surface shader %s (%s) is not UsdPreviewSurface; displayColor used", sh.Path(), id)
		return 0
	}
	m := render.DefaultMaterial()
	m.Name = path
	m.DiffuseColor = c.colorInput(sh, "diffuseColor", render.Vec3{X: 0.18, Y: 0.18, Z: 0.18})
	m.EmissiveColor = c.colorInput(sh, "emissiveColor", render.Vec3{})
	m.SpecularColor = c.colorInput(sh, "specularColor", render.Vec3{})
	m.Roughness = c.scalarInput(sh, "roughness", 0.5)
	m.Metallic = c.scalarInput(sh, "metallic", 0)
	m.Clearcoat = c.scalarInput(sh, "clearcoat", 0)
	m.ClearcoatRoughness = c.scalarInput(sh, "clearcoatRoughness", 0.01)
	m.Opacity = c.scalarInput(sh, "opacity", 1)
	m.OpacityThreshold = c.float(sh, "inputs:opacityThreshold", 0)
	m.IOR = c.float(sh, "inputs:ior", 1.5)
	m.UseSpecularWorkflow = c.float(sh, "inputs:useSpecularWorkflow", 0) != 0
	if in, _ := c.inputSource(sh, "normal"); in != nil {
		n := c.colorInput(sh, "normal", render.Vec3{Z: 1})
		m.Normal = &n
	}
	if in, _ := c.inputSource(sh, "displacement"); in != nil {
		c.warnf("displacement is not rendered (%s)", sh.Path())
	}
	if d := c.float(sh, "inputs:displacement", 0); d != 0 {
		c.warnf("displacement is not rendered (%s)", sh.Path())
	}
	// opacityMode (UsdPreviewSurface 2.6): "transparent" (the fallback)
	// makes partial opacity a dielectric, "presence" coverage.
	m.OpacityPresence = c.token(sh, "inputs:opacityMode", "transparent") == "presence"
	c.sc.Materials = append(c.sc.Materials, m)
	idx = len(c.sc.Materials) - 1
	return idx
}

// source follows the connection of attribute name on p, through
// NodeGraph/Material interface inputs, to the shader prim and output name.
func (c *conv) source(p *usd.Prim, name string) (*usd.Prim, string) {
	for hop := 0; hop < 32; hop++ {
		a := p.Attribute(name)
		if a == nil {
			return nil, ""
		}
		conns := a.Connections()
		if len(conns) == 0 {
			if hop == 0 {
				return nil, ""
			}
			return p, name
		}
		prim, prop, ok := strings.Cut(conns[0], ".")
		if !ok {
			return nil, ""
		}
		sp := c.st.PrimAtPath(prim)
		if sp == nil {
			c.warnf("connection %s points to a missing prim", conns[0])
			return nil, ""
		}
		if sp.TypeName() == "Shader" {
			return sp, prop
		}
		// A Material or NodeGraph port: follow it further.
		p, name = sp, prop
	}
	return nil, ""
}

// inputSource returns the connected shader of input name, if any.
func (c *conv) inputSource(sh *usd.Prim, name string) (*usd.Prim, string) {
	src, out := c.source(sh, "inputs:"+name)
	if src == nil || src.TypeName() != "Shader" {
		return nil, ""
	}
	return src, out
}

// constantOrInterface reads input name: a connection to a Material or
// NodeGraph input yields that input's value.
func (c *conv) inputValue(sh *usd.Prim, name string) (any, bool) {
	if src, out := c.source(sh, "inputs:"+name); src != nil && src.TypeName() != "Shader" {
		return c.get(src, out)
	}
	return c.get(sh, "inputs:"+name)
}

func (c *conv) colorInput(sh *usd.Prim, name string, fb render.Vec3) render.Color {
	if src, out := c.inputSource(sh, name); src != nil {
		if tex := c.texture(src, out, -1); tex != nil {
			return render.Color{Value: fb, Tex: tex}
		}
	}
	if v, ok := c.inputValue(sh, name); ok {
		if col, ok := toVec3(v); ok {
			return render.Color{Value: col}
		}
	}
	return render.Color{Value: fb}
}

func (c *conv) scalarInput(sh *usd.Prim, name string, fb float64) render.Scalar {
	if src, out := c.inputSource(sh, name); src != nil {
		ch := 0
		switch out {
		case "outputs:g":
			ch = 1
		case "outputs:b":
			ch = 2
		case "outputs:a":
			ch = 3
		}
		if tex := c.texture(src, out, ch); tex != nil {
			return render.Scalar{Value: fb, Tex: tex}
		}
	}
	if v, ok := c.inputValue(sh, name); ok {
		if f, ok := toFloat(v); ok {
			return render.Scalar{Value: f}
		}
	}
	return render.Scalar{Value: fb}
}

// texture converts a UsdUVTexture or primvar reader output into a
// render.Texture; channel is broadcast to all three values when ≥ 0.
func (c *conv) texture(src *usd.Prim, out string, channel int) render.Texture {
	id := c.token(src, "info:id", "")
	switch id {
	case "UsdUVTexture":
	case "UsdPrimvarReader_float3", "UsdPrimvarReader_float4", "UsdPrimvarReader_float", "UsdPrimvarReader_normal", "UsdPrimvarReader_vector", "UsdPrimvarReader_point":
		vn := c.primvarName(src)
		if vn == "displayColor" || vn == "displayOpacity" {
			fb := c.vec3(src, "inputs:fallback", render.Vec3{X: 0.18, Y: 0.18, Z: 0.18})
			return &render.DisplayColor{Fallback: fb}
		}
		c.warnf("primvar reader of %q is not rendered (only displayColor); %s uses its fallback", vn, src.Path())
		return nil
	default:
		c.warnf("shader %s (%s) is not supported; its input uses the constant value", src.Path(), id)
		return nil
	}
	ap, ok := c.asset(src, "inputs:file")
	if !ok || ap == "" {
		c.warnf("UsdUVTexture %s has no file; fallback used", src.Path())
		return nil
	}
	if st, _ := c.inputSource(src, "st"); st != nil {
		if vn := c.primvarName(st); vn != "" && vn != "st" && vn != "uv" && vn != "UVMap" {
			c.warnf("texture coordinates %q: the mesh's st primvar is used instead (%s)", vn, src.Path())
		}
	}
	raw := c.token(src, "inputs:sourceColorSpace", "auto") == "raw"
	img := c.image(ap, raw)
	if img == nil {
		return nil
	}
	t := &render.ImageTexture{Img: img, Channel: channel, Scale: [4]float64{1, 1, 1, 1}}
	t.WrapS = wrapMode(c.token(src, "inputs:wrapS", "useMetadata"))
	t.WrapT = wrapMode(c.token(src, "inputs:wrapT", "useMetadata"))
	if v, ok := c.get(src, "inputs:scale"); ok {
		if s, ok := toVec4(v); ok {
			t.Scale = s
		}
	}
	if v, ok := c.get(src, "inputs:bias"); ok {
		if b, ok := toVec4(v); ok {
			t.Bias = b
		}
	}
	if channel < 0 {
		switch out {
		case "outputs:r":
			t.Channel = 0
		case "outputs:g":
			t.Channel = 1
		case "outputs:b":
			t.Channel = 2
		case "outputs:a":
			t.Channel = 3
		}
	}
	return t
}

func (c *conv) primvarName(reader *usd.Prim) string {
	v, ok := c.inputValue(reader, "varname")
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case usd.Token:
		return string(x)
	case string:
		return x
	}
	return ""
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

// image loads a texture file once. PNG and JPEG are decoded from sRGB
// unless raw; EXR is linear.
func (c *conv) image(path string, raw bool) *render.Image {
	key := fmt.Sprintf("%s|%v", path, raw)
	if im, ok := c.images[key]; ok {
		return im
	}
	im, err := loadImage(c.st.OpenAsset, path, raw)
	if err != nil {
		c.warnf("texture %s: %v", path, err)
	}
	c.images[key] = im
	return im
}

// loadImage decodes the texture at a resolved asset path, which may name a
// file inside a usdz package; open reads it.
func loadImage(open func(string) (io.ReadCloser, error), path string, raw bool) (*render.Image, error) {
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
			copy(im.Pix[4*i:4*i+3], rgb[3*i:3*i+3])
			im.Pix[4*i+3] = 1
		}
		return im, nil
	}
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	b := src.Bounds()
	im := &render.Image{W: b.Dx(), H: b.Dy(), Pix: make([]float32, 4*b.Dx()*b.Dy())}
	var lut [65536]float32
	for i := range lut {
		v := float64(i) / 65535
		if raw {
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
