//go:build linux || darwin

package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestUsdDumpRetimesReferencedSamples pins the dump's shape on a stage with
// a sublayer and an offset reference: prim stacks name the layers relative
// to the root's folder and samples are in stage time.
func TestUsdDumpRetimesReferencedSamples(t *testing.T) {
	scene, _ := filepath.Abs("../../usd/testdata/resolve_root.usda")
	out, errOut, code := usdRun(t, "dump", "--json", scene)
	if code != 0 {
		t.Fatalf("dump: exit %d: %s", code, errOut)
	}
	var d struct {
		Root  []string
		Prims map[string]struct {
			Stack []string
			Props map[string]struct {
				Samples [][2]any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("dump output is not JSON: %v\n%s", err, out)
	}
	ball, ok := d.Prims["/World/Ball"]
	if !ok {
		t.Fatalf("no /World/Ball in %s", out)
	}
	if len(ball.Stack) < 2 || ball.Stack[len(ball.Stack)-1] != "resolve_ref.usda:/Anim" {
		t.Errorf("/World/Ball stack = %q, want it to end with resolve_ref.usda:/Anim", ball.Stack)
	}
	// The referenced samples at 0 and 10 land at 10 and 30 (offset 10,
	// scale 2).
	s := ball.Props["radius"].Samples
	if len(s) != 2 || s[0][0] != 10.0 || s[1][0] != 30.0 || s[1][1] != 100.0 {
		t.Errorf("/World/Ball.radius samples = %v, want [[10 0] [30 100]]", s)
	}
	_, _, code = usdRun(t, "dump", "--json", "../../usd/testdata/syntax_error.usda")
	if code != 2 {
		t.Errorf("dump of a file with a syntax error: exit %d, want 2", code)
	}
}
