package imageio

import (
	"fmt"
	"strings"

	"github.com/rgallery/rgallery/imageio/exr"
)

// decodeEXR reads every part of an OpenEXR file through imageio/exr and
// turns each layer of each part (full-resolution level) into a Layer. The
// samples are kept as stored: OpenEXR colour is scene-linear and
// premultiplied by alpha.
func decodeEXR(data []byte) (*Image, error) {
	f, err := exr.Parse(data, exr.Options{})
	if err != nil {
		return nil, err
	}
	if len(f.Parts) == 0 {
		return nil, fmt.Errorf("no parts")
	}
	disp := f.Parts[0].DisplayWindow
	im := &Image{
		Format:      EXR,
		Width:       disp.Width(),
		Height:      disp.Height(),
		Transfer:    "linear",
		Compression: f.Parts[0].Compression,
	}
	if im.Width <= 0 || im.Height <= 0 {
		return nil, fmt.Errorf("empty display window %v", disp)
	}
	for _, p := range f.Parts {
		for _, a := range p.Attributes {
			im.Attributes = append(im.Attributes, Attribute{Part: p.Name, Name: a.Name, Type: a.Type, Value: a.FormatValue()})
		}
		if strings.HasPrefix(p.Type, "deep") {
			// Deep samples are shown flattened (front to back, "over");
			// the file itself keeps them.
			flat, err := p.Flatten()
			if err != nil {
				return nil, fmt.Errorf("part %q: flatten deep samples: %w", p.Name, err)
			}
			im.Attributes = append(im.Attributes, Attribute{Part: p.Name, Name: "rgallery:flattened", Value: "deep samples composited front to back for display"})
			p = flat
		}
		dw := p.DataWindow
		w, h := dw.Width(), dw.Height()
		if w <= 0 || h <= 0 {
			continue
		}
		for _, l := range p.Layers() {
			if l.LuminanceChroma() {
				var note string
				l, note = ycaLayer(p, l)
				im.Attributes = append(im.Attributes, Attribute{Part: p.Name, Name: "rgallery:luminanceChroma" + layerSuffix(l.Name), Value: note})
			}
			layer := Layer{Part: p.Name, Name: l.Name, X: dw.XMin - disp.XMin, Y: dw.YMin - disp.YMin, Width: w, Height: h}
			n := len(l.Channels)
			layer.Pix = make([]float32, w*h*n)
			for ci, c := range l.Channels {
				ch := Channel{Name: lastName(c.Name), Type: strings.ToLower(c.Type.String())}
				if c.XSampling != 1 || c.YSampling != 1 {
					ch.XSampling, ch.YSampling = c.XSampling, c.YSampling
				}
				layer.Channels = append(layer.Channels, ch)
				xs, ys := max(c.XSampling, 1), max(c.YSampling, 1)
				samples := c.Width * c.Height
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						// A sampled channel's data window origin is a
						// multiple of its sampling (OpenEXR rule), so the
						// sample covering pixel x is x / xs.
						i := (y/ys)*c.Width + x/xs
						if x/xs >= c.Width || i >= samples {
							return nil, fmt.Errorf("part %q channel %s: %dx%d samples do not cover %dx%d pixels", p.Name, c.Name, c.Width, c.Height, w, h)
						}
						layer.Pix[(y*w+x)*n+ci] = c.At(i)
					}
				}
			}
			im.Layers = append(im.Layers, layer)
		}
	}
	return im, nil
}

// ycaLayer turns a luminance/chroma layer (Y, RY, BY) into R, G, B as
// OpenEXR's RgbaInputFile does (exr.Part.YCAToRGB); the layer's other
// channels (A, ...) stay. When the layout cannot be converted the layer is
// kept as stored; the note says which happened.
func ycaLayer(p *exr.Part, l exr.Layer) (exr.Layer, string) {
	rgb, err := p.YCAToRGB(l)
	if err != nil {
		return l, fmt.Sprintf("luminance/chroma channels kept as stored: %v", err)
	}
	out := exr.Layer{Name: l.Name, Channels: rgb[:]}
	for _, c := range l.Channels {
		switch lastName(c.Name) {
		case "Y", "RY", "BY":
		default:
			out.Channels = append(out.Channels, c)
		}
	}
	return out, "luminance/chroma (Y, RY, BY) converted to HALF R, G, B as OpenEXR's RgbaInputFile does"
}

func layerSuffix(name string) string {
	if name == "" {
		return ""
	}
	return "." + name
}
