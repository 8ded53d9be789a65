package usdscene

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// instancesScene writes a stage of n native instances of a prototype of
// k meshes under nested Xforms with bindings: n·k instance entries.
func instancesScene(tb testing.TB, n, k int) string {
	var b strings.Builder
	b.WriteString("#usda 1.0\n(\n    upAxis = \"Z\"\n)\n\nclass Xform \"Proto\"\n{\n    def Xform \"Grp\"\n    {\n")
	for i := range k {
		fmt.Fprintf(&b, "        def Mesh \"M%d\" (\n            prepend apiSchemas = [\"MaterialBindingAPI\"]\n        )\n        {\n            rel material:binding = </Looks/Mat>\n            int[] faceVertexCounts = [3]\n            int[] faceVertexIndices = [0, 1, 2]\n            point3f[] points = [(0, 0, %d), (1, 0, %d), (0, 1, %d)]\n        }\n", i, i, i, i)
	}
	b.WriteString("    }\n}\n\ndef Scope \"Looks\"\n{\n    def Material \"Mat\"\n    {\n    }\n}\n\ndef Xform \"World\"\n{\n")
	for i := range n {
		fmt.Fprintf(&b, "    def Xform \"I%d\" (\n        instanceable = true\n        inherits = </Proto>\n    )\n    {\n        double3 xformOp:translate = (%d, 0, 0)\n        uniform token[] xformOpOrder = [\"xformOp:translate\"]\n    }\n", i, i)
	}
	b.WriteString("}\n")
	p := filepath.Join(tb.TempDir(), "instances.usda")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkLoadInstanceEntries converts 3,000 native instances of a
// 10-mesh prototype (30,000 instance entries), without facts.
func BenchmarkLoadInstanceEntries(b *testing.B) {
	path := instancesScene(b, 3000, 10)
	for b.Loop() {
		res, err := Load(context.Background(), path, Options{DefaultLights: "off"})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(res.Scene.Instances); got != 30000 {
			b.Fatalf("%d instances, want 30000", got)
		}
	}
}
