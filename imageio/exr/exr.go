// Package exr reads and writes OpenEXR images: single-part scanline files
// with HALF or FLOAT channels, uncompressed, ZIPS or ZIP compressed. That is
// what rgallery writes (linear float RGB, ZIP) and what renderers commonly
// hand it (Cycles writes float RGB(A) ZIP).
//
// It does not read tiled, deep or multi-part files, nor the PIZ/PXR24/B44/DWA
// codecs; those give an *UnsupportedError.
package exr

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Image is a linear float image. Channels holds the channel names in file
// order (alphabetical); Pix holds len(Channels) values per pixel, row 0 at
// the top.
type Image struct {
	Width, Height int
	Channels      []string
	Pix           []float32
}

// RGB returns the image as three floats per pixel; missing channels are 0.
func (im *Image) RGB() []float32 {
	idx := [3]int{-1, -1, -1}
	for i, c := range im.Channels {
		switch c {
		case "R":
			idx[0] = i
		case "G":
			idx[1] = i
		case "B":
			idx[2] = i
		}
	}
	nc := len(im.Channels)
	out := make([]float32, 3*im.Width*im.Height)
	for p := 0; p < im.Width*im.Height; p++ {
		for k := 0; k < 3; k++ {
			if idx[k] >= 0 {
				out[3*p+k] = im.Pix[nc*p+idx[k]]
			}
		}
	}
	return out
}

// FormatError reports a malformed file, with the byte offset.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string { return fmt.Sprintf("exr: offset %d: %s", e.Offset, e.Msg) }

// UnsupportedError reports a valid file that this package cannot read.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "exr: unsupported: " + string(e) }


// WriteRGB writes linear float RGB pixels (3 per pixel) as a FLOAT, ZIP
// compressed scanline EXR. Extra string attributes may be added.
func WriteRGB(w io.Writer, width, height int, rgb []float32, attrs map[string]string) error {
	if width <= 0 || height <= 0 || len(rgb) != 3*width*height {
		return fmt.Errorf("exr: %d values for %dx%d RGB", len(rgb), width, height)
	}
	var h bytes.Buffer
	h.Write([]byte{0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0})
	attr := func(name, typ string, val []byte) {
		h.WriteString(name)
		h.WriteByte(0)
		h.WriteString(typ)
		h.WriteByte(0)
		_ = binary.Write(&h, binary.LittleEndian, int32(len(val)))
		h.Write(val)
	}
	var ch bytes.Buffer
	for _, c := range []string{"B", "G", "R"} {
		ch.WriteString(c)
		ch.WriteByte(0)
		_ = binary.Write(&ch, binary.LittleEndian, [4]int32{int32(pixFloat), 0, 1, 1})
	}
	ch.WriteByte(0)
	le := func(v ...any) []byte {
		var b bytes.Buffer
		for _, x := range v {
			_ = binary.Write(&b, binary.LittleEndian, x)
		}
		return b.Bytes()
	}
	box := le(int32(0), int32(0), int32(width-1), int32(height-1))
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	attr("channels", "chlist", ch.Bytes())
	attr("compression", "compression", []byte{byte(compZIP)})
	attr("dataWindow", "box2i", box)
	attr("displayWindow", "box2i", box)
	attr("lineOrder", "lineOrder", []byte{0})
	attr("pixelAspectRatio", "float", le(float32(1)))
	attr("screenWindowCenter", "v2f", le(float32(0), float32(0)))
	attr("screenWindowWidth", "float", le(float32(1)))
	for _, k := range names {
		attr(k, "string", []byte(attrs[k]))
	}
	h.WriteByte(0)

	const linesPerBlock = 16
	nBlocks := (height + linesPerBlock - 1) / linesPerBlock
	tableAt := int64(h.Len())
	offset := tableAt + int64(8*nBlocks)
	chunks := make([][]byte, nBlocks)
	offsets := make([]uint64, nBlocks)
	raw := make([]byte, 0, 12*width*linesPerBlock)
	for b := 0; b < nBlocks; b++ {
		y0 := b * linesPerBlock
		y1 := min(y0+linesPerBlock, height)
		raw = raw[:0]
		for y := y0; y < y1; y++ {
			for _, c := range []int{2, 1, 0} { // B, G, R
				for x := 0; x < width; x++ {
					raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(rgb[3*(y*width+x)+c]))
				}
			}
		}
		data, err := zipCompress(raw)
		if err != nil {
			return err
		}
		var c bytes.Buffer
		_ = binary.Write(&c, binary.LittleEndian, [2]int32{int32(y0), int32(len(data))})
		c.Write(data)
		chunks[b] = c.Bytes()
		offsets[b] = uint64(offset)
		offset += int64(len(chunks[b]))
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(h.Bytes()); err != nil {
		return err
	}
	if err := binary.Write(bw, binary.LittleEndian, offsets); err != nil {
		return err
	}
	for _, c := range chunks {
		if _, err := bw.Write(c); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// zipCompress applies OpenEXR's ZIP filter: split even and odd bytes,
// delta-encode, then zlib. Incompressible data is stored raw, as the
// format allows.
func zipCompress(raw []byte) ([]byte, error) {
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
	prev := t[0]
	for i := 1; i < n; i++ {
		d := t[i] - prev + 128
		prev = t[i]
		t[i] = d
	}
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	if _, err := zw.Write(t); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if b.Len() >= n {
		return raw, nil
	}
	return b.Bytes(), nil
}

func zipDecompress(data []byte, n int) ([]byte, error) {
	if len(data) == n {
		return data, nil // stored raw
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	t := make([]byte, n)
	if _, err := io.ReadFull(zr, t); err != nil {
		return nil, err
	}
	for i := 1; i < n; i++ {
		t[i] = t[i-1] + t[i] - 128
	}
	out := make([]byte, n)
	half := (n + 1) / 2
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			out[i] = t[i/2]
		} else {
			out[i] = t[half+i/2]
		}
	}
	return out, nil
}

// WriteFileRGB writes the image atomically: to a temporary file in the same
// directory, then renamed over path, so readers never see a partial file.
func WriteFileRGB(path string, width, height int, rgb []float32, attrs map[string]string) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteRGB(w, width, height, rgb, attrs) })
}

