package usdscene

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVelocitiesNotAppliedWithoutATimeScale pins the guard for an authored
// timeCodesPerSecond of 0 (used as authored since OpenUSD does so): a
// PointInstancer's velocities cannot move its instances by time, so they
// stay at their positions, with a warning, instead of becoming NaN.
func TestVelocitiesNotAppliedWithoutATimeScale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pi.usda")
	os.WriteFile(path, []byte(`#usda 1.0
(
    timeCodesPerSecond = 0
    startTimeCode = 1.5
)
def PointInstancer "PI"
{
    rel prototypes = </PI/Proto>
    int[] protoIndices = [0, 0]
    point3f[] positions.timeSamples = { 1: [(1, 0, 0), (2, 0, 0)] }
    vector3f[] velocities.timeSamples = { 1: [(10, 0, 0), (10, 0, 0)] }
    def Sphere "Proto" { double radius = 0.1; }
}
`), 0o644)
	res := loadScene(t, path)
	var xs []float64
	for _, in := range res.Scene.Instances {
		x := in.Transform[3][0]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("instance at x = %v", x)
		}
		xs = append(xs, x)
	}
	if len(xs) != 2 || xs[0] != 1 || xs[1] != 2 {
		t.Fatalf("instances at x = %v, want the authored positions 1 and 2", xs)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "velocities are not applied") {
		t.Errorf("no warning: %q", res.Warnings)
	}
}
