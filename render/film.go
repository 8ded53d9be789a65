package render

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Film accumulates radiance samples per pixel.
//
// Sums are kept in 32.32 fixed point (int64), not floats: integer addition
// is associative, so films of disjoint sample ranges merge into bit for bit
// the film of one render of all the samples, in any order. The resolution
// is 2⁻³² per sample; a single sample is clamped to FilmMaxSample so that
// sums cannot overflow for any practical sample count.
type Film struct {
	W, H int
	sum  []int64  // three per pixel
	n    []uint32 // samples per pixel
	aov  []int64  // aovChannels per pixel, nil without AOVs (see aov.go)
}

// NewFilmAOV returns an empty film that also accumulates the AOVs.
func NewFilmAOV(w, h int) *Film {
	f := NewFilm(w, h)
	f.aov = make([]int64, aovChannels*w*h)
	return f
}

// FilmMaxSample bounds one sample's channel value (a NaN counts as 0).
const FilmMaxSample = 1 << 20

const filmScale = 1 << 32

// NewFilm returns an empty film.
func NewFilm(w, h int) *Film {
	return &Film{W: w, H: h, sum: make([]int64, 3*w*h), n: make([]uint32, w*h)}
}

func toFixed(v float64) int64 {
	if !(v > 0) { // also NaN
		return 0
	}
	if v > FilmMaxSample {
		v = FilmMaxSample
	}
	return int64(v * filmScale)
}

// Add adds one sample to pixel (x, y).
func (f *Film) Add(x, y int, l Vec3) {
	i := y*f.W + x
	f.sum[3*i] += toFixed(l.X)
	f.sum[3*i+1] += toFixed(l.Y)
	f.sum[3*i+2] += toFixed(l.Z)
	f.n[i]++
}

// addRegion adds the w×h pixels at the top left of o (a tile buffer) to
// f's pixels from (x0, y0) and clears them in o.
func (f *Film) addRegion(o *Film, x0, y0, w, h int) {
	for y := 0; y < h; y++ {
		src, dst := y*o.W, (y0+y)*f.W+x0
		for x := 0; x < w; x++ {
			f.n[dst+x] += o.n[src+x]
			o.n[src+x] = 0
		}
		d, s := f.sum[3*dst:3*(dst+w)], o.sum[3*src:3*(src+w)]
		for k := range d {
			d[k] += s[k]
			s[k] = 0
		}
		if f.aov != nil {
			d, s := f.aov[aovChannels*dst:aovChannels*(dst+w)], o.aov[aovChannels*src:aovChannels*(src+w)]
			for k := range d {
				d[k] += s[k]
				s[k] = 0
			}
		}
	}
}

// Count returns the number of samples in pixel (x, y).
func (f *Film) Count(x, y int) int { return int(f.n[y*f.W+x]) }

// Pixel returns the mean radiance of pixel (x, y); black without samples.
func (f *Film) Pixel(x, y int) Vec3 {
	i := y*f.W + x
	if f.n[i] == 0 {
		return Vec3{}
	}
	s := 1 / (float64(f.n[i]) * filmScale)
	return Vec3{float64(f.sum[3*i]) * s, float64(f.sum[3*i+1]) * s, float64(f.sum[3*i+2]) * s}
}

// RGB returns the mean image as linear float32 RGB, row 0 at the top.
func (f *Film) RGB() []float32 {
	out := make([]float32, 3*f.W*f.H)
	for y := 0; y < f.H; y++ {
		for x := 0; x < f.W; x++ {
			p := f.Pixel(x, y)
			i := 3 * (y*f.W + x)
			out[i], out[i+1], out[i+2] = float32(p.X), float32(p.Y), float32(p.Z)
		}
	}
	return out
}

// TotalSamples returns the number of samples over all pixels.
func (f *Film) TotalSamples() int64 {
	var t int64
	for _, n := range f.n {
		t += int64(n)
	}
	return t
}

