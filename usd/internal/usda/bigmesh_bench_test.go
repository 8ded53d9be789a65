package usda

import (
	"os"
	"testing"
)

// bigMeshPath is the ~1M-triangle mesh scene of docs/bench/README.txt
// (SUZANNE_LEVELS=5 build.py, 50 MB; not in the repo): $RGALLERY_1M, else
// /var/tmp/rgallery-1m/mesh/mesh.usda.
func bigMeshPath() string {
	if p := os.Getenv("RGALLERY_1M"); p != "" {
		return p
	}
	return "/var/tmp/rgallery-1m/mesh/mesh.usda"
}

// BenchmarkParse1M parses the 1M-triangle mesh scene.
func BenchmarkParse1M(b *testing.B) {
	path := bigMeshPath()
	src, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(path, src); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - c0
	b.ReportMetric(float64(len(src))*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
}
