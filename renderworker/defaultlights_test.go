package renderworker

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The start line says when the default light rig was added, so the
// snapshot's metadata carries it (defaultLights); --default-lights off
// leaves it out, and a bad value fails the load.
func TestStartLineSaysDefaultLights(t *testing.T) {
	scene := "../render/usdscene/testdata/shading/rig_plane.usda"
	for _, tc := range []struct {
		mode string
		want bool
	}{{"", true}, {"auto", true}, {"off", false}} {
		cfg := Config{Scene: scene, SPP: 1, MaxBounces: 1, Threads: 1, Width: 8, Height: 8, DefaultLights: tc.mode, Load: LoadUSD}
		var out bytes.Buffer
		if err := Run(context.Background(), cfg, nil, &out); err != nil {
			t.Fatal(err)
		}
		st := readStats(t, out.String())
		if got := st[0].DefaultLights != ""; got != tc.want || st[0].Event != "start" {
			t.Errorf("mode %q: start line defaultLights %q, want added=%v", tc.mode, st[0].DefaultLights, tc.want)
		}
	}
	cfg := Config{Scene: scene, SPP: 1, Width: 8, Height: 8, DefaultLights: "bright", Load: LoadUSD}
	if err := Run(context.Background(), cfg, nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "defaultLights") {
		t.Errorf("bad mode: err %v", err)
	}
}
