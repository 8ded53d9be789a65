//go:build linux || darwin

package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

func TestManifestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"syntax", "label = \"x\"\nargv = [\"a\",\n  \"b\" \"c\"]\n",
			`m.toml:3:7: TOML: expected a comma (',') or array terminator (']'), but got '"'`},
		{"type", "label = 5\nargv = [\"a\"]\n",
			"m.toml:1: label: incompatible types: TOML value has type int64; destination has type string"},
		{"missing label", "argv = [\"a\"]\n",
			`m.toml: missing label: say what the renderer is called in the menu, e.g. label = "My Renderer"`},
		{"missing argv", "label = \"x\"\n",
			`m.toml: missing argv: the command to run, e.g. argv = ["myrender", "{usd}", "-o", "{image}"]`},
		{"empty program", "label = \"x\"\nargv = [\"\"]\n",
			"m.toml:2: argv[0], the program, is empty"},
		{"unknown placeholder", "label = \"x\"\n\nargv = [\"r\", \"{usd}\",\n  \"{imagee}\"]\n",
			"m.toml:4: argv[2]: unknown placeholder {imagee}; known: {usd}, {image}, {outdir}, {camera}, {rendersettings}, {res_x}, {res_y}, {item}, {source}, {manifest_dir}, and {option.NAME} for the declared options (none are declared)"},
		{"undeclared option", "label = \"x\"\nargv = [\"r\", \"--s={option.smples}\"]\n[[option]]\nname = \"samples\"\ntype = \"int\"\n",
			"m.toml:2: argv[1]: unknown placeholder {option.smples}; known: {usd}, {image}, {outdir}, {camera}, {rendersettings}, {res_x}, {res_y}, {item}, {source}, {manifest_dir}, and {option.NAME} for the declared options (declared: samples)"},
		{"placeholder in env", "label = \"x\"\nargv = [\"r\"]\n[env]\nA = \"{nope}\"\n",
			"m.toml:4: env.A: unknown placeholder {nope}; known: {usd}, {image}, {outdir}, {camera}, {rendersettings}, {res_x}, {res_y}, {item}, {source}, {manifest_dir}, and {option.NAME} for the declared options (none are declared)"},
		{"unclosed", "label = \"x\"\nargv = [\"r\", \"{usd\"]\n",
			`m.toml:2: argv[1]: unclosed placeholder in "{usd" (write {{ for a literal brace)`},
		{"unknown key", "label = \"x\"\nargv = [\"r\"]\npolll = 2\n",
			`m.toml:3: unknown key "polll" (known keys: label, description, argv, env, workdir, outdir, image, watch, progress, poll, stop_grace, memory_interval, update_interval, click, [[option]] with name, type, label, help, default, choices, min, max)`},
		{"bad regex", "label = \"x\"\nargv = [\"r\"]\nprogress = '(['\n",
			"m.toml:3: progress: not a valid regular expression: error parsing regexp: missing closing ]: `[`"},
		{"regex without group", "label = \"x\"\nargv = [\"r\"]\nprogress = '[0-9]+%'\n",
			"m.toml:3: progress: the regular expression needs a group for the percentage, e.g. '(?P<percent>[0-9.]+)%'"},
		{"bad option type", "label = \"x\"\nargv = [\"r\"]\n[[option]]\nname = \"n\"\ntype = \"integer\"\n",
			`m.toml:4: option "n": unknown type "integer" (want string, int, float, bool or choice)`},
		{"bad default", "label = \"x\"\nargv = [\"r\"]\n[[option]]\nname = \"n\"\ntype = \"int\"\ndefault = \"many\"\n",
			`m.toml:4: option "n": default: "many" is not a whole number`},
		{"default out of range", "label = \"x\"\nargv = [\"r\"]\n[[option]]\nname = \"n\"\ntype = \"float\"\ndefault = 5\nmax = 2\n",
			`m.toml:4: option "n": default: 5 is above the maximum 2`},
		{"choice default", "label = \"x\"\nargv = [\"r\"]\n[[option]]\nname = \"d\"\nchoices = [\"CPU\"]\ndefault = \"GPU\"\n",
			`m.toml:4: option "d": default: "GPU" is not one of CPU`},
		{"duplicate option", "label = \"x\"\nargv = [\"r\"]\n[[option]]\nname = \"d\"\n[[option]]\nname = \"d\"\n",
			`m.toml:4: option "d" is declared twice`},
		{"bad poll", "label = \"x\"\nargv = [\"r\"]\npoll = 0\n",
			"m.toml:3: poll: want a positive number of seconds, got 0s"},
		{"poll string", "label = \"x\"\nargv = [\"r\"]\npoll = \"fast\"\n",
			`m.toml:3:9: TOML: want seconds or a duration like "500ms": time: invalid duration "fast"`},
		{"image path", "label = \"x\"\nargv = [\"r\"]\nimage = \"../x.png\"\n",
			`m.toml:3: image: want a plain file name inside the output dir, like "render.png", got "../x.png"`},
		{"group as program", "label = \"x\"\nargv = [[\"r\"]]\n",
			"m.toml:2: argv[0], the program, cannot be an optional group"},
		{"number in argv", "label = \"x\"\nargv = [\"r\", 5]\n",
			"m.toml:2: argv[1]: want a string or an array of strings (an optional group), got an integer"},
		{"click placeholder", "label = \"x\"\nargv = [\"r\"]\nclick = \"focus {u} {v}\"\n",
			`m.toml:3: click: unknown placeholder {u} in "focus {u} {v}" (placeholders {x} and {y} give the point, 0..1)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest("m.toml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error, want %s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
			var me *ManifestError
			if !errors.As(err, &me) || me.Path != "m.toml" {
				t.Errorf("error %T is not a *ManifestError for m.toml", err)
			}
		})
	}
}

func TestManifestDefaultsAndSchema(t *testing.T) {
	m, err := ParseManifest("/plugins/r.toml", []byte(`
label = "  Fast Render "
argv = ["fastrender", "{usd}", "{image}"]
poll = 2
[[option]]
name = "device"
label = "Device"
help = "where to render"
choices = ["CPU", "GPU"]
[[option]]
name = "samples"
type = "int"
default = 64
min = 1
max = 4096
[[option]]
name = "denoise"
type = "bool"
`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Label != "Fast Render" || m.PollFrequency() != 2*time.Second || m.StopGrace() != DefaultStopGrace || m.image != "render.png" {
		t.Errorf("label %q poll %v grace %v image %q", m.Label, m.PollFrequency(), m.StopGrace(), m.image)
	}
	if len(m.watch) != 1 || m.watch[0].raw != "{image}" {
		t.Errorf("watch = %+v, want [{image}]", m.watch)
	}
	one, max := 1.0, 4096.0
	want := []bgrender.OptionSpec{
		{Name: "device", Label: "Device", Type: "choice", Default: "CPU", Choices: []string{"CPU", "GPU"}, Help: "where to render"},
		{Name: "samples", Type: "int", Default: int64(64), Min: &one, Max: &max},
		{Name: "denoise", Type: "bool", Default: false},
	}
	if got := m.Schema(); !reflect.DeepEqual(got, want) {
		t.Errorf("schema = %+v\nwant %+v", got, want)
	}
	r := NewRenderer(m, newHost(1))
	if !reflect.DeepEqual(r.OptionSchema(), want) {
		t.Errorf("OptionSchema differs from Schema")
	}
	got, err := r.GetConfigOptions(context.Background(), map[string]any{"samples": 8.0, "extra": "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if wantOpts := map[string]any{"device": "CPU", "samples": 8.0, "denoise": false, "extra": "kept"}; !reflect.DeepEqual(got, wantOpts) {
		t.Errorf("GetConfigOptions = %v, want %v", got, wantOpts)
	}
}

func TestLoader(t *testing.T) {
	var l bgrender.Loader
	for _, x := range bgrender.Loaders() {
		if x.Name() == "command" {
			l = x
		}
	}
	if l == nil {
		t.Fatal("command loader not registered")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "fast.toml")
	if err := os.WriteFile(good, []byte("label = \"Fast\"\nargv = [\"fast\", \"{usd}\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.TOML")
	if err := os.WriteFile(bad, []byte("label = \"Bad\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "fast.py")
	os.WriteFile(other, nil, 0o644)
	for path, want := range map[string]bool{good: true, bad: true, other: false, dir: false} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Match(path, fi); got != want {
			t.Errorf("Match(%s) = %v, want %v", filepath.Base(path), got, want)
		}
	}
	plugins, err := l.Load(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	if len(plugins) != 1 || plugins[0].Label != "Fast" || plugins[0].File != good || plugins[0].Kind != "command" || plugins[0].Factory == nil {
		t.Fatalf("plugins = %+v", plugins)
	}
	rend, err := plugins[0].Factory(newHost(3))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rend.(bgrender.Closer); !ok {
		t.Error("renderer is not a bgrender.Closer")
	}
	if _, err := l.Load(context.Background(), bad); err == nil || err.Error() != bad+`: missing argv: the command to run, e.g. argv = ["myrender", "{usd}", "-o", "{image}"]` {
		t.Errorf("load bad: %v", err)
	}
	if _, err := l.Load(context.Background(), filepath.Join(dir, "gone.toml")); err == nil {
		t.Error("load of a missing file succeeded")
	}
}

func TestTemplate(t *testing.T) {
	known := func(n string) bool { return n == "a" || n == "b" }
	tm, err := parseTemplate("x{a}-{{b}}{b}}}", known)
	if err != nil {
		t.Fatal(err)
	}
	s, full := tm.expand(map[string]string{"a": "1", "b": "2"})
	if s != "x1-{b}2}" || !full {
		t.Errorf("expand = %q, %v", s, full)
	}
	s, full = tm.expand(map[string]string{"a": "1"})
	if s != "x1-{b}}" || full {
		t.Errorf("expand with empty b = %q, %v", s, full)
	}
	if got := tm.names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("names = %v", got)
	}
	if _, err := parseTemplate("a}b", known); err == nil || err.Error() != `unmatched } in "a}b" (write }} for a literal brace)` {
		t.Errorf("err = %v", err)
	}
}

func TestArgvDryRun(t *testing.T) {
	m, err := ParseManifest("/plugins/backgroundrenderers/r.toml", []byte(`
label = "Dry"
argv = ["./render.sh", "{usd}", ["-c", "{camera}"], "-o", "{image}", "-n", "{option.n}"]
image = "out.exr"
[[option]]
name = "n"
type = "int"
default = 3
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Argv("/scenes/shot.usda", bgrender.Options{Plugin: map[string]any{"n": "7"}}, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/plugins/backgroundrenderers/render.sh", "/scenes/shot.usda", "-o",
		filepath.Join(os.TempDir(), fmt.Sprintf("rgallery-command-%d-12-*", os.Getpid()), "out.exr"), "-n", "7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("argv = %q\nwant %q", got, want)
	}
	if _, err := m.Argv("/s.usda", bgrender.Options{Plugin: map[string]any{"n": "x"}}, 1); err == nil ||
		err.Error() != `command renderer "Dry": option n: "x" is not a whole number` {
		t.Errorf("bad option: %v", err)
	}
}
