package usdscene

import (
	"context"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd"
)

// TestValueThatFailsToDecodeIsAWarning: a crate value that fails to decode
// while the scene is converted (the corrupt faceVertexCounts of /Tri in
// usd/internal/crate's fixture) is named in the render's warnings; the
// mesh must not vanish silently. Crate values decode lazily, so the
// stage's errors are read after the walk.
func TestValueThatFailsToDecodeIsAWarning(t *testing.T) {
	st, err := usd.Open("../../usd/internal/crate/testdata/corrupt_value.usdc")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert(context.Background(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "corrupt_value.usdc") && strings.Contains(w, "faceVertexCounts") {
			return
		}
	}
	t.Fatalf("no warning names the value that failed to decode: %q", res.Warnings)
}
