package crate

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Crate splines (crate 0.12.0, OpenUSD 25.x TsSpline). A spline value is
// a uint64 byte count, the spline's binary data (pxr/base/ts/binary.cpp,
// Ts_BinaryDataAccess, format version 1), then its per-knot custom data:
// a uint64 count of (double time, VtDictionary) pairs.
//
// Format version 1: header byte 1 = version (bits 0-3), value type (bits
// 4-5: 0 unspecified (double), 1 double, 2 float, 3 half), time-valued
// (bit 6), curve type (bit 7: 0 bezier, 1 hermite); header byte 2 = pre
// (bits 0-2) and post (bits 3-5) extrapolation mode, inner loops (bit 6);
// a double slope per sloped extrapolation; inner loop parameters (double
// protoStart, protoEnd, int32 numPreLoops, numPostLoops, double
// valueOffset) when looping; a uint32 knot count, and per knot a flag byte
// (dual-valued bit 0, next interpolation bits 1-2, curve type bit 3, Maya
// tangent forms bits 4-5), double time, value, pre-value when dual-valued,
// double pre and post tangent widths unless hermite, pre and post tangent
// slopes (values of the spline's type).
//
// The decoded spline keeps knot times and values in Knots and everything
// else in Extra: "curveType", "preExtrapolation", "postExtrapolation"
// (with "preSlope"/"postSlope"), "loops", and "knotData" ([]SplineKnotData);
// "crateData" keeps the raw bytes and custom data so that the writer
// writes the spline back exactly.

// SplineKnotData is the full data of one crate spline knot.
type SplineKnotData struct {
	Time, Value, PreValue     float64
	DualValued                bool
	NextInterp                string // "valueBlock", "held", "linear", "curve"
	PreTanWidth, PostTanWidth float64
	PreTanSlope, PostTanSlope float64
	PreTanMaya, PostTanMaya   bool
	CurveType                 string // the knot's own curve type flag
	// PreTanAlgorithm and PostTanAlgorithm are a usda knot's tangent
	// algorithms ("" (none), "custom" or "autoEase"; crate format 1 has
	// none). Ts recomputes autoEase tangents, which EvalSpline does not.
	PreTanAlgorithm, PostTanAlgorithm string
}

// SplineLoops are a spline's inner loop parameters.
type SplineLoops struct {
	ProtoStart, ProtoEnd      float64
	NumPreLoops, NumPostLoops int32
	ValueOffset               float64
}

// splineCrateData is what the writer needs to write a spline back.
type splineCrateData struct {
	blob       []byte
	customData []splineCustom
}

type splineCustom struct {
	time float64
	dict map[string]any
}

var extrapModes = []string{"valueBlock", "held", "linear", "sloped", "loopRepeat", "loopReset", "loopOscillate"}
var interpModes = []string{"valueBlock", "held", "linear", "curve"}

func (f *file) readSpline(r *reader, b budget) *sdf.Spline {
	n := r.count(1)
	blob := r.bytes(int64(n))
	nc := r.count(16)
	cd := make([]splineCustom, 0, nc)
	for i := 0; i < nc && r.err == nil; i++ {
		t := r.f64()
		cd = append(cd, splineCustom{t, f.readDict(r, b)})
	}
	if r.err != nil {
		return nil
	}
	sp, err := parseSplineData(blob)
	if err != nil {
		r.fail("spline: %v", err)
		return nil
	}
	sp.Extra["crateData"] = &splineCrateData{blob: append([]byte(nil), blob...), customData: cd}
	if len(cd) > 0 {
		m := make(map[float64]map[string]any, len(cd))
		for _, c := range cd {
			m[c.time] = c.dict
		}
		sp.Extra["knotCustomData"] = m
	}
	return sp
}

