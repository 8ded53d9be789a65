package command

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/rgallery/rgallery/bgrender"
)

// Defaults for manifest fields left out.
const (
	DefaultImage     = "render.png"
	DefaultPoll      = time.Second
	DefaultStopGrace = 5 * time.Second
	// DefaultMemoryInterval is the time between two RSS samples of the
	// command's process tree: often enough to see a render's working set,
	// rare enough that hundreds of live renders cost little.
	DefaultMemoryInterval = time.Second
	// DefaultUpdateInterval is the shortest time between two looks at the
	// watched images, and between two metadata updates that carry nothing
	// new but the clock; the gallery takes at most one image a second from a
	// render anyway. The first image and the final state are never delayed.
	DefaultUpdateInterval = time.Second
)

// Manifest is a parsed, validated renderer manifest.
type Manifest struct {
	Path        string // the file it was read from
	Label       string
	Description string
	Options     []Option

	argv        []argvItem
	env         []envItem
	workdir     *template // nil: the output dir
	outdir      *template // nil: a temporary dir removed on Close
	image       string    // file name of {image} inside the output dir
	watch       []template
	progress    *regexp.Regexp
	poll        time.Duration
	stopGrace   time.Duration
	memEvery    time.Duration
	updateEvery time.Duration
	click       *template
}

// argvItem is one argument, or an optional group of arguments (a nested
// array in the manifest) left out when one of its placeholders is empty.
type argvItem struct {
	args  []template
	group bool
}

type envItem struct {
	key string
	val template
}

// Option is one user option of a manifest, drawn as a form field.
type Option struct {
	Name    string
	Type    string // string, int, float, bool, choice
	Label   string
	Help    string
	Default any // of the Go type of Type: string, int64, float64, bool
	Choices []string
	Min     *float64
	Max     *float64
}

// The TOML shape of a manifest. Durations accept a number of seconds or a
// Go duration string ("500ms").
type manifestFile struct {
	Label       string            `toml:"label"`
	Description string            `toml:"description"`
	Argv        []any             `toml:"argv"`
	Env         map[string]string `toml:"env"`
	Workdir     *string           `toml:"workdir"`
	Outdir      *string           `toml:"outdir"`
	Image       *string           `toml:"image"`
	Watch       []string          `toml:"watch"`
	Progress    string            `toml:"progress"`
	Poll        *seconds          `toml:"poll"`
	StopGrace   *seconds          `toml:"stop_grace"`
	MemInterval *seconds          `toml:"memory_interval"`
	UpdInterval *seconds          `toml:"update_interval"`
	Click       *string           `toml:"click"`
	Options     []optionFile      `toml:"option"`
}

type optionFile struct {
	Name    string   `toml:"name"`
	Type    string   `toml:"type"`
	Label   string   `toml:"label"`
	Help    string   `toml:"help"`
	Default any      `toml:"default"`
	Choices []string `toml:"choices"`
	Min     *float64 `toml:"min"`
	Max     *float64 `toml:"max"`
}

type seconds struct{ d time.Duration }

func (s *seconds) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		s.d = time.Duration(v) * time.Second
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("want a number of seconds, got %v", v)
		}
		s.d = time.Duration(v * float64(time.Second))
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want seconds or a duration like \"500ms\": %w", err)
		}
		s.d = d
	default:
		return fmt.Errorf("want a number of seconds, got %T", v)
	}
	return nil
}

// Placeholders available in every template, besides {option.NAME}.
var basePlaceholders = []string{
	"usd", "image", "outdir", "camera", "rendersettings", "res_x", "res_y",
	"item", "source", "manifest_dir",
}

var tomlTypeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

var optionName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// ManifestError is an error in a manifest file, with the line when known.
type ManifestError struct {
	Path string
	Line int // 0 when not known
	Col  int // 0 when not known
	Msg  string
}

func (e *ManifestError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// ReadManifest reads and validates the manifest at path.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return ParseManifest(path, data)
}

