package display

import (
	"io"
	"testing"
)

// BenchmarkWriteProgressive1080p is one progressive image write (RGB ZIP
// EXR and PNG preview) of a 1920x1080 stream.
func BenchmarkWriteProgressive1080p(b *testing.B) {
	st := &stream{w: 1920, h: 1080, dir: b.TempDir(), name: "bench"}
	r := &streamRenderer{st: st, host: nopHost{}}
	rgb := make([]float32, 3*st.w*st.h)
	for i := range rgb {
		rgb[i] = float32(i%1000) / 1000
	}
	b.SetBytes(int64(4 * len(rgb)))
	for b.Loop() {
		if err := r.write(rgb, false); err != nil {
			b.Fatal(err)
		}
	}
}

type nopHost struct{}

func (nopHost) ItemID() int64                 { return 1 }
func (nopHost) Source() string                { return "" }
func (nopHost) UpdateImagePath(string)        {}
func (nopHost) UpdateMetadata(map[string]any) {}
func (nopHost) Log() io.Writer                { return io.Discard }
