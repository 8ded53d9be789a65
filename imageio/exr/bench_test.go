package exr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/internal/cputime"
)

// BenchmarkDecodeFiles reads whole files, every part and channel, from
// memory: the files named by RGALLERY_EXR_BENCH_DIR (*.exr), one
// sub-benchmark each. MB/s counts uncompressed pixel bytes (the channels'
// samples in their own type); cpu-MB/s divides them by the process's CPU
// time instead of the wall clock, which a loaded machine inflates. scripts/exr-bench.sh writes the files with
// oiiotool and sets the variable; without it the benchmark is skipped.
func BenchmarkDecodeFiles(b *testing.B) {
	dir := os.Getenv("RGALLERY_EXR_BENCH_DIR")
	if dir == "" {
		b.Skip("RGALLERY_EXR_BENCH_DIR unset (scripts/exr-bench.sh sets it)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.exr"))
	if len(files) == 0 {
		b.Skipf("no *.exr in %s", dir)
	}
	for _, path := range files {
		d, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".exr")
		f, err := Parse(d, Options{})
		if err != nil {
			b.Run(name, func(b *testing.B) { b.Skipf("not read: %v", err) })
			continue
		}
		var size int64
		for _, p := range f.Parts {
			for _, c := range p.Channels {
				size += int64(c.Width) * int64(c.Height) * int64(c.Type.size())
			}
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			cpu0 := cputime.Process()
			n := 0
			for b.Loop() {
				if _, err := Parse(d, Options{}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if cpu := cputime.Process() - cpu0; cpu > 0 {
				b.ReportMetric(float64(size)*float64(n)/cpu.Seconds()/1e6, "cpu-MB/s")
			}
		})
	}
}
