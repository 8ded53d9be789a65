package usd

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap samples the live heap while f runs and returns the maximum
// above the heap in use before f started.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > peak.Load() {
		peak.Store(ms.HeapAlloc)
	}
	close(done)
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// readAllMeshes opens a stage and reads the points and indices of every
// mesh, returning the bytes of decoded arrays and the stage.
func readAllMeshes(tb testing.TB, path string) (int, *Stage) {
	s, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	// Animated files have samples only: read at the start of the range.
	t := Default
	if s.StartTimeCode() != 0 || s.EndTimeCode() != 0 {
		t = s.StartTimeCode()
	}
	for p := range s.Traverse() {
		if p.TypeName() != "Mesh" {
			continue
		}
		m, _ := p.Mesh(t)
		n += len(m.Points)*12 + len(m.FaceVertexIndices)*4 + len(m.FaceVertexCounts)*4 + len(m.Normals)*12
	}
	return n, s
}

func benchOpen(b *testing.B, path string) {
	if _, err := os.Stat(path); err != nil {
		b.Skip(err)
	}
	var arrays int
	var live *Stage
	peak := peakHeap(func() { arrays, live = readAllMeshes(b, path) })
	runtime.KeepAlive(live)
	live = nil
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		readAllMeshes(b, path)
	}
	cpu := cpuTime() - c0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(peak), "peak-heap-B")
	b.ReportMetric(float64(arrays), "arrays-B")
	if arrays > 0 {
		b.ReportMetric(float64(peak)/float64(arrays), "peak/arrays")
	}
}

// BenchmarkOpenMesh: open + compose + read all mesh points/indices of the
// largest bench scene (bench-scenes/mesh/mesh.usda, 12 MB of usda).
func BenchmarkOpenMesh(b *testing.B) {
	benchOpen(b, filepath.Join(sharedDir(b), "bench-scenes", "mesh", "mesh.usda"))
}

// BenchmarkOpen1M does it for the ~1M-triangle mesh scene of
// docs/bench/README.txt (SUZANNE_LEVELS=5 build.py, 50 MB of usda, not in
// the repo): $RGALLERY_1M, else /var/tmp/rgallery-1m/mesh/mesh.usda.
func BenchmarkOpen1M(b *testing.B) {
	path := os.Getenv("RGALLERY_1M")
	if path == "" {
		path = "/var/tmp/rgallery-1m/mesh/mesh.usda"
	}
	benchOpen(b, path)
}

// BenchmarkOpenBiggestCorpusFile does the same for the largest file of
// the dev corpus.
func BenchmarkOpenBiggestCorpusFile(b *testing.B) { benchBiggest(b, false) }

// BenchmarkOpenBiggestCorpusCrate does it for the largest crate file.
func BenchmarkOpenBiggestCorpusCrate(b *testing.B) { benchBiggest(b, true) }

func benchBiggest(b *testing.B, crateOnly bool) {
	dir := filepath.Join(sharedDir(b), "usd-corpus", "dev")
	type fi struct {
		p string
		n int64
	}
	var all []fi
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			switch filepath.Ext(p) {
			case ".usd", ".usda", ".usdc", ".usdz":
				if crateOnly {
					head := make([]byte, 8)
					if f, err := os.Open(p); err == nil {
						f.Read(head)
						f.Close()
					}
					if string(head) != "PXR-USDC" {
						return nil
					}
				}
				all = append(all, fi{p, info.Size()})
			}
		}
		return nil
	})
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
	if len(all) == 0 {
		b.Skip("no corpus")
	}
	b.Logf("biggest corpus file: %s (%d bytes)", all[0].p, all[0].n)
	benchOpen(b, all[0].p)
}

// BenchmarkOpenManyPrims composes a layout of 10,000 references to one
// asset with five meshes (60,001 prims) and reads every mesh.
func BenchmarkOpenManyPrims(b *testing.B) {
	dir := b.TempDir()
	var asset, shot strings.Builder
	asset.WriteString("#usda 1.0\n(\n    defaultPrim = \"Asset\"\n)\ndef Xform \"Asset\" (kind = \"component\")\n{\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&asset, "    def Mesh \"Part%d\" {\n        point3f[] points = [(0,0,0),(1,0,0),(0,1,0)]\n        int[] faceVertexCounts = [3]\n        int[] faceVertexIndices = [0,1,2]\n    }\n", i)
	}
	asset.WriteString("}\n")
	shot.WriteString("#usda 1.0\ndef Xform \"World\"\n{\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&shot, "    def \"Inst%d\" (references = @asset.usda@)\n    {\n        double3 xformOp:translate = (%d, 0, 0)\n        uniform token[] xformOpOrder = [\"xformOp:translate\"]\n    }\n", i, i)
	}
	shot.WriteString("}\n")
	os.WriteFile(filepath.Join(dir, "asset.usda"), []byte(asset.String()), 0o644)
	path := filepath.Join(dir, "shot.usda")
	os.WriteFile(path, []byte(shot.String()), 0o644)
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	prims := 0
	for i := 0; i < b.N; i++ {
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		prims = 0
		for p := range s.Traverse() {
			prims++
			if p.TypeName() == "Mesh" {
				p.Mesh(Default)
				p.LocalToWorld(Default)
			}
		}
	}
	cpu := cpuTime() - c0
	b.ReportMetric(float64(prims), "prims")
	b.ReportMetric(float64(prims)*float64(b.N)/cpu.Seconds(), "cpu-prims/s")
}
