package exr

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"
)

// DWA's LOSSY_DCT channels (dwa.go reads the sections): OpenEXRCore
// internal_dwa_decoder.h (LossyDctDecoder), internal_dwa_simd.h (the
// inverse DCT, CSC and zig-zag order) and internal_dwa_table_init.c (the
// to-linear table).

// dwaDCT walks the shared AC and DC streams (LossyDctDecoder).
type dwaDCT struct {
	ac, dc []uint16
}

// decode decodes one channel, or an R, G, B set stored as Y'CbCr, into
// their lines in dst (LossyDctDecoder_execute). toLinear, when not nil,
// maps the decoded perceptual halves back to linear ones.
func (d *dwaDCT) decode(dst []byte, cs []*dwaChan, toLinear *[1 << 16]uint16) error {
	w, h := cs[0].w, cs[0].h
	nbx, nby := (w+7)/8, (h+7)/8
	nc := len(cs)
	if len(d.dc) < nc*nbx*nby {
		return errors.New("dwa: fewer DC values than blocks")
	}
	for _, ch := range cs {
		if ch.c.typ == pixUint {
			return errors.New("dwa: LOSSY_DCT rule for a UINT channel")
		}
		if len(ch.rows) != h {
			return errors.New("dwa: colour set channels differ in size")
		}
	}
	dcs := make([][]uint16, nc)
	for k := range dcs {
		dcs[k] = d.dc[k*nbx*nby : (k+1)*nbx*nby]
	}
	d.dc = d.dc[nc*nbx*nby:]

	var zig [3][64]uint16
	var blk [3][64]float32
	var halves [3][64]uint16
	for by := 0; by < nby; by++ {
		for bx := 0; bx < nbx; bx++ {
			constant := true
			for k := 0; k < nc; k++ {
				z := &zig[k]
				*z = [64]uint16{}
				z[0] = dcs[k][by*nbx+bx]
				last, err := d.unRLEAC(z)
				if err != nil {
					return err
				}
				b := &blk[k]
				if last == 0 {
					v := float32(float32(halfToFloat(z[0])*3.535536e-01) * 3.535536e-01)
					for i := range b {
						b[i] = v
					}
					continue
				}
				constant = false
				for i, zi := range dwaZigZag {
					b[i] = halfToFloat(z[zi])
				}
				dwaInverseDCT(b)
			}
			if nc == 3 {
				m := 64
				if constant {
					m = 1
				}
				for i := 0; i < m; i++ {
					y, cb, cr := blk[0][i], blk[1][i], blk[2][i]
					blk[0][i] = y + float32(1.5747*cr)
					blk[1][i] = y - float32(0.1873*cb) - float32(0.4682*cr)
					blk[2][i] = y + float32(1.8556*cb)
				}
			}
			for k := 0; k < nc; k++ {
				hv := &halves[k]
				if constant {
					v := halfFromFloat32(blk[k][0])
					for i := range hv {
						hv[i] = v
					}
				} else {
					for i := range hv {
						hv[i] = halfFromFloat32(blk[k][i])
					}
				}
				ch := cs[k]
				for yy := 0; yy < 8 && by*8+yy < h; yy++ {
					row := ch.rows[by*8+yy]
					for xx := 0; xx < 8 && bx*8+xx < w; xx++ {
						v := hv[yy*8+xx]
						if toLinear != nil {
							v = toLinear[v]
						}
						x := bx*8 + xx
						if ch.c.typ == pixFloat {
							binary.LittleEndian.PutUint32(dst[row+4*x:], math.Float32bits(halfToFloat(v)))
						} else {
							binary.LittleEndian.PutUint16(dst[row+2*x:], v)
						}
					}
				}
			}
		}
	}
	return nil
}

// unRLEAC fills the AC values of one block in zig-zag order: a value
// 0xffNN is a run of NN zeros (0xff00 ends the block), anything else is a
// coefficient (LossyDctDecoder_unRleAc). It returns the zig-zag index of
// the last non-zero coefficient, 0 for a DC-only block.
func (d *dwaDCT) unRLEAC(z *[64]uint16) (int, error) {
	last := 0
	i := 0
	for comp := 1; comp < 64; {
		if i >= len(d.ac) {
			return 0, errors.New("dwa: AC values end inside a block")
		}
		v := d.ac[i]
		i++
		if v&0xff00 == 0xff00 {
			if c := int(v & 0xff); c == 0 {
				comp += 64
			} else {
				comp += c
			}
			continue
		}
		z[comp] = v
		last = comp
		comp++
	}
	d.ac = d.ac[i:]
	return last, nil
}

// dwaZigZag[i] is the zig-zag index of row-major position i
// (fromHalfZigZag_scalar).
var dwaZigZag = [64]int{
	0, 1, 5, 6, 14, 15, 27, 28,
	2, 4, 7, 13, 16, 26, 29, 42,
	3, 8, 12, 17, 25, 30, 41, 43,
	9, 11, 18, 24, 31, 40, 44, 53,
	10, 19, 23, 32, 39, 45, 52, 54,
	20, 22, 33, 38, 46, 51, 55, 60,
	21, 34, 37, 47, 50, 56, 59, 61,
	35, 36, 48, 49, 57, 58, 62, 63,
}