// WriteFileAtomic writes path through a temporary file and a rename.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

type channel struct {
	name  string
	ptype int32
}

// Decode reads an EXR image.
func Decode(r io.Reader) (*Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<31))
	if err != nil {
		return nil, err
	}
	return decodeBytes(data)
}

// ReadFile reads an EXR file.
func ReadFile(path string) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	im, err := decodeBytes(data)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return im, nil
}

func decodeBytes(d []byte) (*Image, error) {
	if len(d) < 8 || !bytes.Equal(d[:4], []byte{0x76, 0x2f, 0x31, 0x01}) {
		return nil, &FormatError{0, "not an OpenEXR file (bad magic number)"}
	}
	flags := binary.LittleEndian.Uint32(d[4:8])
	if flags&0xff != 2 {
		return nil, UnsupportedError(fmt.Sprintf("version %d", flags&0xff))
	}
	if flags&^0xff&^0x400 != 0 { // only the long-names bit is harmless
		return nil, UnsupportedError("tiled, deep or multi-part file")
	}
	pos := 8
	cstr := func() (string, error) {
		i := bytes.IndexByte(d[pos:], 0)
		if i < 0 {
			return "", &FormatError{int64(pos), "unterminated string in header"}
		}
		s := string(d[pos : pos+i])
		pos += i + 1
		return s, nil
	}
	var chans []channel
	comp := compression(255)
	var dw [4]int32
	haveDW := false
	for {
		if pos >= len(d) {
			return nil, &FormatError{int64(pos), "header not terminated"}
		}
		if d[pos] == 0 {
			pos++
			break
		}
		at := pos
		name, err := cstr()
		if err != nil {
			return nil, err
		}
		typ, err := cstr()
		if err != nil {
			return nil, err
		}
		if pos+4 > len(d) {
			return nil, &FormatError{int64(pos), "attribute size past end of file"}
		}
		size := int(int32(binary.LittleEndian.Uint32(d[pos:])))
		pos += 4
		if size < 0 || pos+size > len(d) {
			return nil, &FormatError{int64(at), fmt.Sprintf("attribute %q of size %d past end of file", name, size)}
		}
		val := d[pos : pos+size]
		pos += size
		switch name {
		case "channels":
			if typ != "chlist" {
				return nil, &FormatError{int64(at), "channels attribute is not a chlist"}
			}
			p := 0
			for p < len(val) && val[p] != 0 {
				i := bytes.IndexByte(val[p:], 0)
				if i < 0 || p+i+1+16 > len(val) {
					return nil, &FormatError{int64(at), "truncated channel list"}
				}
				cn := string(val[p : p+i])
				p += i + 1
				pt := int32(binary.LittleEndian.Uint32(val[p:]))
				xs := int32(binary.LittleEndian.Uint32(val[p+8:]))
				ys := int32(binary.LittleEndian.Uint32(val[p+12:]))
				p += 16
				if pt != int32(pixHalf) && pt != int32(pixFloat) {
					return nil, UnsupportedError(fmt.Sprintf("channel %s pixel type %d", cn, pt))
				}
				if xs != 1 || ys != 1 {
					return nil, UnsupportedError(fmt.Sprintf("channel %s subsampling %dx%d", cn, xs, ys))
				}
				chans = append(chans, channel{cn, pt})
			}
		case "compression":
			if len(val) != 1 {
				return nil, &FormatError{int64(at), "bad compression attribute"}
			}
			comp = compression(val[0])
		case "dataWindow":
			if len(val) != 16 {
				return nil, &FormatError{int64(at), "bad dataWindow"}
			}
			for i := range dw {
				dw[i] = int32(binary.LittleEndian.Uint32(val[4*i:]))
			}
			haveDW = true
		}
	}
	if len(chans) == 0 || comp == 255 || !haveDW {
		return nil, &FormatError{int64(pos), "header lacks channels, compression or dataWindow"}
	}
	lines := 0
	switch comp {
	case compNone, compZIPS:
		lines = 1
	case compZIP:
		lines = 16
	default:
		return nil, UnsupportedError(fmt.Sprintf("compression %d", comp))
	}
	w, h := int(dw[2]-dw[0]+1), int(dw[3]-dw[1]+1)
	if w <= 0 || h <= 0 || int64(w)*int64(h)*int64(len(chans)) > 1<<28 {
		return nil, &FormatError{int64(pos), fmt.Sprintf("data window %dx%d out of range", w, h)}
	}
	bpp := 0 // bytes per pixel over all channels
	for _, c := range chans {
		if c.ptype == int32(pixHalf) {
			bpp += 2
		} else {
			bpp += 4
		}
	}
	nBlocks := (h + lines - 1) / lines
	if pos+8*nBlocks > len(d) {
		return nil, &FormatError{int64(pos), "offset table past end of file"}
	}
	im := &Image{Width: w, Height: h, Pix: make([]float32, w*h*len(chans))}
	for _, c := range chans {
		im.Channels = append(im.Channels, c.name)
	}
	nc := len(chans)
	for b := 0; b < nBlocks; b++ {
		off := int64(binary.LittleEndian.Uint64(d[pos+8*b:]))
		if off < 0 || off+8 > int64(len(d)) {
			return nil, &FormatError{int64(pos + 8*b), fmt.Sprintf("chunk %d offset %d past end of file", b, off)}
		}
		y := int(int32(binary.LittleEndian.Uint32(d[off:]))) - int(dw[1])
		size := int64(int32(binary.LittleEndian.Uint32(d[off+4:])))
		if y < 0 || y >= h || size < 0 || off+8+size > int64(len(d)) {
			return nil, &FormatError{off, fmt.Sprintf("chunk %d: bad line %d or size %d", b, y, size)}
		}
		nl := min(lines, h-y)
		rawLen := nl * w * bpp
		data := d[off+8 : off+8+size]
		var raw []byte
		if comp == compNone {
			raw = data
		} else {
			var err error
			raw, err = zipDecompress(data, rawLen)
			if err != nil {
				return nil, &FormatError{off, fmt.Sprintf("chunk %d: %v", b, err)}
			}
		}
		if len(raw) < rawLen {
			return nil, &FormatError{off, fmt.Sprintf("chunk %d: %d bytes, want %d", b, len(raw), rawLen)}
		}
		p := 0
		for l := 0; l < nl; l++ {
			row := (y + l) * w
			for ci, c := range chans {
				for x := 0; x < w; x++ {
					var v float32
					if c.ptype == int32(pixHalf) {
						v = halfToFloat(binary.LittleEndian.Uint16(raw[p:]))
						p += 2
					} else {
						v = math.Float32frombits(binary.LittleEndian.Uint32(raw[p:]))
						p += 4
					}
					im.Pix[(row+x)*nc+ci] = v
				}
			}
		}
	}
	return im, nil
}

func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		f := float32(mant) / 1024 / 16384
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}
