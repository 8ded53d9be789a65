//go:build linux || darwin

package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// usdRun runs the built binary's usd subcommand and returns stdout,
// stderr and the exit code.
func usdRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(rgallery, append([]string{"usd"}, args...)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestUsdCommands(t *testing.T) {
	scene, _ := filepath.Abs("../../usd/testdata/resolve_root.usda")
	out, _, code := usdRun(t, "tree", scene)
	if code != 0 || !strings.Contains(out, "World (Xform)") || !strings.Contains(out, "    Child (Xform)") {
		t.Errorf("tree: exit %d\n%s", code, out)
	}
	out, _, code = usdRun(t, "tree", "--json", scene)
	var nodes []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &nodes) != nil || len(nodes) == 0 || nodes[0]["path"] != "/World" {
		t.Errorf("tree --json: exit %d\n%s", code, out)
	}
	// flatten: the referenced samples appear retimed into stage time.
	out, _, code = usdRun(t, "flatten", scene)
	if code != 0 || !strings.Contains(out, "double radius.timeSamples = {") || !strings.Contains(out, "30: 100") {
		t.Errorf("flatten: exit %d\n%s", code, out)
	}
	out, _, code = usdRun(t, "cat", scene)
	if code != 0 || !strings.HasPrefix(out, "#usda 1.0") || !strings.Contains(out, "@resolve_ref.usda@</Anim> (offset = 10; scale = 2)") {
		t.Errorf("cat: exit %d\n%s", code, out)
	}
	// deps: the texture is missing, so exit 3 and a MISSING line.
	out, _, code = usdRun(t, "deps", scene)
	if code != 3 || !strings.Contains(out, "sublayer  @resolve_sub.usda@ -> ") || !strings.Contains(out, "@textures/red.png@ -> MISSING") {
		t.Errorf("deps: exit %d\n%s", code, out)
	}
	out, _, code = usdRun(t, "stack", scene, "/World/Ball", "radius")
	if code != 0 || !strings.Contains(out, "reference  ") || !strings.Contains(out, "resolve_ref.usda  /Anim.radius  (offset 10, scale 2)") {
		t.Errorf("stack: exit %d\n%s", code, out)
	}
	_, errOut, code := usdRun(t, "tree", "../../usd/testdata/syntax_error.usda")
	if code != 2 || !strings.Contains(errOut, "syntax_error.usda:6:") {
		t.Errorf("syntax error: exit %d, %s", code, errOut)
	}
}
