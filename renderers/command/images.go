package command

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxImageBytes bounds an image file the renderer reads (1 GiB, as the
// gallery does).
const maxImageBytes = 1 << 30

// An imageWatch follows one watched path. The command may rewrite the file
// in place, so a changed file is only reported once it is known complete:
// PNG and JPEG files are checked structurally (every PNG chunk and its CRC
// up to IEND; JPEG start and end markers), other formats (OpenEXR, TIFF)
// must keep the same size and modification time over two polls, or the
// command must have exited. The complete bytes are then copied, through a
// temporary file and a rename, to a file the renderer owns, and that copy is
// what the gallery is given: the command cannot change it under the
// gallery's feet.
type imageWatch struct {
	path string // the file the command writes
	copy string // our copy, reported to the host; same base name

	seen     fileStamp // at the previous poll
	reported fileStamp // of the version last copied
}

type fileStamp struct {
	size  int64
	mtime time.Time
}

func stampOf(fi os.FileInfo) fileStamp { return fileStamp{size: fi.Size(), mtime: fi.ModTime()} }

// poll checks the watched file and copies it when a new complete version is
// there. It reports whether it made a new copy.
func (w *imageWatch) poll(exited bool) (bool, error) {
	fi, err := os.Stat(w.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("watch image: %w", err)
	}
	st := stampOf(fi)
	prev := w.seen
	w.seen = st
	if st == w.reported || st.size == 0 || !fi.Mode().IsRegular() {
		return false, nil
	}
	checkable := structuralCheck(w.path) != nil
	if !checkable && !exited && st != prev {
		return false, nil // still changing, look again next poll
	}
	data, err := readBounded(w.path)
	if err != nil {
		return false, err
	}
	if check := structuralCheck(w.path); check != nil {
		if check(data) != nil {
			return false, nil // half written; the next poll sees the rest
		}
	} else if fi2, err := os.Stat(w.path); err != nil || stampOf(fi2) != st {
		return false, nil // changed while we read it
	}
	if err := writeAtomic(w.copy, data); err != nil {
		return false, err
	}
	w.reported = st
	return true, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	if len(data) > maxImageBytes {
		return nil, fmt.Errorf("read image %s: larger than %d bytes", path, maxImageBytes)
	}
	return data, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("copy image: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("copy image to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("copy image to %s: %w", path, err)
	}
	return nil
}

// structuralCheck returns the completeness check for the file's format, or
// nil when the format has none here and stability decides.
func structuralCheck(path string) func([]byte) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return checkPNG
	case ".jpg", ".jpeg":
		return checkJPEG
	}
	return nil
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// checkPNG walks the chunks of a PNG file and verifies each CRC, up to an
// IEND chunk. This proves the file is complete without inflating the image
// data, which for a large image would cost far more than the check.
func checkPNG(b []byte) error {
	if !bytes.HasPrefix(b, pngSignature) {
		return errors.New("not a PNG file (bad signature)")
	}
	off := len(pngSignature)
	first := true
	for {
		if len(b)-off < 12 {
			return fmt.Errorf("PNG truncated at offset %d (want a chunk header)", off)
		}
		n := int(binary.BigEndian.Uint32(b[off:]))
		typ := b[off+4 : off+8]
		if n > len(b)-off-12 {
			return fmt.Errorf("PNG truncated in chunk %q at offset %d", typ, off)
		}
		if first && string(typ) != "IHDR" {
			return fmt.Errorf("PNG starts with chunk %q, want IHDR", typ)
		}
		first = false
		crc := crc32.ChecksumIEEE(b[off+4 : off+8+n])
		if crc != binary.BigEndian.Uint32(b[off+8+n:]) {
			return fmt.Errorf("PNG chunk %q at offset %d has a bad CRC", typ, off)
		}
		if string(typ) == "IEND" {
			return nil
		}
		off += 12 + n
	}
}

// checkJPEG checks the start-of-image and end-of-image markers.
func checkJPEG(b []byte) error {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return errors.New("not a JPEG file (no SOI marker)")
	}
	if b[len(b)-2] != 0xFF || b[len(b)-1] != 0xD9 {
		return errors.New("JPEG truncated (no EOI marker at the end)")
	}
	return nil
}
