package usd

// RenderSettings is a UsdRender RenderSettings prim read at one time.
type RenderSettings struct {
	Prim             *Prim
	Resolution       [2]int
	PixelAspectRatio float64
	Camera           string   // camera prim path
	Products         []string // RenderProduct prim paths
}

// RenderSettings reads a RenderSettings (or RenderProduct) prim.
func (p *Prim) RenderSettings() RenderSettings {
	rs := RenderSettings{Prim: p, Resolution: [2]int{2048, 1080}, PixelAspectRatio: 1}
	if a := p.Attribute("resolution"); a != nil {
		if v, ok := a.Get(Default); ok {
			if r, ok := v.(Vec2i); ok {
				rs.Resolution = [2]int{int(r[0]), int(r[1])}
			}
		}
	}
	if a := p.Attribute("pixelAspectRatio"); a != nil {
		rs.PixelAspectRatio, _ = a.Float(Default)
	}
	if r := p.Relationship("camera"); r != nil {
		if ts := r.Targets(); len(ts) > 0 {
			rs.Camera = ts[0]
		}
	}
	if r := p.Relationship("products"); r != nil {
		rs.Products = r.Targets()
	}
	return rs
}

// RenderSettingsPrim returns the stage's render settings: the prim named
// by the root layer's renderSettingsPrimPath, else the first RenderSettings
// prim in namespace order, else nil.
func (s *Stage) RenderSettingsPrim() *Prim {
	if v, ok := s.RootLayer().Meta("renderSettingsPrimPath"); ok {
		var path string
		switch t := v.(type) {
		case Token:
			path = string(t)
		case string:
			path = t
		}
		if p := s.PrimAtPath(path); p != nil {
			return p
		}
	}
	for p := range s.Traverse() {
		if p.TypeName() == "RenderSettings" {
			return p
		}
	}
	return nil
}
