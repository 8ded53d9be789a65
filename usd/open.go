package usd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/internal/usda"
	"github.com/rgallery/rgallery/usd/internal/usdz"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Resolver turns asset paths into readable files.
type Resolver interface {
	// Resolve returns the resolved path of assetPath written in the layer
	// at anchorLayerPath ("" for the root layer).
	Resolve(assetPath, anchorLayerPath string) (string, error)
	// Open reads a resolved path.
	Open(resolved string) (io.ReadCloser, error)
}

// ErrNotFound is wrapped by resolver errors for missing assets.
var ErrNotFound = errors.New("asset not found")

// FormatError reports a file that is not in the format it claims.
type FormatError struct {
	File string
	Msg  string
}

func (e *FormatError) Error() string { return e.File + ": " + e.Msg }

// FileResolver resolves relative asset paths against the directory of the
// anchoring layer, and package-relative paths inside usdz packages
// ("pkg.usdz[inner]"). Search paths are tried for paths that are neither
// absolute nor ./ or ../ relative and that are not found next to the anchor.
type FileResolver struct {
	SearchPaths []string

	mu   sync.Mutex
	pkgs map[string]*usdz.Package
}

// innermost splits a package path into its innermost package name (nested
// packages as "a.usdz[b.usdz]") and the entry inside it.
func innermost(p string) (pkg, entry string, ok bool) {
	pkg, entry, ok = usdz.SplitPackagePath(p)
	if !ok {
		return "", "", false
	}
	for {
		ip, ie, nested := usdz.SplitPackagePath(entry)
		if !nested {
			return pkg, entry, true
		}
		pkg = usdz.JoinPackagePath(pkg, ip)
		entry = ie
	}
}

// Resolve implements Resolver.
func (r *FileResolver) Resolve(asset, anchor string) (string, error) {
	if asset == "" {
		return "", fmt.Errorf("empty asset path")
	}
	// Inside a package: resolve to another entry of the (innermost) package.
	if pkg, inner, ok := innermost(anchor); ok && !filepath.IsAbs(asset) {
		if _, _, isPkg := usdz.SplitPackagePath(asset); isPkg {
			return "", fmt.Errorf("%s: package-relative paths into nested packages are not supported: %w", asset, ErrNotFound)
		}
		cand := path.Clean(path.Join(path.Dir(inner), asset))
		p, err := r.pkg(pkg)
		if err != nil {
			return "", err
		}
		if p.Has(cand) {
			return usdz.JoinPackagePath(pkg, cand), nil
		}
		// A search-path asset (not ./ or ../) not found next to its
		// anchoring layer is anchored to the package's root layer
		// (SdfComputeAssetPathRelativeToLayer).
		if !strings.HasPrefix(asset, ".") {
			if rl, err := p.RootLayer(); err == nil {
				if c := path.Clean(path.Join(path.Dir(rl), asset)); p.Has(c) {
					return usdz.JoinPackagePath(pkg, c), nil
				}
			}
		}
		return "", fmt.Errorf("%s in package %s: %w", asset, pkg, ErrNotFound)
	}
	if pkg, inner, ok := usdz.SplitPackagePath(asset); ok {
		res, err := r.Resolve(pkg, anchor)
		if err != nil {
			return "", err
		}
		return usdz.JoinPackagePath(res, inner), nil
	}
	var cands []string
	if filepath.IsAbs(asset) {
		cands = []string{asset}
	} else {
		dir := "."
		if anchor != "" {
			dir = filepath.Dir(anchor)
		}
		cands = append(cands, filepath.Join(dir, asset))
		if !strings.HasPrefix(asset, "./") && !strings.HasPrefix(asset, "../") {
			for _, sp := range r.SearchPaths {
				cands = append(cands, filepath.Join(sp, asset))
			}
		}
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			abs, err := filepath.Abs(c)
			if err != nil {
				return c, nil
			}
			return abs, nil
		}
	}
	abs, _ := filepath.Abs(cands[0])
	return abs, fmt.Errorf("%s: %w", abs, ErrNotFound)
}

// pkg returns the package at name: a file, or an entry of another package.
func (r *FileResolver) pkg(name string) (*usdz.Package, error) {
	r.mu.Lock()
	p := r.pkgs[name]
	r.mu.Unlock()
	if p != nil {
		return p, nil
	}
	var data []byte
	var err error
	if outer, inner, ok := innermost(name); ok {
		op, err := r.pkg(outer)
		if err != nil {
			return nil, err
		}
		if data, err = op.Read(inner); err != nil {
			return nil, err
		}
	} else if data, err = os.ReadFile(name); err != nil {
		return nil, err
	}
	p, err = usdz.Open(name, data)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.pkgs == nil {
		r.pkgs = map[string]*usdz.Package{}
	}
	r.pkgs[name] = p
	r.mu.Unlock()
	return p, nil
}

