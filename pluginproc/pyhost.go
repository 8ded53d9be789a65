package pluginproc

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// pythonFS holds the Python host and the husd shim, written out to the cache
// directory on first use (the interpreter needs real files to import).
//
//go:embed python/host.py python/husd/__init__.py python/husd/backgroundrenderer.py
var pythonFS embed.FS

// pythonHostFiles returns the embedded files by their path under python/,
// and a hash of all of them that names their directory on disk.
func pythonHostFiles() (map[string][]byte, string, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(pythonFS, "python", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := pythonFS.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("python", p)
		files[rel] = b
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("embedded python host: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return files, hex.EncodeToString(h.Sum(nil))[:16], nil
}

// materializePythonHost makes sure the embedded host is on disk under
// cacheDir and returns the path of host.py. The directory is named by the
// content hash, so several rgallery versions can share a cache directory
// and a half-written copy is never used: files go to a temporary directory
// that is renamed into place.
func materializePythonHost(cacheDir string) (string, error) {
	files, sum, err := pythonHostFiles()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheDir, "pyhost-"+sum)
	hostPath := filepath.Join(dir, "host.py")
	if ok := sameFiles(dir, files); ok {
		return hostPath, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("python host: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".pyhost-")
	if err != nil {
		return "", fmt.Errorf("python host: %w", err)
	}
	for name, b := range files {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			_ = os.RemoveAll(tmp)
			return "", fmt.Errorf("python host: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			_ = os.RemoveAll(tmp)
			return "", fmt.Errorf("python host: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		// Another process won the race, or a damaged copy is in the way.
		if !sameFiles(dir, files) {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("python host: install into %s: %w", dir, err)
		}
	}
	return hostPath, nil
}

func sameFiles(dir string, files map[string][]byte) bool {
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			return false
		}
	}
	return true
}
