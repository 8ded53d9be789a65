package bgrender

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

var (
	builtinsMu sync.RWMutex
	builtins   []Plugin
)

// RegisterBuiltin makes a renderer compiled into the binary available to
// discovery, where it stands at the position of "&" in the search path. Call
// it from an init function. A second registration of a label panics.
func RegisterBuiltin(label string, f Factory, schema []OptionSpec) {
	builtinsMu.Lock()
	defer builtinsMu.Unlock()
	for _, b := range builtins {
		if b.Label == label {
			panic("bgrender: RegisterBuiltin called twice for " + label)
		}
	}
	builtins = append(builtins, Plugin{Label: label, Kind: "builtin", Factory: f, Schema: schema})
}

func builtinPlugins() []Plugin {
	builtinsMu.RLock()
	defer builtinsMu.RUnlock()
	out := append([]Plugin(nil), builtins...)
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// builtinMarker stands for the built-in renderers in an expanded search path.
const builtinMarker = "&"

// SearchPath returns the plugin search path: $RGALLERY_PLUGIN_PATH
// followed by $HOUDINI_HUSDPLUGINS_PATH, both lists in the system's form
// (filepath.ListSeparator: ":" on Linux and macOS, ";" on Windows, as
// Houdini reads its own path variables there), with "&" expanded to the
// user's config dir and the built-in renderers.
func SearchPath() []string {
	config, err := os.UserConfigDir()
	if err != nil {
		config = ""
	}
	return searchPath(os.Getenv, config, filepath.ListSeparator)
}

// searchPath is SearchPath for a given environment, config dir ("" if
// none) and list separator, so that both separators are tested anywhere.
func searchPath(getenv func(string) string, configDir string, sep rune) []string {
	def := []string{}
	if configDir != "" {
		def = append(def, filepath.Join(configDir, "rgallery"))
	}
	def = append(def, builtinMarker)
	expand := func(v string) []string {
		var out []string
		for _, e := range strings.Split(v, string(sep)) {
			switch e = strings.TrimSpace(e); e {
			case "":
			case "&":
				out = append(out, def...)
			default:
				out = append(out, e)
			}
		}
		return out
	}
	path := getenv("RGALLERY_PLUGIN_PATH")
	if path == "" {
		path = "&"
	}
	dirs := expand(path)
	if h := getenv("HOUDINI_HUSDPLUGINS_PATH"); h != "" {
		dirs = append(dirs, expand(h)...)
	}
	// The built-ins appear once, at their first position.
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		if seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	return out
}

// Override records a plugin file hidden by a same-named file earlier in the
// search path.
type Override struct {
	File string `json:"file"` // the hidden file
	By   string `json:"by"`   // the file that wins
}

// Duplicate records a renderer label registered again by a later file; the
// first registration (in path order) is kept.
type Duplicate struct {
	Label string `json:"label"`
	File  string `json:"file"` // where the ignored registration is
	Kept  string `json:"kept"` // where the kept one is ("" for built in)
}

// LoadError records a plugin file that could not be loaded.
type LoadError struct {
	File string `json:"file"`
	Err  string `json:"error"`
}

// Discovery is what a walk of the search path found.
type Discovery struct {
	Path       []string    `json:"path"`
	Plugins    []Plugin    `json:"-"`
	Overridden []Override  `json:"overridden"`
	Duplicates []Duplicate `json:"duplicates"`
	Errors     []LoadError `json:"errors"`
}

// pluginDirs are the directories searched below each search-path entry, so
// that an existing Houdini plugin dir works as it is.
var pluginDirs = []string{"backgroundrenderers", filepath.Join("husdplugins", "backgroundrenderers")}

// Discover walks the search path and loads every plugin file with the
// registered loaders. A file earlier in the path overrides a file of the
// same name later in it; a label registered twice keeps its first
// registration and reports the second.
func Discover(ctx context.Context, path []string) Discovery {
	d := Discovery{Path: path}
	winners := map[string]string{} // base name → file
	type found struct {
		file   string
		loader Loader
	}
	var files []found
	for _, entry := range path {
		if entry == builtinMarker {
			files = append(files, found{file: builtinMarker})
			continue
		}
		for _, sub := range pluginDirs {
			dir := filepath.Join(entry, sub)
			ents, err := os.ReadDir(dir)
			if err != nil {
				continue // a missing dir is normal on a search path
			}
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "__") {
					continue
				}
				file := filepath.Join(dir, e.Name())
				info, err := os.Stat(file)
				if err != nil || info.IsDir() {
					continue
				}
				var loader Loader
				for _, l := range Loaders() {
					if l.Match(file, info) {
						loader = l
						break
					}
				}
				if loader == nil {
					continue
				}
				if by, hidden := winners[e.Name()]; hidden {
					d.Overridden = append(d.Overridden, Override{File: file, By: by})
					continue
				}
				winners[e.Name()] = file
				files = append(files, found{file: file, loader: loader})
			}
		}
	}
	labels := map[string]string{}
	add := func(p Plugin) {
		if kept, dup := labels[p.Label]; dup {
			d.Duplicates = append(d.Duplicates, Duplicate{Label: p.Label, File: orBuiltin(p.File), Kept: kept})
			return
		}
		labels[p.Label] = orBuiltin(p.File)
		d.Plugins = append(d.Plugins, p)
	}
	for _, f := range files {
		if f.file == builtinMarker {
			for _, p := range builtinPlugins() {
				add(p)
			}
			continue
		}
		ps, err := f.loader.Load(ctx, f.file)
		if err != nil {
			d.Errors = append(d.Errors, LoadError{File: f.file, Err: err.Error()})
			continue
		}
		if len(ps) == 0 {
			d.Errors = append(d.Errors, LoadError{File: f.file, Err: "registers no renderer"})
		}
		for _, p := range ps {
			if p.File == "" {
				p.File = f.file
			}
			if p.Kind == "" {
				p.Kind = f.loader.Name()
			}
			add(p)
		}
	}
	return d
}

// AddDiscovered registers every plugin of a discovery with the manager.
func (m *Manager) AddDiscovered(d Discovery) error {
	for _, p := range d.Plugins {
		if err := m.Add(p); err != nil {
			return fmt.Errorf("add discovered renderer: %w", err)
		}
	}
	return nil
}