// ParseManifest validates a manifest; path names it in errors and anchors
// relative paths (argv[0] starting with ./ or ../, {manifest_dir}).
func ParseManifest(path string, data []byte) (*Manifest, error) {
	src := string(data)
	var f manifestFile
	md, err := toml.Decode(src, &f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ManifestError{Path: path, Line: pe.Position.Line, Col: pe.Position.Col, Msg: "TOML: " + pe.Message}
		}
		// Type mismatches come as plain errors that carry the line and key
		// in their text only.
		if sm := tomlTypeErr.FindStringSubmatch(err.Error()); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			return nil, &ManifestError{Path: path, Line: line, Msg: sm[2] + ": " + sm[3]}
		}
		return nil, &ManifestError{Path: path, Msg: "TOML: " + strings.TrimPrefix(err.Error(), "toml: ")}
	}
	fail := func(needle, format string, args ...any) error {
		return &ManifestError{Path: path, Line: lineOf(src, needle), Msg: fmt.Sprintf(format, args...)}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		return nil, fail(k[len(k)-1], "unknown key %q (known keys: label, description, argv, env, workdir, outdir, image, watch, progress, poll, stop_grace, memory_interval, update_interval, click, [[option]] with name, type, label, help, default, choices, min, max)", k.String())
	}

	m := &Manifest{Path: path, Label: strings.TrimSpace(f.Label), Description: f.Description}
	if m.Label == "" {
		return nil, fail("", "missing label: say what the renderer is called in the menu, e.g. label = \"My Renderer\"")
	}

	names := map[string]bool{}
	for _, of := range f.Options {
		o, err := parseOption(of)
		if err != nil {
			return nil, fail("\""+of.Name+"\"", "option %q: %v", of.Name, err)
		}
		if names[o.Name] {
			return nil, fail("\""+of.Name+"\"", "option %q is declared twice", o.Name)
		}
		names[o.Name] = true
		m.Options = append(m.Options, o)
	}
	known := func(name string) bool {
		if opt, ok := strings.CutPrefix(name, "option."); ok {
			return names[opt]
		}
		return slices.Contains(basePlaceholders, name)
	}
	tmpl := func(s, what string) (template, error) {
		t, err := parseTemplate(s, known)
		if err != nil {
			var pe *placeholderError
			if errors.As(err, &pe) {
				return t, fail("{"+pe.name+"}", "%s: unknown placeholder {%s}; known: %s, and {option.NAME} for the declared options%s",
					what, pe.name, "{"+strings.Join(basePlaceholders, "}, {")+"}", declared(m.Options))
			}
			return t, fail(s, "%s: %v", what, err)
		}
		return t, nil
	}

	if len(f.Argv) == 0 {
		return nil, fail("", "missing argv: the command to run, e.g. argv = [\"myrender\", \"{usd}\", \"-o\", \"{image}\"]")
	}
	for i, a := range f.Argv {
		switch a := a.(type) {
		case string:
			t, err := tmpl(a, fmt.Sprintf("argv[%d]", i))
			if err != nil {
				return nil, err
			}
			m.argv = append(m.argv, argvItem{args: []template{t}})
		case []any:
			if i == 0 {
				return nil, fail("argv", "argv[0], the program, cannot be an optional group")
			}
			item := argvItem{group: true}
			for j, g := range a {
				s, ok := g.(string)
				if !ok {
					return nil, fail("argv", "argv[%d][%d]: want a string, got %s", i, j, tomlType(g))
				}
				t, err := tmpl(s, fmt.Sprintf("argv[%d][%d]", i, j))
				if err != nil {
					return nil, err
				}
				item.args = append(item.args, t)
			}
			m.argv = append(m.argv, item)
		default:
			return nil, fail("argv", "argv[%d]: want a string or an array of strings (an optional group), got %s", i, tomlType(a))
		}
	}
	if m.argv[0].args[0].raw == "" {
		return nil, fail("argv", "argv[0], the program, is empty")
	}

	envKeys := make([]string, 0, len(f.Env))
	for k := range f.Env {
		envKeys = append(envKeys, k)
	}
	slices.Sort(envKeys)
	for _, k := range envKeys {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return nil, fail("env", "env: invalid variable name %q", k)
		}
		t, err := tmpl(f.Env[k], "env."+k)
		if err != nil {
			return nil, err
		}
		m.env = append(m.env, envItem{key: k, val: t})
	}

	if f.Workdir != nil {
		t, err := tmpl(*f.Workdir, "workdir")
		if err != nil {
			return nil, err
		}
		m.workdir = &t
	}
	if f.Outdir != nil {
		t, err := tmpl(*f.Outdir, "outdir")
		if err != nil {
			return nil, err
		}
		m.outdir = &t
	}
	m.image = DefaultImage
	if f.Image != nil {
		img := *f.Image
		if img == "" || filepath.IsAbs(img) || img != filepath.Clean(img) || strings.HasPrefix(img, "..") || strings.ContainsAny(img, "{}") {
			return nil, fail("image", "image: want a plain file name inside the output dir, like \"render.png\", got %q", img)
		}
		m.image = img
	}
	watch := f.Watch
	if len(watch) == 0 {
		watch = []string{"{image}"}
	}
	for i, w := range watch {
		t, err := tmpl(w, fmt.Sprintf("watch[%d]", i))
		if err != nil {
			return nil, err
		}
		m.watch = append(m.watch, t)
	}
	if f.Progress != "" {
		re, err := regexp.Compile(f.Progress)
		if err != nil {
			return nil, fail("progress", "progress: not a valid regular expression: %v", err)
		}
		if re.NumSubexp() == 0 {
			return nil, fail("progress", "progress: the regular expression needs a group for the percentage, e.g. '(?P<percent>[0-9.]+)%%'")
		}
		hasDone, hasTotal := re.SubexpIndex("done") >= 0, re.SubexpIndex("total") >= 0
		if hasDone != hasTotal {
			return nil, fail("progress", "progress: groups (?P<done>...) and (?P<total>...) go together")
		}
		m.progress = re
	}
	// Durations: a default when absent; poll and memory_interval must be
	// positive, stop_grace and update_interval may be zero.
	for _, d := range []struct {
		key       string
		v         *seconds
		def       time.Duration
		allowZero bool
		dst       *time.Duration
	}{
		{"poll", f.Poll, DefaultPoll, false, &m.poll},
		{"stop_grace", f.StopGrace, DefaultStopGrace, true, &m.stopGrace},
		{"memory_interval", f.MemInterval, DefaultMemoryInterval, false, &m.memEvery},
		{"update_interval", f.UpdInterval, DefaultUpdateInterval, true, &m.updateEvery},
	} {
		*d.dst = d.def
		if d.v == nil {
			continue
		}
		if d.allowZero && d.v.d < 0 {
			return nil, fail(d.key, "%s: want zero or more seconds, got %v", d.key, d.v.d)
		}
		if !d.allowZero && d.v.d <= 0 {
			return nil, fail(d.key, "%s: want a positive number of seconds, got %v", d.key, d.v.d)
		}
		*d.dst = d.v.d
	}
	if f.Click != nil {
		clickKnown := func(name string) bool { return name == "x" || name == "y" || known(name) }
		t, err := parseTemplate(*f.Click, clickKnown)
		if err != nil {
			return nil, fail("click", "click: %v (placeholders {x} and {y} give the point, 0..1)", err)
		}
		m.click = &t
	}
	return m, nil
}

