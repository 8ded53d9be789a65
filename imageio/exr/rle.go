package exr

import "errors"

// RLE (OpenEXRCore internal_rle.c): the ZIP reorder and predictor
// (zip.go), then a byte run-length code: a signed count byte c; c < 0
// means -c literal bytes follow, c >= 0 means the next byte repeats c+1
// times.

func decompressRLE(dst, src []byte, _ chunkLayout) error {
	t := make([]byte, len(dst))
	n := 0
	for i := 0; i < len(src); {
		c := int(int8(src[i]))
		i++
		if c < 0 {
			c = -c
			if i+c > len(src) {
				return errors.New("rle: literal run past the end of the chunk")
			}
			if n+c > len(t) {
				return errors.New("rle: more data than the chunk holds")
			}
			copy(t[n:], src[i:i+c])
			i += c
			n += c
		} else {
			if i >= len(src) {
				return errors.New("rle: run without its byte")
			}
			c++
			if n+c > len(t) {
				return errors.New("rle: more data than the chunk holds")
			}
			b := src[i]
			i++
			for k := 0; k < c; k++ {
				t[n+k] = b
			}
			n += c
		}
	}
	if n != len(t) {
		return errors.New("rle: less data than the chunk holds")
	}
	unpredictReorder(dst, t)
	return nil
}
