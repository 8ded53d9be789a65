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
// PNG, JPEG and single-part scanline OpenEXR files are checked
// structurally (every PNG chunk and its CRC up to IEND; JPEG start and end
// markers; every EXR chunk inside the file), other files (tiled or
// multi-part EXR, TIFF) must keep the same size, modification time and
// inode over two polls, or the command must have exited.
//
// What the gallery is given must stay complete until it has read it. So
// the complete bytes are copied, through a temporary file and a rename, to
// a file the renderer owns, which the command cannot touch. The one
// exception saves that copy where it is not needed: a PNG or JPEG whose
// writer replaces the file (a new inode for each version, as a rename
// does) is reported at its own path, since every version found there is
// complete, and the gallery checks these two formats again when it reads.
type imageWatch struct {
	path string // the file the command writes
	copy string // our copy; same base name, so the format is kept

	seen     fileStamp // at the previous poll
	reported fileStamp // of the version last reported
	inPlace  bool      // the writer was seen rewriting one inode
	bad      error     // why the last version read was incomplete, if it was
}

type fileStamp struct {
	size     int64
	mtime    time.Time
	dev, ino uint64
}

func stampOf(fi os.FileInfo) fileStamp {
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	st.dev, st.ino = fileID(fi)
	return st
}

// poll looks at the watched file and returns the path to report when a new
// complete version is there, or "".
func (w *imageWatch) poll(exited bool) (string, error) {
	f, err := os.Open(w.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("watch image: %w", err)
	}
	defer f.Close()
	// Stat the open file, so that the stamp and the bytes are of the same
	// version even when the command renames a new one over the path.
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("watch image: %w", err)
	}
	st := stampOf(fi)
	prev := w.seen
	w.seen = st
	if st == w.reported || st.size == 0 || !fi.Mode().IsRegular() {
		return "", nil
	}
	check := structuralCheck(w.path)
	if check == nil && !exited && st != prev {
		return "", nil // still changing, look again next poll
	}
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", w.path, err)
	}
	if len(data) > maxImageBytes {
		return "", fmt.Errorf("read image %s: larger than %d bytes", w.path, maxImageBytes)
	}
	w.bad = errCannotTell
	if check != nil {
		w.bad = check(data)
	}
	switch {
	case w.bad == nil:
	case errors.Is(w.bad, errCannotTell):
		w.bad = nil
		if !exited && st != prev {
			return "", nil // still changing, look again next poll
		}
		if fi2, err := f.Stat(); err != nil || stampOf(fi2) != st {
			return "", nil // changed while we read it
		}
	default:
		return "", nil // half written; the next poll sees the rest
	}
	if w.reported.ino != 0 && st.dev == w.reported.dev && st.ino == w.reported.ino {
		w.inPlace = true
	}
	replaced := w.reported.ino != 0 && !w.inPlace && (st.dev != w.reported.dev || st.ino != w.reported.ino)
	w.reported = st
	// The gallery decodes PNG and JPEG itself and refuses a torn read, so a
	// file that the command replaces by rename is safe to give by its path.
	ext := strings.ToLower(filepath.Ext(w.path))
	if replaced && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
		return w.path, nil
	}
	if ext != ".png" {
		// The gallery draws thumbnails of formats it cannot decode (EXR)
		// from a PNG with the same stem beside the image; bring it along.
		w.copyPreview()
	}
	if err := writeAtomic(w.copy, data); err != nil {
		return "", err
	}
	return w.copy, nil
}

// copyPreview copies stem.png from beside the watched file to beside the
// copy, if it is there and complete; a missing or half-written preview only
// means no new thumbnail this time.
func (w *imageWatch) copyPreview() {
	src := strings.TrimSuffix(w.path, filepath.Ext(w.path)) + ".png"
	data, err := os.ReadFile(src)
	if err != nil || checkPNG(data) != nil {
		return
	}
	_ = writeAtomic(strings.TrimSuffix(w.copy, filepath.Ext(w.copy))+".png", data)
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
	case ".exr":
		return checkEXR
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
