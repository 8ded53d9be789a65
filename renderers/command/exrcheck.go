package command

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// errCannotTell says that a file's layout is one the completeness checks do
// not read; whether it is complete is then decided by holding still.
var errCannotTell = errors.New("completeness cannot be checked for this layout")

// Flags in the version field of an OpenEXR file.
const (
	exrTiled     = 0x200
	exrLongNames = 0x400
	exrDeep      = 0x800
	exrMultipart = 0x1000
)

// exrLinesPerChunk is how many scanlines one chunk holds, by compression.
var exrLinesPerChunk = map[byte]int{
	0: 1,   // NONE
	1: 1,   // RLE
	2: 1,   // ZIPS
	3: 16,  // ZIP
	4: 32,  // PIZ
	5: 16,  // PXR24
	6: 32,  // B44
	7: 32,  // B44A
	8: 32,  // DWAA
	9: 256, // DWAB
}

// checkEXR proves a single-part scanline OpenEXR file complete: its header
// parses, and every entry of the chunk offset table points at a chunk that
// lies wholly inside the file. Writers fill the offset table last (or write
// it first and the chunks after), so a file caught mid-write has a zero
// offset or a chunk running past the end. Tiled, deep and multi-part files
// give errCannotTell.
func checkEXR(b []byte) error {
	if len(b) < 8 || !bytes.Equal(b[:4], []byte{0x76, 0x2f, 0x31, 0x01}) {
		return errors.New("not an OpenEXR file (bad magic number)")
	}
	flags := binary.LittleEndian.Uint32(b[4:])
	if flags&(exrTiled|exrDeep|exrMultipart) != 0 {
		return errCannotTell
	}
	off := 8
	var (
		compression    = -1
		yMin, yMax     int32
		haveDataWindow bool
		maxName        = 31
	)
	if flags&exrLongNames != 0 {
		maxName = 255
	}
	for {
		if off >= len(b) {
			return fmt.Errorf("OpenEXR header truncated at offset %d", off)
		}
		if b[off] == 0 {
			off++ // end of header
			break
		}
		name, n := cString(b[off:], maxName)
		if n < 0 {
			return fmt.Errorf("OpenEXR header truncated in an attribute name at offset %d", off)
		}
		off += n
		typ, n := cString(b[off:], maxName)
		if n < 0 {
			return fmt.Errorf("OpenEXR header truncated in the type of %q", name)
		}
		off += n
		if len(b)-off < 4 {
			return fmt.Errorf("OpenEXR header truncated in the size of %q", name)
		}
		size := int(binary.LittleEndian.Uint32(b[off:]))
		off += 4
		if size < 0 || size > len(b)-off {
			return fmt.Errorf("OpenEXR header truncated in the value of %q", name)
		}
		val := b[off : off+size]
		off += size
		switch {
		case name == "compression" && typ == "compression" && size == 1:
			compression = int(val[0])
		case name == "dataWindow" && typ == "box2i" && size == 16:
			yMin = int32(binary.LittleEndian.Uint32(val[4:]))
			yMax = int32(binary.LittleEndian.Uint32(val[12:]))
			haveDataWindow = true
		}
	}
	lines, ok := exrLinesPerChunk[byte(compression)]
	if compression < 0 || !ok || !haveDataWindow || yMax < yMin {
		return errCannotTell
	}
	chunks := int((int64(yMax) - int64(yMin) + int64(lines)) / int64(lines))
	if chunks > (len(b)-off)/8 {
		return fmt.Errorf("OpenEXR offset table truncated (want %d entries)", chunks)
	}
	for i := range chunks {
		at := binary.LittleEndian.Uint64(b[off+8*i:])
		if at == 0 || at > uint64(len(b)-8) {
			return fmt.Errorf("OpenEXR chunk %d of %d not written yet", i+1, chunks)
		}
		size := uint64(binary.LittleEndian.Uint32(b[at+4:]))
		if size > uint64(len(b))-at-8 {
			return fmt.Errorf("OpenEXR chunk %d of %d truncated", i+1, chunks)
		}
	}
	return nil
}

// cString returns the NUL-terminated string at the start of b and the
// bytes it takes with its NUL, or n < 0 if there is no NUL within max+1.
func cString(b []byte, max int) (s string, n int) {
	i := bytes.IndexByte(b[:min(len(b), max+1)], 0)
	if i < 0 {
		return "", -1
	}
	return string(b[:i]), i + 1
}
