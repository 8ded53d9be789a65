package command

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// makeEXR writes a minimal single-part scanline OpenEXR file with one half
// channel Y, the given height and compression; chunk payloads are filler
// bytes, which the completeness check does not decode.
func makeEXR(height int, compression byte, flags uint32) (file []byte, table int) {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.Write([]byte{0x76, 0x2f, 0x31, 0x01})
	le(uint32(2) | flags)
	attr := func(name, typ string, val []byte) {
		b.WriteString(name + "\x00" + typ + "\x00")
		le(uint32(len(val)))
		b.Write(val)
	}
	var ch bytes.Buffer
	ch.WriteString("Y\x00")
	binary.Write(&ch, binary.LittleEndian, []int32{1, 0, 1, 1}) // half, pLinear+reserved, sampling
	ch.WriteByte(0)
	attr("channels", "chlist", ch.Bytes())
	attr("compression", "compression", []byte{compression})
	var box bytes.Buffer
	binary.Write(&box, binary.LittleEndian, []int32{0, 0, 3, int32(height - 1)})
	attr("dataWindow", "box2i", box.Bytes())
	attr("displayWindow", "box2i", box.Bytes())
	attr("lineOrder", "lineOrder", []byte{0})
	b.WriteByte(0)
	lines := max(1, exrLinesPerChunk[compression])
	chunks := (height + lines - 1) / lines
	table = b.Len()
	b.Write(make([]byte, 8*chunks))
	out := b.Bytes()
	for i := range chunks {
		at := len(out)
		binary.LittleEndian.PutUint64(out[table+8*i:], uint64(at))
		var c bytes.Buffer
		binary.Write(&c, binary.LittleEndian, int32(i*lines))
		payload := bytes.Repeat([]byte{byte(i + 1)}, 8*lines)
		binary.Write(&c, binary.LittleEndian, int32(len(payload)))
		c.Write(payload)
		out = append(out, c.Bytes()...)
	}
	return out, table
}

func TestCheckEXR(t *testing.T) {
	for _, comp := range []byte{0, 3, 4} {
		whole, _ := makeEXR(40, comp, 0)
		if err := checkEXR(whole); err != nil {
			t.Fatalf("compression %d: complete file: %v", comp, err)
		}
		for cut := 0; cut < len(whole); cut++ {
			if err := checkEXR(whole[:cut]); err == nil || errors.Is(err, errCannotTell) {
				t.Fatalf("compression %d: %d of %d bytes passed as complete (%v)", comp, cut, len(whole), err)
			}
		}
	}
	// Offset table written last: zeros while the chunks are written.
	f, table := makeEXR(40, 0, 0)
	binary.LittleEndian.PutUint64(f[table+8*39:], 0)
	if err := checkEXR(f); err == nil || err.Error() != "OpenEXR chunk 40 of 40 not written yet" {
		t.Errorf("zero offset: %v", err)
	}
	for name, flags := range map[string]uint32{"tiled": exrTiled, "deep": exrDeep, "multipart": exrMultipart} {
		if f, _ := makeEXR(4, 0, flags); !errors.Is(checkEXR(f), errCannotTell) {
			t.Errorf("%s: %v, want errCannotTell", name, checkEXR(f))
		}
	}
	if f, _ := makeEXR(4, 42, 0); !errors.Is(checkEXR(f), errCannotTell) {
		t.Errorf("unknown compression: %v, want errCannotTell", checkEXR(f))
	}
	if err := checkEXR([]byte("not an exr")); err == nil || err.Error() != "not an OpenEXR file (bad magic number)" {
		t.Errorf("bad magic: %v", err)
	}
}

func FuzzCheckEXR(f *testing.F) {
	a, _ := makeEXR(40, 3, 0)
	b, _ := makeEXR(1, 0, exrLongNames)
	f.Add(a)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = checkEXR(b) // must not panic
	})
}

// sharedDir finds /work/shared-style test data: $RGALLERY_SHARED, or
// ../shared beside the repository root.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RGALLERY_SHARED")
	if dir == "" {
		dir = "../../../shared"
	}
	if _, err := os.Stat(filepath.Join(dir, "bench-scenes")); err != nil {
		t.Skipf("no shared test data (set RGALLERY_SHARED or put it at ../shared beside the repo): %v", err)
	}
	return dir
}

// Real OpenEXR files (Cycles renders of the bench scenes, ZIP compression,
// long attribute names) are complete; every cut of them is not.
func TestCheckEXRCyclesFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir(t), "bench-scenes", "*", "*.exr"))
	if len(files) == 0 {
		t.Skip("no EXR files in the bench scenes")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkEXR(b); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for cut := 0; cut < len(b); cut += 1 + len(b)/500 {
			if err := checkEXR(b[:cut]); err == nil || errors.Is(err, errCannotTell) {
				t.Fatalf("%s cut at %d of %d: %v", name, cut, len(b), err)
			}
		}
		if err := checkEXR(b[:len(b)-1]); err == nil {
			t.Errorf("%s without its last byte passed", name)
		}
	}
}
