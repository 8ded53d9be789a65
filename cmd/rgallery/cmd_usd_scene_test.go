//go:build linux || darwin

package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsdSceneJSON runs `rgallery usd scene --json` on the scene-rules file
// and checks one fact of each kind (the rules themselves are pinned in
// render/usdscene and compared with OpenUSD in internal/oracle).
func TestUsdSceneJSON(t *testing.T) {
	scene, _ := filepath.Abs("../../render/usdscene/testdata/scene_rules.usda")
	out, errs, code := usdRun(t, "scene", "--json", scene)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var f struct {
		Time   float64
		Gprims []struct {
			Path, Purpose string
			World         [4][4]float64
			Material      map[string]struct{ Material string }
		}
		Instancers []struct {
			Path      string
			Instances []struct{ Index int }
		}
	}
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	got := map[string]int{}
	for i, g := range f.Gprims {
		got[g.Path] = i
	}
	c, ok := got["/World/Guide/Untyped/S/C"]
	if !ok || f.Gprims[c].Purpose != "guide" || f.Gprims[c].World[3][0] != 2 {
		t.Errorf("C: %+v", f.Gprims)
	}
	if d, ok := got["/World/Direct"]; !ok || f.Gprims[d].Material["full"].Material != "/Looks/A" || f.Gprims[d].Material["preview"].Material != "/Looks/B" {
		t.Errorf("Direct materials: %s", out)
	}
	if len(f.Instancers) != 1 || len(f.Instancers[0].Instances) != 2 {
		t.Errorf("instancers: %+v", f.Instancers)
	}
	out, _, code = usdRun(t, "scene", scene)
	if code != 0 || !strings.Contains(out, "Mesh /World/Direct visibility=inherited purpose=default material=/Looks/A preview=/Looks/B") {
		t.Errorf("text form: exit %d\n%s", code, out)
	}
}
