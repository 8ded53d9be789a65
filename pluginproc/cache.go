package pluginproc

import (
	"encoding/json"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// discoveryCache remembers the labels each plugin file registers, keyed by
// its path, size and modification time, so that listing renderers does not
// start an interpreter per file. Successful loads are cached, and so is the
// verdict that an executable is not a plugin (a program that never answers
// the handshake would otherwise cost the handshake deadline on every
// listing). A broken Python file is retried every time, since what broke it
// (a missing module) may be fixed without touching the file. Several rgallery processes may
// share the file; it is rewritten whole with a rename, and a lost update
// only costs a rerun.
type discoveryCache struct {
	path string
}

const cacheVersion = 1

type cacheFile struct {
	Version int                   `json:"version"`
	Entries map[string]cacheEntry `json:"entries"` // by loader kind + "\x00" + absolute path
}

type cacheEntry struct {
	Size    int64    `json:"size"`
	ModTime int64    `json:"mtime_ns"`
	Runner  string   `json:"runner"` // interpreter and host version, or "exec"
	Labels  []string `json:"labels,omitempty"`
	Error   string   `json:"error,omitempty"` // why the file is not a plugin
}

// cacheMu serialises read-modify-write of the cache file within this
// process.
var cacheMu sync.Mutex

func cacheKey(kind, path string) string { return kind + "\x00" + path }

func (c discoveryCache) read() cacheFile {
	var f cacheFile
	b, err := os.ReadFile(c.path)
	if err == nil {
		err = json.Unmarshal(b, &f)
		if err != nil {
			slog.Warn("plugin cache unreadable; starting afresh", "file", c.path, "err", err)
		}
	}
	if err != nil || f.Version != cacheVersion || f.Entries == nil {
		f = cacheFile{Version: cacheVersion, Entries: map[string]cacheEntry{}}
	}
	return f
}

// lookup returns the cached entry of an unchanged file.
func (c discoveryCache) lookup(path string, info fs.FileInfo, kind, runner string) (cacheEntry, bool) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	e, ok := c.read().Entries[cacheKey(kind, path)]
	if !ok || e.Size != info.Size() || e.ModTime != info.ModTime().UnixNano() || e.Runner != runner ||
		(len(e.Labels) == 0 && e.Error == "") {
		return cacheEntry{}, false
	}
	return e, true
}

// store records the labels of a file, or (labels nil) why it is not a plugin.
func (c discoveryCache) store(path string, info fs.FileInfo, kind, runner string, labels []string, errMsg string) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	f := c.read()
	f.Entries[cacheKey(kind, path)] = cacheEntry{
		Size: info.Size(), ModTime: info.ModTime().UnixNano(), Runner: runner, Labels: labels, Error: errMsg,
	}
	// Forget files that are gone, so the cache does not grow forever.
	for k := range f.Entries {
		p := k[strings.IndexByte(k, 0)+1:]
		if _, err := os.Stat(p); err != nil {
			delete(f.Entries, k)
		}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return
	}
	if err := writeFileAtomic(c.path, b); err != nil {
		// A cache that cannot be written only makes listings slower.
		slog.Warn("plugin cache not written", "file", c.path, "err", err)
	}
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plugins-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}
