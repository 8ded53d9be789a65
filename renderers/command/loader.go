package command

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/rgallery/rgallery/bgrender"
)

func init() { bgrender.RegisterLoader(Loader{}) }

// Loader reads renderer manifests (*.toml) found on the plugin path.
type Loader struct{}

// Name returns "command".
func (Loader) Name() string { return "command" }

// Match accepts regular files named *.toml.
func (Loader) Match(path string, info fs.FileInfo) bool {
	return info != nil && info.Mode().IsRegular() && strings.EqualFold(filepath.Ext(path), ".toml")
}

// Load reads and validates one manifest; a manifest defines one renderer.
func (Loader) Load(_ context.Context, path string) ([]bgrender.Plugin, error) {
	m, err := ReadManifest(path)
	if err != nil {
		return nil, err
	}
	return []bgrender.Plugin{{
		Label:   m.Label,
		File:    path,
		Kind:    "command",
		Factory: m.Factory(),
		Schema:  m.Schema(),
	}}, nil
}
