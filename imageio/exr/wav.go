package exr

// wav2Decode undoes PIZ's 2D wavelet in place (OpenEXRCore internal_piz.c
// wav_2D_decode, ImfWav.cpp wav2Decode). in holds an nx by ny array whose
// element (x, y) is in[x*ox + y*oy]. mx is the largest value before the
// transform: below 1<<14 the encoder used the 14-bit basis (wenc14),
// otherwise the modulo-16-bit one (wenc16).
func wav2Decode(in []uint16, nx, ox, ny, oy int, mx uint16) {
	w14 := mx < 1<<14
	n := min(nx, ny)
	p := 1
	for p <= n {
		p <<= 1
	}
	p >>= 1
	p2 := p
	p >>= 1

	// Hierarchical loop on the smaller dimension, coarsest level first.
	for p >= 1 {
		oy1, oy2 := oy*p, oy*p2
		ox1, ox2 := ox*p, ox*p2
		ey := oy * (ny - p2)
		py := 0
		for ; py <= ey; py += oy2 {
			px := py
			ex := py + ox*(nx-p2)
			for ; px <= ex; px += ox2 {
				p01 := px + ox1
				p10 := px + oy1
				p11 := p10 + ox1
				if w14 {
					in[px], in[p01], in[p10], in[p11] = wdec14x4(in[px], in[p01], in[p10], in[p11])
				} else {
					i00, i10 := wdec16(in[px], in[p10])
					i01, i11 := wdec16(in[p01], in[p11])
					in[px], in[p01] = wdec16(i00, i01)
					in[p10], in[p11] = wdec16(i10, i11)
				}
			}
			// Odd column.
			if nx&p != 0 {
				p10 := px + oy1
				if w14 {
					in[px], in[p10] = wdec14(in[px], in[p10])
				} else {
					in[px], in[p10] = wdec16(in[px], in[p10])
				}
			}
		}
		// Odd line.
		if ny&p != 0 {
			px := py
			ex := py + ox*(nx-p2)
			for ; px <= ex; px += ox2 {
				p01 := px + ox1
				if w14 {
					in[px], in[p01] = wdec14(in[px], in[p01])
				} else {
					in[px], in[p01] = wdec16(in[px], in[p01])
				}
			}
		}
		p2 = p
		p >>= 1
	}
}

// wdec14 inverts wenc14: l = (a+b)>>1, h = a-b in 16-bit signed
// arithmetic.
func wdec14(l, h uint16) (a, b uint16) {
	hi := int(int16(h))
	ai := int(int16(l)) + hi&1 + hi>>1
	return uint16(int16(ai)), uint16(int16(ai - hi))
}

// wdec14x4 is the 2D 14-bit step on the corners px, p01 (x+p), p10 (y+p),
// p11, as OpenEXRCore's wdec14_4 fuses it: first along y, then along x.
func wdec14x4(px, p01, p10, p11 uint16) (uint16, uint16, uint16, uint16) {
	a, b := int(int16(px)), int(int16(p10))
	c, d := int(int16(p01)), int(int16(p11))
	i00 := a + b&1 + b>>1
	i10 := i00 - b
	i01 := c + d&1 + d>>1
	i11 := i01 - d
	a = i00 + i01&1 + i01>>1
	b = a - i01
	c = i10 + i11&1 + i11>>1
	d = c - i11
	return uint16(a), uint16(b), uint16(c), uint16(d)
}

// wdec16 inverts wenc16, the modulo-2^16 basis.
func wdec16(l, h uint16) (a, b uint16) {
	const aOffset = 1 << 15
	const modMask = 1<<16 - 1
	m, d := int(l), int(h)
	bb := (m - d>>1) & modMask
	aa := (d + bb - aOffset) & modMask
	return uint16(aa), uint16(bb)
}