// Open implements Resolver.
func (r *FileResolver) Open(resolved string) (io.ReadCloser, error) {
	if pkg, inner, ok := innermost(resolved); ok {
		p, err := r.pkg(pkg)
		if err != nil {
			return nil, err
		}
		b, err := p.Read(inner)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	return os.Open(resolved)
}

// layerLoader reads and caches layers for one stage.
type layerLoader struct {
	mu     sync.Mutex // value clips load layers after Open, maybe concurrently
	res    Resolver
	layers map[string]*sdf.Layer
	errs   map[string]error
	order  []*sdf.Layer
}

func newLoader(res Resolver) *layerLoader {
	return &layerLoader{res: res, layers: map[string]*sdf.Layer{}, errs: map[string]error{}}
}

// Load implements pcp.LayerLoader.
func (l *layerLoader) Load(asset string, anchor *sdf.Layer) (*sdf.Layer, error) {
	anchorID := ""
	if anchor != nil {
		anchorID = anchor.Identifier
	}
	resolved, err := l.res.Resolve(asset, anchorID)
	if err != nil {
		return nil, err
	}
	return l.loadResolved(resolved)
}

func (l *layerLoader) loadResolved(resolved string) (*sdf.Layer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.loadLocked(resolved)
}

func (l *layerLoader) loadLocked(resolved string) (*sdf.Layer, error) {
	if ly := l.layers[resolved]; ly != nil {
		return ly, nil
	}
	if err := l.errs[resolved]; err != nil {
		return nil, err
	}
	if !hasLayerExtension(resolved) {
		err := &FormatError{File: resolved, Msg: "cannot determine file format: not a .usd, .usda, .usdc, .usdz or .sdf layer"}
		l.errs[resolved] = err
		return nil, err
	}
	ly, err := l.read(resolved)
	if err != nil {
		l.errs[resolved] = err
		return nil, err
	}
	l.layers[resolved] = ly
	l.order = append(l.order, ly)
	return ly, nil
}

func (l *layerLoader) read(resolved string) (*sdf.Layer, error) {
	rc, err := l.res.Open(resolved)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if f, ok := rc.(*os.File); ok {
		// Large text layers are parsed straight from a read-only mapping
		// (the parser copies what it keeps); everything else is read whole.
		if data, release, ok := mapFile(f); ok {
			if isText(data) {
				defer release()
				return usda.Parse(resolved, data)
			}
			release()
		}
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			data := make([]byte, st.Size())
			if _, err := io.ReadFull(f, data); err != nil {
				return nil, fmt.Errorf("read %s: %w", resolved, err)
			}
			return l.decode(resolved, data)
		}
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", resolved, err)
	}
	return l.decode(resolved, data)
}

// hasLayerExtension reports whether a layer path names a file format
// OpenUSD knows: SdfLayer finds the format by the extension alone
// (SdfFileFormat::FindByExtension, case-insensitive; usd-core 26.11
// registers usd, usda, usdc and usdz) and refuses any other with "Cannot
// determine file format" whatever the content (the Pcp test's
// cone.testpcpdynamic, a usda file). Inside a package the packaged path's
// extension counts ("a.usdz[b.usdc]", "a.usdz[b.usdz[c.usd]]").
func hasLayerExtension(resolved string) bool {
	p := resolved
	if strings.HasSuffix(p, "]") {
		// The innermost packaged path: "a.usdz[b.usdz[c.usd]]" is c.usd.
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			p = strings.TrimRight(p[i+1:], "]")
		}
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".usd", ".usda", ".usdc", ".usdz":
		return true
	case ".sdf":
		// SdfTextFileFormat (pxr/usd/sdf/plugInfo.json, extension "sdf"):
		// OpenUSD's own Pcp tests are .sdf layers. The usd-core wheel does
		// not register it; a full OpenUSD build does.
		return true
	}
	return false
}

func isText(data []byte) bool {
	t := bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	return bytes.HasPrefix(t, []byte("#usda")) || bytes.HasPrefix(t, []byte("#sdf"))
}

// decode reads a layer from its bytes, by content: crate, usdz or usda.
func (l *layerLoader) decode(resolved string, data []byte) (*sdf.Layer, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PXR-USDC")):
		return crate.Read(resolved, data)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		p, err := usdz.Open(resolved, data)
		if err != nil {
			return nil, err
		}
		root, err := p.RootLayer()
		if err != nil {
			return nil, err
		}
		return l.loadLocked(usdz.JoinPackagePath(resolved, root))
	case isText(data):
		return usda.Parse(resolved, data)
	}
	return nil, &FormatError{File: resolved, Msg: "not a USD file (no usda header, crate magic or zip signature)"}
}

// ReadLayer reads one layer file (usda, usdc or the root layer of a usdz)
// without composing it.
func ReadLayer(file string) (*sdf.Layer, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	return newLoader(&FileResolver{}).loadResolved(abs)
}
