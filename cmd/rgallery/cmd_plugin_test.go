//go:build linux || darwin

package main

// Tests of `rgallery plugin` and of Python plugins found by `rgallery
// renderers`, through the built binary (see TestMain in cli_test.go).

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runRgallery(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(rgallery, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run rgallery %v: %v", args, err)
	}
	return string(out), code
}

func needPython3(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skipf("no python3: %v", err)
	}
}

func TestPluginCheckAndRun(t *testing.T) {
	needPython3(t)
	env := []string{"RGALLERY_CACHE_DIR=" + t.TempDir()}
	td, _ := filepath.Abs("../../pluginproc/testdata")
	cloud := filepath.Join(td, "plugins", "cloud_render.py")
	noreg := filepath.Join(td, "broken", "no_register.py")

	out, code := runRgallery(t, env, "plugin", "check", cloud, noreg)
	want := fmt.Sprintf("%s (python): \"Cloud Service Render\"\n%s: error: load %s: %s has no registerBackgroundRenderers(manager) function\nrgallery: 1 of 2 plugin files failed to load\n", cloud, noreg, noreg, noreg)
	if code != 1 || out != want {
		t.Errorf("plugin check: exit %d\n%s\nwant exit 1\n%s", code, out, want)
	}

	dir := t.TempDir()
	scene := filepath.Join(dir, "shot.usda")
	if err := os.WriteFile(scene, []byte("#usda 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = runRgallery(t, env, "plugin", "run", cloud, scene, "-o", "passes=2", "-o", "outdir="+dir, "--res", "4x2")
	image := filepath.Join(dir, "cloud-1.png")
	if code != 0 || !strings.Contains(out, " finished: "+image+"\n") || !strings.Contains(out, `"percentDone":100`) {
		t.Errorf("plugin run: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(image); err != nil {
		t.Errorf("no image: %v", err)
	}
}

func TestRenderersListsPythonPlugins(t *testing.T) {
	needPython3(t)
	td, _ := filepath.Abs("../../pluginproc/testdata")
	path := t.TempDir()
	dst := filepath.Join(path, "backgroundrenderers", "multi.py")
	b, err := os.ReadFile(filepath.Join(td, "plugins", "multi.py"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"RGALLERY_CACHE_DIR=" + t.TempDir(), "RGALLERY_PLUGIN_PATH=" + path, "HOUDINI_HUSDPLUGINS_PATH="}
	out, code := runRgallery(t, env, "renderers")
	if code != 0 {
		t.Fatalf("renderers: exit %d\n%s", code, out)
	}
	for _, label := range []string{"Quick", "Slow", "Own Init", "Threaded"} {
		if !strings.Contains(out, label+" ") || !strings.Contains(out, dst) {
			t.Errorf("renderers does not list %q from %s:\n%s", label, dst, out)
		}
	}
}
