package exr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// ZIP and ZIPS (OpenEXRCore internal_zip.c): the chunk's bytes are split
// into even and odd halves, delta-encoded with a bias of 128, then zlib
// compressed. ZIPS is one line per chunk, ZIP sixteen; the codec is the
// same. RLE (rle.go) shares the reorder and predictor.

// zlibReaders keeps inflaters for reuse: a new one allocates its 32 KiB
// window, which for ZIPS (one scanline per chunk) cost more than the
// inflating itself.
var zlibReaders sync.Pool

// zlibInflate inflates the zlib stream src into dst and returns the
// number of bytes it held. A stream that holds more than len(dst), is cut
// short (inside its checksum too) or fails its checksum is an error, as in
// OpenEXR.
func zlibInflate(dst, src []byte) (int, error) {
	var zr io.ReadCloser
	if r, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := r.(zlib.Resetter).Reset(bytes.NewReader(src), nil); err != nil {
			return 0, err
		}
		zr = r
	} else {
		r, err := zlib.NewReader(bytes.NewReader(src))
		if err != nil {
			return 0, err
		}
		zr = r
	}
	n := 0
	for {
		if n == len(dst) {
			// Only a clean end (checksum verified) may follow.
			var one [1]byte
			m, err := zr.Read(one[:])
			switch {
			case m > 0:
				return n, fmt.Errorf("zlib stream holds more than %d bytes", len(dst))
			case err == io.EOF:
				zlibReaders.Put(zr)
				return n, nil
			case err != nil:
				return n, err
			}
			continue
		}
		m, err := zr.Read(dst[n:])
		n += m
		if err == io.EOF {
			zlibReaders.Put(zr)
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// decompressZIP undoes ZIP/ZIPS for one chunk.
func decompressZIP(dst, src []byte, _ chunkLayout) error {
	t := make([]byte, len(dst))
	n, err := zlibInflate(t, src)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	if n != len(dst) {
		return fmt.Errorf("zip: inflated %d bytes, less than the %d of the chunk", n, len(dst))
	}
	unpredictReorder(dst, t)
	return nil
}

// unpredictReorder undoes the predictor in place in t, then interleaves
// its two halves into dst (len(dst) == len(t)): dst[2i] = t[i],
// dst[2i+1] = t[half+i].
func unpredictReorder(dst, t []byte) {
	if len(t) == 0 {
		return
	}
	p := t[0]
	for i := 1; i < len(t); i++ {
		p += t[i] - 128
		t[i] = p
	}
	half := (len(t) + 1) / 2
	a, b := t[:half], t[half:]
	dst = dst[:len(t)]
	i := 0
	// four pairs at a time: spread four bytes of each half over the even
	// and odd bytes of a 64-bit word
	for ; i+4 <= len(b); i += 4 {
		x := uint64(binary.LittleEndian.Uint32(a[i:]))
		y := uint64(binary.LittleEndian.Uint32(b[i:]))
		x = (x | x<<16) & 0x0000ffff0000ffff
		x = (x | x<<8) & 0x00ff00ff00ff00ff
		y = (y | y<<16) & 0x0000ffff0000ffff
		y = (y | y<<8) & 0x00ff00ff00ff00ff
		binary.LittleEndian.PutUint64(dst[2*i:], x|y<<8)
	}
	for ; i < len(b); i++ {
		dst[2*i], dst[2*i+1] = a[i], b[i]
	}
	if len(t)%2 == 1 {
		dst[len(t)-1] = a[half-1]
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