func declared(opts []Option) string {
	if len(opts) == 0 {
		return " (none are declared)"
	}
	var names []string
	for _, o := range opts {
		names = append(names, o.Name)
	}
	return " (declared: " + strings.Join(names, ", ") + ")"
}

func parseOption(of optionFile) (Option, error) {
	o := Option{Name: of.Name, Type: of.Type, Label: of.Label, Help: of.Help, Choices: of.Choices, Min: of.Min, Max: of.Max}
	if !optionName.MatchString(o.Name) {
		return o, fmt.Errorf("name must be letters, digits, _ or -, starting with a letter or _")
	}
	if o.Type == "" {
		o.Type = "string"
		if len(o.Choices) > 0 {
			o.Type = "choice"
		}
	}
	switch o.Type {
	case "string", "int", "float", "bool":
		if len(o.Choices) > 0 {
			return o, fmt.Errorf("choices are only for type \"choice\"")
		}
	case "choice":
		if len(o.Choices) == 0 {
			return o, fmt.Errorf("type \"choice\" needs choices = [...]")
		}
	default:
		return o, fmt.Errorf("unknown type %q (want string, int, float, bool or choice)", o.Type)
	}
	if (o.Min != nil || o.Max != nil) && o.Type != "int" && o.Type != "float" {
		return o, fmt.Errorf("min and max are only for types int and float")
	}
	if of.Default != nil {
		v, err := o.coerce(of.Default)
		if err != nil {
			return o, fmt.Errorf("default: %v", err)
		}
		o.Default = v
	} else {
		switch o.Type {
		case "choice":
			o.Default = o.Choices[0]
		case "bool":
			o.Default = false
		}
	}
	return o, nil
}