// parseSplineData decodes Ts binary spline data (format version 1).
func parseSplineData(blob []byte) (*sdf.Spline, error) {
	sp := &sdf.Spline{Type: "double", Extra: map[string]any{}}
	if len(blob) == 0 {
		return sp, nil // an empty spline
	}
	p := 0
	need := func(k int) error {
		if p+k > len(blob) {
			return fmt.Errorf("spline data ends after %d of %d bytes", p, len(blob))
		}
		return nil
	}
	u8 := func() (uint8, error) {
		if err := need(1); err != nil {
			return 0, err
		}
		p++
		return blob[p-1], nil
	}
	f64 := func() (float64, error) {
		if err := need(8); err != nil {
			return 0, err
		}
		p += 8
		return math.Float64frombits(binary.LittleEndian.Uint64(blob[p-8:])), nil
	}
	i32 := func() (int32, error) {
		if err := need(4); err != nil {
			return 0, err
		}
		p += 4
		return int32(binary.LittleEndian.Uint32(blob[p-4:])), nil
	}
	h1, _ := u8()
	if v := h1 & 0x0f; v != 1 {
		return nil, fmt.Errorf("spline data format version %d (this reader knows version 1)", v)
	}
	var val func() (float64, error)
	switch (h1 >> 4) & 3 {
	case 0, 1:
		sp.Type = "double"
		val = f64
	case 2:
		sp.Type = "float"
		val = func() (float64, error) {
			if err := need(4); err != nil {
				return 0, err
			}
			p += 4
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(blob[p-4:]))), nil
		}
	case 3:
		sp.Type = "half"
		val = func() (float64, error) {
			if err := need(2); err != nil {
				return 0, err
			}
			p += 2
			return float64(sdf.HalfFromBits(binary.LittleEndian.Uint16(blob[p-2:]))), nil
		}
	}
	if h1&0x40 != 0 {
		sp.Extra["timeValued"] = true
	}
	hermite := h1&0x80 != 0
	sp.Extra["curveType"] = map[bool]string{false: "bezier", true: "hermite"}[hermite]
	h2, err := u8()
	if err != nil {
		return nil, err
	}
	pre, post := int(h2&7), int(h2>>3&7)
	if pre >= len(extrapModes) || post >= len(extrapModes) {
		return nil, fmt.Errorf("unknown extrapolation mode %d/%d", pre, post)
	}
	sp.Extra["preExtrapolation"], sp.Extra["postExtrapolation"] = extrapModes[pre], extrapModes[post]
	if pre == 3 {
		if sp.Extra["preSlope"], err = f64(); err != nil {
			return nil, err
		}
	}
	if post == 3 {
		if sp.Extra["postSlope"], err = f64(); err != nil {
			return nil, err
		}
	}
	if h2&0x40 != 0 {
		var l SplineLoops
		if l.ProtoStart, err = f64(); err == nil {
			if l.ProtoEnd, err = f64(); err == nil {
				if l.NumPreLoops, err = i32(); err == nil {
					if l.NumPostLoops, err = i32(); err == nil {
						l.ValueOffset, err = f64()
					}
				}
			}
		}
		if err != nil {
			return nil, err
		}
		sp.Extra["loops"] = l
	}
	nk, err := i32()
	if err != nil {
		return nil, err
	}
	// Every knot takes at least 1+8+2+2+2 bytes.
	if int64(uint32(nk))*15 > int64(len(blob)-p) {
		return nil, fmt.Errorf("%d knots cannot fit in %d bytes", uint32(nk), len(blob)-p)
	}
	var data []SplineKnotData
	for i := 0; i < int(uint32(nk)); i++ {
		var k SplineKnotData
		fl, err := u8()
		if err != nil {
			return nil, err
		}
		k.DualValued = fl&1 != 0
		k.NextInterp = interpModes[fl>>1&3]
		k.CurveType = map[bool]string{false: "bezier", true: "hermite"}[fl&8 != 0]
		k.PreTanMaya, k.PostTanMaya = fl&0x10 != 0, fl&0x20 != 0
		if k.Time, err = f64(); err != nil {
			return nil, err
		}
		if k.Value, err = val(); err != nil {
			return nil, err
		}
		k.PreValue = k.Value
		if k.DualValued {
			if k.PreValue, err = val(); err != nil {
				return nil, err
			}
		}
		if !hermite {
			if k.PreTanWidth, err = f64(); err != nil {
				return nil, err
			}
			if k.PostTanWidth, err = f64(); err != nil {
				return nil, err
			}
		}
		if k.PreTanSlope, err = val(); err != nil {
			return nil, err
		}
		if k.PostTanSlope, err = val(); err != nil {
			return nil, err
		}
		data = append(data, k)
		sp.Knots = append(sp.Knots, sdf.SplineKnot{Time: k.Time, Value: k.Value})
	}
	if p != len(blob) {
		return nil, fmt.Errorf("%d bytes of spline data left after the knots", len(blob)-p)
	}
	if !hermite {
		adjustRegressiveTangents(data)
	}
	sp.Extra["knotData"] = data
	return sp, nil
}

// writeSpline writes a spline read from a crate back as it was read.
// Splines from text layers are not encoded (no crate spline encoder yet):
// an error, never a spline OpenUSD would evaluate otherwise.
func (w *cwriter) writeSpline(sp *sdf.Spline, depth int) (uint64, error) {
	cd, ok := sp.Extra["crateData"].(*splineCrateData)
	if !ok {
		return 0, fmt.Errorf("a spline read from a text layer cannot be written to a crate file (there is no crate spline encoder yet)")
	}
	w.need(12)
	at := w.tell()
	w.u64(uint64(len(cd.blob)))
	w.buf = append(w.buf, cd.blob...)
	w.u64(uint64(len(cd.customData)))
	for _, c := range cd.customData {
		w.f64(c.time)
		if err := w.dict(c.dict, depth); err != nil {
			return 0, err
		}
	}
	return mkrep(tSpline, false, at), nil
}
