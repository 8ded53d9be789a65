package usdscene

import (
	"fmt"
	"math"

	"github.com/rgallery/rgallery/render"
)

// The default light rig.
//
// Most standalone assets (usdz files, asset libraries) carry no UsdLux
// light: their authors expect the viewer to light them. usdview/Storm
// then uses a camera light and Karma a headlight rig; rgallery adds, when
// Options.DefaultLights asks for it:
//
//   - a uniform white dome of radiance DefaultDomeRadiance, invisible to
//     camera rays (the background stays as without lights) but seen in
//     reflections and through refraction; it gives an unoccluded surface
//     an irradiance of π·0.4 ≈ 1.26 whatever its orientation;
//   - a white distant key light of irradiance DefaultKeyIrradiance and a
//     DefaultKeyAngle° angular diameter (soft-edged shadows), shining from
//     the camera's upper left: the direction towards the light is
//     (−1, 1, 1.5) in camera space (camera looking down −Z), normalized,
//     so the lit side faces the camera.
//
// A white (albedo 0.8) surface facing the key then reflects radiance
// 0.8·(2 + 1.26)/π ≈ 0.83: bright, not clipped; a 0.18 grey reads as mid
// grey. With DefaultLights "auto" (the default) the rig is added only when
// the stage has no rendered UsdLux light; emissive geometry does not
// count as a light (an asset with a glowing detail still needs lighting).
// "on" adds it to any stage, "off" never. The rig follows the render
// camera, so it is added after the camera is chosen.

// DefaultLights modes.
const (
	DefaultLightsAuto = "auto"
	DefaultLightsOn   = "on"
	DefaultLightsOff  = "off"
)

// The rig's constants (see above).
const (
	DefaultDomeRadiance  = 0.4
	DefaultKeyIrradiance = 2.0
	DefaultKeyAngle      = 5.0
)

// defaultKeyDir is the direction towards the key light in camera space.
var defaultKeyDir = render.Vec3{X: -1, Y: 1, Z: 1.5}

// addDefaultLights adds the rig when mode asks for it and returns the
// description the snapshot's metadata carries ("" when none was added).
func (c *conv) addDefaultLights(mode string) (string, error) {
	switch mode {
	case "", DefaultLightsAuto:
		if len(c.sc.Lights) > 0 {
			return "", nil
		}
	case DefaultLightsOn:
	case DefaultLightsOff:
		return "", nil
	default:
		return "", fmt.Errorf("defaultLights %q: want auto, on or off", mode)
	}
	dome := &render.DomeLight{LightBase: render.LightBase{
		Name: "defaultLights/dome", ToWorld: render.Identity, Color: render.Vec3{X: 1, Y: 1, Z: 1},
		Intensity: DefaultDomeRadiance, Invisible: true,
	}}
	cam := c.sc.Camera.ToWorld
	toLight := cam.Dir(defaultKeyDir).Norm()
	key := &render.DistantLight{
		LightBase: render.LightBase{
			Name: "defaultLights/key", ToWorld: frameToWorld(toLight), Color: render.Vec3{X: 1, Y: 1, Z: 1},
			Intensity: DefaultKeyIrradiance,
		},
		Angle: DefaultKeyAngle,
	}
	c.sc.Lights = append(c.sc.Lights, dome, key)
	return fmt.Sprintf("dome radiance %g (camera-invisible) + distant key irradiance %g, %g° wide, towards (%.3f, %.3f, %.3f)",
		DefaultDomeRadiance, DefaultKeyIrradiance, DefaultKeyAngle, toLight.X, toLight.Y, toLight.Z), nil
}

// frameToWorld returns a rotation taking local +Z to z (unit).
func frameToWorld(z render.Vec3) render.Matrix {
	up := render.Vec3{Y: 1}
	if math.Abs(z.Y) > 0.9 {
		up = render.Vec3{X: 1}
	}
	x := up.Cross(z).Norm()
	y := z.Cross(x)
	return render.Matrix{
		{x.X, x.Y, x.Z, 0},
		{y.X, y.Y, y.Z, 0},
		{z.X, z.Y, z.Z, 0},
		{0, 0, 0, 1},
	}
}