// coerce checks v against the option's type and returns it as the Go type
// of that type. Strings are parsed, as values typed on a command line
// (--option samples=64) arrive as strings; JSON numbers arrive as float64.
func (o Option) coerce(v any) (any, error) {
	switch o.Type {
	case "string":
		switch v := v.(type) {
		case string:
			return v, nil
		case int64, int, float64, bool:
			return fmt.Sprint(v), nil
		}
	case "choice":
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		if !slices.Contains(o.Choices, s) {
			return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(o.Choices, ", "))
		}
		return s, nil
	case "bool":
		switch v := v.(type) {
		case bool:
			return v, nil
		case string:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%q is not true or false", v)
			}
			return b, nil
		}
	case "int":
		var n int64
		switch v := v.(type) {
		case int64:
			n = v
		case int:
			n = int64(v)
		case float64:
			if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
				return nil, fmt.Errorf("%v is not a whole number", v)
			}
			n = int64(v)
		case string:
			i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a whole number", v)
			}
			n = i
		default:
			return nil, fmt.Errorf("want a whole number, got %s", tomlType(v))
		}
		return n, o.inRange(float64(n))
	case "float":
		var x float64
		switch v := v.(type) {
		case float64:
			x = v
		case int64:
			x = float64(v)
		case int:
			x = float64(v)
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", v)
			}
			x = f
		default:
			return nil, fmt.Errorf("want a number, got %s", tomlType(v))
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a finite number", x)
		}
		return x, o.inRange(x)
	}
	return nil, fmt.Errorf("want a %s, got %s", o.Type, tomlType(v))
}

func (o Option) inRange(x float64) error {
	if o.Min != nil && x < *o.Min {
		return fmt.Errorf("%v is below the minimum %v", x, *o.Min)
	}
	if o.Max != nil && x > *o.Max {
		return fmt.Errorf("%v is above the maximum %v", x, *o.Max)
	}
	return nil
}

// format renders a coerced value for the command line.
func format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// Schema returns the options as the form description of bgrender.
func (m *Manifest) Schema() []bgrender.OptionSpec {
	out := make([]bgrender.OptionSpec, 0, len(m.Options))
	for _, o := range m.Options {
		out = append(out, bgrender.OptionSpec{
			Name: o.Name, Label: o.Label, Type: o.Type, Default: o.Default,
			Choices: slices.Clone(o.Choices), Help: o.Help, Min: o.Min, Max: o.Max,
		})
	}
	return out
}

// PollFrequency is the manifest's poll interval.
func (m *Manifest) PollFrequency() time.Duration { return m.poll }

// StopGrace is the time between SIGTERM and SIGKILL when a render is stopped.
func (m *Manifest) StopGrace() time.Duration { return m.stopGrace }

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

// lineOf returns the 1-based line of the first occurrence of needle in src,
// or 0. TOML decoding keeps no positions for values, so errors found after
// decoding point at the first line that mentions the offending text.
func lineOf(src, needle string) int {
	if needle == "" {
		return 0
	}
	i := strings.Index(src, needle)
	if i < 0 {
		return 0
	}
	return strings.Count(src[:i], "\n") + 1
}