// Merge adds the samples of o into f.
func (f *Film) Merge(o *Film) error {
	if o.W != f.W || o.H != f.H {
		return fmt.Errorf("merge film %dx%d into %dx%d", o.W, o.H, f.W, f.H)
	}
	if (o.aov == nil) != (f.aov == nil) {
		return fmt.Errorf("merge film with AOVs %v into one with AOVs %v", o.aov != nil, f.aov != nil)
	}
	for i, v := range o.aov {
		f.aov[i] += v
	}
	for i, v := range o.sum {
		f.sum[i] += v
	}
	for i, v := range o.n {
		f.n[i] += v
	}
	return nil
}

// Equal reports whether two films hold exactly the same sums and counts.
func (f *Film) Equal(o *Film) bool {
	if f.W != o.W || f.H != o.H {
		return false
	}
	for i := range f.sum {
		if f.sum[i] != o.sum[i] {
			return false
		}
	}
	for i := range f.n {
		if f.n[i] != o.n[i] {
			return false
		}
	}
	if (f.aov == nil) != (o.aov == nil) {
		return false
	}
	for i := range f.aov {
		if f.aov[i] != o.aov[i] {
			return false
		}
	}
	return true
}

const (
	filmMagic    = "RGFILM01"
	filmMagicAOV = "RGFILM02"
)

// WriteTo writes the film in a small lossless binary form (magic, width,
// height, then per pixel three int64 sums and a uint32 count, little
// endian), which farm tasks use to hand partial renders to the merge. A
// film with AOVs has the magic RGFILM02, and after the counts the number
// of AOV channels (uint32) and their int64 sums, pixel by pixel.
func (f *Film) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if f.aov != nil {
		buf.WriteString(filmMagicAOV)
	} else {
		buf.WriteString(filmMagic)
	}
	_ = binary.Write(&buf, binary.LittleEndian, [2]uint32{uint32(f.W), uint32(f.H)})
	_ = binary.Write(&buf, binary.LittleEndian, f.sum)
	_ = binary.Write(&buf, binary.LittleEndian, f.n)
	if f.aov != nil {
		_ = binary.Write(&buf, binary.LittleEndian, uint32(aovChannels))
		_ = binary.Write(&buf, binary.LittleEndian, f.aov)
	}
	return buf.WriteTo(w)
}

// ReadFilm reads a film written by WriteTo.
func ReadFilm(r io.Reader) (*Film, error) {
	magic := make([]byte, len(filmMagic))
	if _, err := io.ReadFull(r, magic); err != nil {
		return nil, fmt.Errorf("read film header: %w", err)
	}
	withAOV := string(magic) == filmMagicAOV
	if string(magic) != filmMagic && !withAOV {
		return nil, errors.New("not a film file: bad magic at offset 0")
	}
	var wh [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &wh); err != nil {
		return nil, fmt.Errorf("read film size at offset 8: %w", err)
	}
	// 2^25 pixels (an 8K frame) bounds what a corrupt header can allocate.
	if wh[0] == 0 || wh[1] == 0 || uint64(wh[0])*uint64(wh[1]) > 1<<25 {
		return nil, fmt.Errorf("film size %dx%d at offset 8 out of range", wh[0], wh[1])
	}
	f := NewFilm(int(wh[0]), int(wh[1]))
	if err := binary.Read(r, binary.LittleEndian, f.sum); err != nil {
		return nil, fmt.Errorf("read film sums: %w", err)
	}
	if err := binary.Read(r, binary.LittleEndian, f.n); err != nil {
		return nil, fmt.Errorf("read film counts: %w", err)
	}
	if withAOV {
		var nc uint32
		if err := binary.Read(r, binary.LittleEndian, &nc); err != nil {
			return nil, fmt.Errorf("read film AOV channel count: %w", err)
		}
		if nc != aovChannels {
			return nil, fmt.Errorf("film has %d AOV channels, this build knows %d", nc, aovChannels)
		}
		f.aov = make([]int64, aovChannels*f.W*f.H)
		if err := binary.Read(r, binary.LittleEndian, f.aov); err != nil {
			return nil, fmt.Errorf("read film AOV sums: %w", err)
		}
	}
	return f, nil
}

// MeanLuminance returns the average luminance of the image (for tests and
// the bench comparison).
func (f *Film) MeanLuminance() float64 {
	var s float64
	for y := 0; y < f.H; y++ {
		for x := 0; x < f.W; x++ {
			s += f.Pixel(x, y).Luminance()
		}
	}
	return s / float64(f.W*f.H)
}
