//go:build linux || darwin

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestManifestCommand runs `rgallery manifest` (the binary built by
// TestMain) on a good and a broken manifest.
func TestManifestCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(good, []byte(`label = "Good"
argv = ["render", "{usd}", ["--cam", "{camera}"], "-o", "{image}", "-n", "{option.n}"]
outdir = "/renders/{item}"
[[option]]
name = "n"
type = "int"
default = 4
`), 0o644)
	os.WriteFile(bad, []byte("label = \"Bad\"\nargv = [\"r\",\n  \"{imag}\"]\n"), 0o644)

	cmd := exec.Command(rgallery, "manifest", good, bad)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	if want := good + ": ok: \"Good\", options: n int=4\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	wantErr := bad + ":3: argv[1]: unknown placeholder {imag}; known: {usd}, {image}, {outdir}, {camera}, {rendersettings}, {res_x}, {res_y}, {item}, {source}, {manifest_dir}, and {option.NAME} for the declared options (none are declared)\n" +
		"rgallery: 1 of 2 manifests have errors\n"
	if stderr.String() != wantErr {
		t.Errorf("stderr %q\nwant   %q", stderr.String(), wantErr)
	}

	out, err := exec.Command(rgallery, "manifest", good, "--json", "--scene", "/s/shot.usda", "--camera", "/cam", "-o", "n=9").Output()
	if err != nil {
		t.Fatal(err)
	}
	var reps []manifestReport
	if err := json.Unmarshal(out, &reps); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wantArgv := []string{"render", "/s/shot.usda", "--cam", "/cam", "-o", "/renders/0/render.png", "-n", "9"}
	if len(reps) != 1 || reps[0].Label != "Good" || !reflect.DeepEqual(reps[0].Argv, wantArgv) {
		t.Errorf("report %+v, want argv %q", reps, wantArgv)
	}
}
