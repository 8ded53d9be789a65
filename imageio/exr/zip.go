package exr

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// ZIP and ZIPS (OpenEXRCore internal_zip.c): the chunk's bytes are split
// into even and odd halves, delta-encoded with a bias of 128, then zlib
// compressed. ZIPS is one line per chunk, ZIP sixteen; the codec is the
// same. RLE (rle.go) shares the reorder and predictor.

// decompressZIP undoes ZIP/ZIPS for one chunk.
func decompressZIP(dst, src []byte, _ chunkLayout) error {
	zr, err := zlib.NewReader(bytes.NewReader(src))
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	t := make([]byte, len(dst))
	if _, err := io.ReadFull(zr, t); err != nil {
		return fmt.Errorf("zip: inflated less than the %d bytes of the chunk: %w", len(dst), err)
	}
	// OpenEXR refuses a stream that holds more than the chunk.
	// and a stream whose checksum is wrong.
	var one [1]byte
	if n, err := zr.Read(one[:]); n > 0 {
		return errors.New("zip: inflated more than the chunk's size")
	} else if err != io.EOF {
		return fmt.Errorf("zip: %w", err)
	}
	unpredictReorder(dst, t)
	return nil
}

// unpredictReorder undoes the predictor in place in t, then interleaves
// its two halves into dst.
func unpredictReorder(dst, t []byte) {
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] + t[i] - 128
	}
	half := (len(t) + 1) / 2
	for i := range dst {
		if i%2 == 0 {
			dst[i] = t[i/2]
		} else {
			dst[i] = t[half+i/2]
		}
	}
}

// reorderPredict is the encoder side of unpredictReorder.
func reorderPredict(raw []byte) []byte {
	n := len(raw)
	t := make([]byte, n)
	half := (n + 1) / 2
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			t[i/2] = raw[i]
		} else {
			t[half+i/2] = raw[i]
		}
	}
	if n == 0 {
		return t
	}
	prev := t[0]
	for i := 1; i < n; i++ {
		d := t[i] - prev + 128
		prev = t[i]
		t[i] = d
	}
	return t
}

// zipCompress applies OpenEXR's ZIP filter. Incompressible data is stored
// raw, as the format allows (a chunk whose size equals its uncompressed
// size is read as is).
func zipCompress(raw []byte) ([]byte, error) {
	t := reorderPredict(raw)
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	if _, err := zw.Write(t); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if b.Len() >= len(raw) {
		return raw, nil
	}
	return b.Bytes(), nil
}
