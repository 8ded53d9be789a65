package usdscene

import (
	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// lin reads a UsdLux input, accepting the pre-2023 names without the
// inputs: prefix.
func (c *conv) lin(p *usd.Prim, name string, fb float64) float64 {
	if a := p.Attribute("inputs:" + name); a != nil {
		return c.float(p, "inputs:"+name, fb)
	}
	return c.float(p, name, fb)
}

func (c *conv) light(p *usd.Prim, typ string) {
	base := render.LightBase{
		Name:      p.Path(),
		ToWorld:   c.world(p),
		Intensity: c.lin(p, "intensity", 1),
		Exposure:  c.lin(p, "exposure", 0),
		Normalize: c.lin(p, "normalize", 0) != 0,
		Color:     render.Vec3{X: 1, Y: 1, Z: 1},
	}
	if a := p.Attribute("inputs:color"); a != nil {
		base.Color = c.vec3(p, "inputs:color", base.Color)
	} else {
		base.Color = c.vec3(p, "color", base.Color)
	}
	if c.lin(p, "enableColorTemperature", 0) != 0 {
		c.warnf("light color temperature is not rendered (%s)", p.Path())
	}
	for _, api := range p.APISchemas() {
		switch api {
		case "ShapingAPI":
			c.warnf("light shaping (ShapingAPI) is not rendered (%s)", p.Path())
		}
	}
	if c.lin(p, "diffuse", 1) != 1 || c.lin(p, "specular", 1) != 1 {
		c.warnf("light diffuse/specular multipliers are not rendered (%s)", p.Path())
	}
	if t, ok := c.asset(p, "inputs:texture:file"); ok && t != "" && typ != "DomeLight" && typ != "DomeLight_1" && typ != "RectLight" {
		c.warnf("textured %s is not rendered with its texture (%s)", typ, p.Path())
	}
	switch typ {
	case "DistantLight":
		c.sc.Lights = append(c.sc.Lights, &render.DistantLight{LightBase: base, Angle: c.lin(p, "angle", 0.53)})
	case "RectLight":
		l := &render.RectLight{LightBase: base, Width: c.lin(p, "width", 1), Height: c.lin(p, "height", 1)}
		if t, ok := c.asset(p, "inputs:texture:file"); ok && t != "" {
			if img := c.image(t, "auto"); img != nil {
				l.Texture = &render.ImageTexture{Img: img, Channel: -1, Scale: [4]float64{1, 1, 1, 1}, WrapS: render.WrapClamp, WrapT: render.WrapClamp}
			}
		}
		c.sc.Lights = append(c.sc.Lights, l)
	case "DiskLight":
		c.sc.Lights = append(c.sc.Lights, &render.DiskLight{LightBase: base, Radius: c.lin(p, "radius", 0.5)})
	case "SphereLight":
		l := &render.SphereLight{LightBase: base, Radius: c.lin(p, "radius", 0.5)}
		l.TreatAsPoint = c.bool(p, "treatAsPoint", false)
		c.sc.Lights = append(c.sc.Lights, l)
	case "CylinderLight":
		c.sc.Lights = append(c.sc.Lights, &render.CylinderLight{LightBase: base, Length: c.lin(p, "length", 1), Radius: c.lin(p, "radius", 0.5)})
	case "DomeLight", "DomeLight_1":
		l := &render.DomeLight{LightBase: base}
		if t, ok := c.asset(p, "inputs:texture:file"); ok && t != "" {
			if f := c.token(p, "inputs:texture:format", "automatic"); f != "automatic" && f != "latlong" {
				c.warnf("dome texture format %s is not supported; read as latlong (%s)", f, p.Path())
			}
			l.Texture = c.image(t, "auto")
		}
		if typ == "DomeLight_1" {
			if pa := c.token(p, "poleAxis", "scene"); pa == "Z" || (pa == "scene" && c.st.UpAxis() == "Z") {
				// Rotate the +Y pole onto +Z.
				l.ToWorld = rot('X', 90).Mul(l.ToWorld)
			}
		}
		c.sc.Lights = append(c.sc.Lights, l)
	}
}
