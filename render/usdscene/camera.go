package usdscene

import (
	"fmt"
	"math"

	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/usd"
)

// settingsAndCamera applies the RenderSettings (resolution, camera) and
// converts the camera.
func (c *conv) settingsAndCamera(opt Options, res *Result) error {
	camPath := opt.CameraPath
	var rs *usd.Prim
	if opt.RenderSettingsPath != "" {
		rs = c.st.PrimAtPath(opt.RenderSettingsPath)
		if rs == nil {
			return fmt.Errorf("render settings %s not found in the stage", opt.RenderSettingsPath)
		}
		if rs.TypeName() != "RenderSettings" {
			return fmt.Errorf("%s is a %s, not RenderSettings", opt.RenderSettingsPath, rs.TypeName())
		}
	} else {
		// The stage's renderSettingsPrim metadata, else the first one.
		if v, ok := c.st.Metadata("renderSettingsPrimPath"); ok {
			if s, ok := v.(string); ok {
				rs = c.st.PrimAtPath(s)
			}
		}
		if rs == nil {
			for p := range c.st.Traverse() {
				if p.TypeName() == "RenderSettings" {
					rs = p
					break
				}
			}
		}
	}
	if rs != nil {
		res.Width, res.Height = c.resolution(rs)
		if camPath == "" {
			camPath = c.target(rs, "camera")
		}
		// A product may override resolution and camera.
		if r := rs.Relationship("products"); r != nil {
			for _, pp := range r.Targets() {
				if prod := c.st.PrimAtPath(pp); prod != nil {
					if a := prod.Attribute("resolution"); a != nil && a.IsAuthored() {
						res.Width, res.Height = c.resolution(prod)
					}
					if cp := c.target(prod, "camera"); cp != "" && opt.CameraPath == "" {
						camPath = cp
					}
				}
				break
			}
		}
	}
	var cam *usd.Prim
	if camPath != "" {
		cam = c.st.PrimAtPath(camPath)
		if cam == nil {
			return fmt.Errorf("camera %s not found in the stage", camPath)
		}
		if cam.TypeName() != "Camera" {
			return fmt.Errorf("%s is a %s, not a Camera", camPath, cam.TypeName())
		}
	} else {
		for p := range c.st.Traverse() {
			if p.TypeName() == "Camera" {
				cam = p
				break
			}
		}
	}
	if cam == nil {
		c.warnf("no camera in the stage: a default camera frames the scene")
		c.sc.Camera = c.frameAll()
		return nil
	}
	res.CameraPath = cam.Path()
	c.sc.Camera = c.camera(cam)
	return nil
}

func (c *conv) target(p *usd.Prim, rel string) string {
	r := p.Relationship(rel)
	if r == nil {
		return ""
	}
	t := r.Targets()
	if len(t) == 0 {
		return ""
	}
	return t[0]
}

func (c *conv) resolution(p *usd.Prim) (int, int) {
	v, ok := c.get(p, "resolution")
	if !ok {
		return 0, 0
	}
	switch r := v.(type) {
	case usd.Vec2i:
		return int(r[0]), int(r[1])
	case [2]int32:
		return int(r[0]), int(r[1])
	}
	return 0, 0
}

func (c *conv) camera(p *usd.Prim) render.Camera {
	cam := render.Camera{
		ToWorld:                  c.world(p),
		FocalLength:              c.float(p, "focalLength", 50),
		HorizontalAperture:       c.float(p, "horizontalAperture", 20.955),
		VerticalAperture:         c.float(p, "verticalAperture", 15.2908),
		HorizontalApertureOffset: c.float(p, "horizontalApertureOffset", 0),
		VerticalApertureOffset:   c.float(p, "verticalApertureOffset", 0),
		Near:                     1,
		Far:                      1e6,
		Orthographic:             c.token(p, "projection", "perspective") == "orthographic",
	}
	if v, ok := c.get(p, "clippingRange"); ok {
		switch r := v.(type) {
		case usd.Vec2f:
			cam.Near, cam.Far = float64(r[0]), float64(r[1])
		case usd.Vec2d:
			cam.Near, cam.Far = r[0], r[1]
		}
	}
	fStop := c.float(p, "fStop", 0)
	focus := c.float(p, "focusDistance", 0)
	if fStop > 0 && focus > 0 {
		// Focal length is read in mm and converted to scene units through
		// metersPerUnit (what DCCs write), not the spec's tenths of a unit.
		mpu := c.meters
		if mpu <= 0 {
			mpu = 0.01
		}
		f := cam.FocalLength * 0.001 / mpu
		cam.LensRadius = f / (2 * fStop)
		cam.FocusDistance = focus
	}
	return cam
}

// defaultCameraElevation is how far (degrees) the default camera looks
// down on the scene. A camera level with the bounds' centre sees ground
// planes, boards and decals edge-on and nothing on them (usd-wg/assets
// AlphaBlendSortTest, RelationshipEncapsulationTests, OpenChessSet all
// rendered as a line); asset viewers' thumbnails look slightly down.
const defaultCameraElevation = 20

// frameAll returns a camera looking at the scene's bounds from the front
// (−Z, or +Y for Z-up stages), tilted down by defaultCameraElevation, from
// far enough to see everything.
func (c *conv) frameAll() render.Camera {
	b := render.EmptyAABB()
	// Each mesh's box once: instanced scenes place one mesh many times.
	boxes := make([]render.AABB, len(c.sc.Meshes))
	done := make([]bool, len(c.sc.Meshes))
	for _, in := range c.sc.Instances {
		if !done[in.Mesh] {
			mb := render.EmptyAABB()
			for _, p := range c.sc.Meshes[in.Mesh].P {
				mb = mb.Grow(p)
			}
			boxes[in.Mesh], done[in.Mesh] = mb, true
		}
		if mb := boxes[in.Mesh]; mb.Valid() {
			b = b.Union(mb.Transform(&in.Transform))
		}
	}
	cam := render.DefaultCamera()
	if !b.Valid() {
		return cam
	}
	ctr := b.Center()
	r := b.Diagonal().Len() / 2
	d := r / math.Tan(0.3) * 1.1
	sin, cos := math.Sincos(defaultCameraElevation * math.Pi / 180)
	if c.st.UpAxis() == "Z" {
		// Camera −Z looks along +Y, +Y up is world +Z; then pitched down.
		cam.ToWorld = rot('X', 90-defaultCameraElevation).Mul(render.Translate(ctr.Add(render.Vec3{Y: -d * cos, Z: d * sin})))
	} else {
		cam.ToWorld = rot('X', -defaultCameraElevation).Mul(render.Translate(ctr.Add(render.Vec3{Y: d * sin, Z: d * cos})))
	}
	cam.Near, cam.Far = d*1e-3, d*10
	return cam
}
