//go:build linux || darwin

package pluginproc

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// buildExample builds examples/goplugin into a temporary directory.
func buildExample(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool to build the example plugin: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "goplugin")
	cmd := exec.Command(goTool, "build", "-o", bin, "../examples/goplugin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeScript(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGoExamplePlugin(t *testing.T) {
	t.Parallel()
	bin := buildExample(t)
	cfg := testConfig(t)
	l := &ExecLoader{Config: cfg}
	info, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Match(bin, info) {
		t.Fatalf("ExecLoader does not match %s", bin)
	}
	ps, err := l.Load(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Label != "Go Gradient" || ps[0].Kind != "executable" || ps[0].File != bin {
		t.Fatalf("plugins = %+v", ps)
	}
	host := newFakeHost(11)
	r := newRender(t, ps[0], host)
	ctx := context.Background()
	conf, err := r.GetConfigOptions(ctx, map[string]any{"passes": 4.0})
	if err != nil || !reflect.DeepEqual(conf, map[string]any{"passes": 4.0}) {
		t.Fatalf("GetConfigOptions = %v, %v", conf, err)
	}
	out := t.TempDir()
	conf["outdir"] = out
	err = r.StartBackgroundRender(ctx, "/s.usda", bgrender.Options{Plugin: conf, Viewport: bgrender.Viewport{ResX: 8, ResY: 6}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.PollFrequency(); got != 500*time.Millisecond {
		t.Errorf("PollFrequency = %v", got)
	}
	if err := r.MouseClick(ctx, 0.1, 0.9); err != nil {
		t.Fatal(err)
	}
	done, err := pollUntil(t, r, 200, 20*time.Millisecond)
	if err != nil || !done {
		t.Fatalf("IsRenderFinished = %v, %v", done, err)
	}
	image := filepath.Join(out, "goplugin_11.png")
	if imgs := host.Images(); len(imgs) == 0 || imgs[len(imgs)-1] != image {
		t.Fatalf("images = %v", imgs)
	}
	f, err := os.Open(image)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 8 || b.Dy() != 6 {
		t.Errorf("image is %v, want 8x6", b)
	}
	if host.Meta(bgrender.KeyPercentDone) != 100.0 || host.Meta("passes") != 4.0 {
		t.Errorf("metadata = %v", host.md)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "rendering /s.usda at 8x6 in 4 passes"; !hasLine(host.LogText(), want) {
		t.Errorf("log lacks %q:\n%s", want, host.LogText())
	}
}

func TestExecHandshakeRefusesOtherVersions(t *testing.T) {
	t.Parallel()
	script := writeScript(t, "future-plugin", `#!/bin/sh
read -r line <&3
echo '{"jsonrpc":"2.0","id":1,"result":{"version":9,"name":"future"}}' >&4
read -r line <&3
`)
	_, err := (&ExecLoader{Config: testConfig(t)}).Load(context.Background(), script)
	want := fmt.Sprintf("load %s: handshake: plugin chose protocol version 9; rgallery speaks versions [1]: not an rgallery plugin? An executable on the plugin path must answer the handshake on fds 3/4 (docs/plugin-protocol.md)", script)
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
}

func TestExecNotAPlugin(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Timeouts.Handshake = 300 * time.Millisecond
	silent := writeScript(t, "silent", "#!/bin/sh\nsleep 30\n")
	_, err := (&ExecLoader{Config: cfg}).Load(context.Background(), silent)
	want := fmt.Sprintf("load %s: handshake did not answer within 300ms (deadline): not an rgallery plugin? An executable on the plugin path must answer the handshake on fds 3/4 (docs/plugin-protocol.md)", silent)
	if err == nil || err.Error() != want {
		t.Errorf("silent:\n got %v\nwant %s", err, want)
	}

	// The verdict is remembered: the next listing does not wait again.
	_, err = (&ExecLoader{Config: cfg}).Load(context.Background(), silent)
	if err == nil || err.Error() != want+" (remembered from an earlier try; touch the file to try again)" {
		t.Errorf("silent, second load:\n got %v", err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(silent, later, later); err != nil {
		t.Fatal(err)
	}
	_, err = (&ExecLoader{Config: cfg}).Load(context.Background(), silent)
	if err == nil || err.Error() != want {
		t.Errorf("silent, touched:\n got %v\nwant %s", err, want)
	}

	talker := writeScript(t, "talker", "#!/bin/sh\necho hello from a shell script\nexit 2\n")
	_, err = (&ExecLoader{Config: cfg}).Load(context.Background(), talker)
	re := regexp.MustCompile(`^load ` + regexp.QuoteMeta(talker) + `: handshake: plugin process \d+ ended \(exit status 2\) before answering: not an rgallery plugin\? .*\nplugin output:\nhello from a shell script$`)
	if err == nil || !re.MatchString(err.Error()) {
		t.Errorf("talker:\n got %v\nwant match %s", err, re)
	}
}

func TestExecMatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := &ExecLoader{}
	py := &PythonLoader{}
	for _, c := range []struct {
		name       string
		mode       os.FileMode
		exec, isPy bool
	}{
		{"farm", 0o755, true, false},
		{"farm.sh", 0o755, true, false},
		{"farm", 0o644, false, false},
		{"plugin.py", 0o755, false, true},
		{"plugin.py", 0o644, false, true},
		{"renderer.toml", 0o755, false, false},
		{"settings.json", 0o755, false, false},
		{".hidden", 0o755, false, false},
		{"farm~", 0o755, false, false},
	} {
		p := filepath.Join(dir, c.name)
		_ = os.Remove(p)
		if err := os.WriteFile(p, nil, c.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, c.mode); err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(p)
		if got := l.Match(p, info); got != c.exec {
			t.Errorf("executable Match(%s %v) = %v", c.name, c.mode, got)
		}
		if got := py.Match(p, info); got != c.isPy {
			t.Errorf("python Match(%s %v) = %v", c.name, c.mode, got)
		}
	}
	sub := filepath.Join(dir, "subdir")
	_ = os.Mkdir(sub, 0o755)
	info, _ := os.Stat(sub)
	if l.Match(sub, info) {
		t.Error("executable Match accepts a directory")
	}
}

func TestLoadersRegistered(t *testing.T) {
	t.Parallel()
	var names []string
	for _, l := range bgrender.Loaders() {
		names = append(names, l.Name())
	}
	joined := strings.Join(names, ",")
	if !strings.Contains(joined, "executable") || !strings.Contains(joined, "python") {
		t.Errorf("registered loaders = %v", names)
	}
}

// A plugin that crashes while a process it started holds fd 4 open: the
// call fails with how the plugin ended, not at the deadline.
func TestExecCrashWithInheritedPipe(t *testing.T) {
	t.Parallel()
	script := writeScript(t, "leaky-plugin", `#!/bin/sh
read -r l <&3
echo '{"jsonrpc":"2.0","id":1,"result":{"version":1,"name":"leaky","runtime":"sh"}}' >&4
read -r l <&3
case "$l" in
*'"register"'*)
	echo '{"jsonrpc":"2.0","id":2,"result":{"renderers":[{"label":"Leaky"}]}}' >&4
	read -r l <&3
	exit 0;;
esac
echo '{"jsonrpc":"2.0","id":2,"result":null}' >&4
read -r l <&3
echo '{"jsonrpc":"2.0","id":3,"result":0.5}' >&4
read -r l <&3
echo '{"jsonrpc":"2.0","id":4,"result":null}' >&4
read -r l <&3
sleep 30 &
exit 3
`)
	cfg := testConfig(t)
	cfg.Timeouts.Call = 20 * time.Second
	ps, err := (&ExecLoader{Config: cfg}).Load(context.Background(), script)
	if err != nil {
		t.Fatal(err)
	}
	r := newRender(t, ps[0], newFakeHost(4))
	ctx := context.Background()
	if err := r.StartBackgroundRender(ctx, "/s.usda", bgrender.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := r.PollFrequency(); got != 500*time.Millisecond {
		t.Errorf("PollFrequency = %v", got)
	}
	_, err = r.IsRenderFinished(ctx)
	want := fmt.Sprintf("executable plugin %q (%s): isRenderFinished: plugin process %d ended (exit status 3) before answering", "Leaky", script, r.PID())
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
