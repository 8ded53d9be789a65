//go:build linux && amd64

package render_test

import (
	"testing"

	"github.com/rgallery/rgallery/render"
)

// BenchmarkTraversalWork reports, for the rays of BenchmarkTraversalAB,
// how much of the 8-wide tree each ray touches: nodes visited, leaves,
// packets and triangles tested, for closest-hit and shadow rays, and the
// tree's shape. The counts are exact and do not depend on the machine's
// load, unlike the timings (±5-15% on the shared machine): a change to the
// build can be judged by them first (docs/bench/README.txt, 2026-12-06).
func BenchmarkTraversalWork(b *testing.B) {
	traversalWork(b, render.TraversalStats, "no 8-wide tree (no AVX or -tags purego)", func(b *testing.B, s *render.Scene) {
		n8, kids, leaves, tpl, packs, _ := render.TreeShape(s)
		b.ReportMetric(n8, "nodes8")
		b.ReportMetric(kids, "kids/node")
		b.ReportMetric(leaves, "leaves")
		b.ReportMetric(tpl, "tris/leaf")
		b.ReportMetric(packs, "packets")
	}, true)
}

// BenchmarkTraversalWork4 is BenchmarkTraversalWork through the 4-wide
// tree (the portable build's), with its node count.
func BenchmarkTraversalWork4(b *testing.B) {
	traversalWork(b, render.TraversalStats4, "not one BLAS", func(b *testing.B, s *render.Scene) {
		_, _, _, _, _, n4 := render.TreeShape(s)
		b.ReportMetric(n4, "nodes4")
	}, false)
}

// traversalWork runs stats over each bench scene's rays and reports the
// work per closest-hit and shadow ray (packets too when withPackets), and
// what shape adds about the tree; skip says why stats may not apply.
func traversalWork(b *testing.B, stats func(*render.Scene, *render.TraceRays) (render.TravStats, render.TravStats, bool),
	skip string, shape func(*testing.B, *render.Scene), withPackets bool) {
	for _, name := range benchScenes {
		b.Run(name, func(b *testing.B) {
			s := loadBenchScene(b, name)
			tr := render.MakeTraceRays(s, 640, 360, 100000, 5)
			var c, sh render.TravStats
			var ok bool
			for i := 0; i < b.N; i++ {
				c, sh, ok = stats(s, tr)
			}
			if !ok {
				b.Skip(skip)
			}
			shape(b, s)
			b.ReportMetric(c.Nodes/c.Rays, "nodes/ray")
			if withPackets {
				b.ReportMetric(c.Packets/c.Rays, "packets/ray")
			}
			b.ReportMetric(c.Tris/c.Rays, "tris/ray")
			b.ReportMetric(sh.Nodes/sh.Rays, "nodes/shadow")
			if withPackets {
				b.ReportMetric(sh.Packets/sh.Rays, "packets/shadow")
			}
			b.ReportMetric(sh.Tris/sh.Rays, "tris/shadow")
		})
	}
}