// The inverse DCT's constants, .5*cos(k*pi/16), as OpenEXR's AVX code
// spells them (sAvxCoef).
const (
	dwaA = float32(3.535536e-01)
	dwaB = float32(4.903927e-01)
	dwaC = float32(4.619398e-01)
	dwaD = float32(4.157349e-01)
	dwaE = float32(2.777855e-01)
	dwaF = float32(1.913422e-01)
	dwaG = float32(9.754573e-02)
)

// dwaInverseDCT is the 8x8 inverse DCT, rows then columns, in float32
// with the operation order of OpenEXRCore's AVX code (IDCT_AVX_BODY),
// which is what OpenEXR runs on x86-64 machines with AVX; its scalar
// fallback rounds differently in the last place. Every product is
// converted explicitly so that Go never fuses a multiply-add. Rows known
// to be zero contribute exact zeros, as OpenEXR's skipped rows do (up to
// the sign of a zero).
func dwaInverseDCT(data *[64]float32) {
	const a, b, c, d, e, f, g = dwaA, dwaB, dwaC, dwaD, dwaE, dwaF, dwaG
	m := func(x, y float32) float32 { return float32(x * y) }
	// Row pass: a matrix product, (p0 + p1) + (p2 + p3) per output.
	for r := 0; r < 8; r++ {
		x := data[r*8 : r*8+8]
		x0, x1, x2, x3, x4, x5, x6, x7 := x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]
		e0 := (m(x0, a) + m(x2, c)) + (m(x4, a) + m(x6, f))
		e1 := (m(x0, a) + m(x2, f)) + (m(x4, -a) + m(x6, -c))
		e2 := (m(x0, a) + m(x2, -f)) + (m(x4, -a) + m(x6, c))
		e3 := (m(x0, a) + m(x2, -c)) + (m(x4, a) + m(x6, -f))
		o0 := (m(x1, b) + m(x3, d)) + (m(x5, e) + m(x7, g))
		o1 := (m(x1, d) + m(x3, -g)) + (m(x5, -b) + m(x7, -e))
		o2 := (m(x1, e) + m(x3, -b)) + (m(x5, g) + m(x7, d))
		o3 := (m(x1, g) + m(x3, -e)) + (m(x5, d) + m(x7, -b))
		x[0], x[1], x[2], x[3] = e0+o0, e1+o1, e2+o2, e3+o3
		x[4], x[5], x[6], x[7] = e3-o3, e2-o2, e1-o1, e0-o0
	}
	// Column pass, with the AVX code's own grouping.
	for col := 0; col < 8; col++ {
		r0, r1, r2, r3 := data[col], data[8+col], data[16+col], data[24+col]
		r4, r5, r6, r7 := data[32+col], data[40+col], data[48+col], data[56+col]
		o0 := (m(r1, b) + m(r3, d)) + (m(r5, e) + m(r7, g))
		o1 := (m(r1, d) - (m(r3, g) + m(r5, b))) - m(r7, e)
		o2 := ((m(r1, e) - m(r3, b)) + m(r5, g)) + m(r7, d)
		o3 := (m(r1, g) + m(r5, d)) - (m(r3, e) + m(r7, b))
		sum, dif := m(a, r0)+m(a, r4), m(a, r0)-m(a, r4)
		cf, fc := m(c, r2)+m(f, r6), m(f, r2)-m(c, r6)
		e0, e3 := sum+cf, sum-cf
		e1, e2 := dif+fc, dif-fc
		data[col], data[8+col], data[16+col], data[24+col] = e0+o0, e1+o1, e2+o2, e3+o3
		data[56+col], data[48+col], data[40+col], data[32+col] = e0-o0, e1-o1, e2-o2, e3-o3
	}
}

// dwaToLinearTable maps DWA's perceptual halves back to linear ones
// (dwa_convertToLinear): x^2.2 up to 1, e^(2.2(x-1)) above, sign kept,
// infinities and NaNs to 0.
var dwaToLinearTable = sync.OnceValue(func() *[1 << 16]uint16 {
	t := new([1 << 16]uint16)
	for i := 1; i < 1<<16; i++ {
		x := uint16(i)
		if x&0x7c00 == 0x7c00 {
			continue
		}
		f := halfToFloat(x)
		sign := float32(1)
		if f < 0 {
			sign = -1
		}
		f = float32(math.Abs(float64(f)))
		px, py := f, float32(2.2)
		if f > 1 {
			px, py = 9.02501329156, f-1
		}
		z := sign * float32(math.Pow(float64(px), float64(py)))
		t[i] = halfFromFloat32(z)
	}
	return t
})
