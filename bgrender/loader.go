package bgrender

import (
	"context"
	"io/fs"
	"sort"
	"sync"
)

// A Plugin is one renderer that a Loader found in a file on the search path.
type Plugin struct {
	Label   string
	File    string // the file it came from; "" for built-in renderers
	Kind    string // the loader's name: "builtin", "python", "command", "executable"
	Factory Factory
	// Schema, when not nil, describes the options without making a renderer.
	Schema []OptionSpec
}

// A Loader reads plugin files of one kind. Loaders register themselves with
// RegisterLoader from an init function, as database/sql drivers do; the
// discovery walks the search path and hands each file to the first loader
// that matches it.
type Loader interface {
	// Name names the kind of plugin, e.g. "python".
	Name() string
	// Match reports whether this loader reads the file.
	Match(path string, info fs.FileInfo) bool
	// Load returns the renderers that the file registers. An error is
	// reported against the file; other files are still loaded.
	Load(ctx context.Context, path string) ([]Plugin, error)
}

var (
	loadersMu sync.RWMutex
	loaders   = map[string]Loader{}
)

// RegisterLoader makes a loader available to discovery. It panics if a
// loader of the same name is registered twice, as database/sql.Register does.
func RegisterLoader(l Loader) {
	loadersMu.Lock()
	defer loadersMu.Unlock()
	if _, dup := loaders[l.Name()]; dup {
		panic("bgrender: RegisterLoader called twice for " + l.Name())
	}
	loaders[l.Name()] = l
}

// Loaders returns the registered loaders sorted by name.
func Loaders() []Loader {
	loadersMu.RLock()
	defer loadersMu.RUnlock()
	out := make([]Loader, 0, len(loaders))
	for _, l := range loaders {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}
