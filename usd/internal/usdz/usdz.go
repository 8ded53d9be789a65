// Package usdz reads USDZ packages: zip archives whose entries are stored
// (not compressed). The first file in the archive is the root layer and
// must be a USD layer (pxr/usd/usd/usdzFileFormat.cpp); assets inside
// resolve relative to the package.
//
// It does not write packages and does not check the 64-byte alignment
// rule (it reads unaligned packages too).
package usdz

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// Package is an opened usdz archive held in memory.
type Package struct {
	Name    string
	entries map[string]*zip.File
	order   []string
	first   string // the entry whose local header comes first in the file
}

// MaxEntry bounds the size of one entry that Read will return.
const MaxEntry = 4 << 30

// Open parses a package from its bytes.
func Open(name string, data []byte) (*Package, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a usdz package: %w", name, err)
	}
	p := &Package{Name: name, entries: map[string]*zip.File{}}
	firstAt := int64(-1)
	for _, f := range zr.File {
		n := path.Clean(f.Name)
		// UsdZipFile walks the local file headers from the start of the
		// file: the first file is the one stored first, whatever order
		// the central directory lists them in.
		if at, err := f.DataOffset(); err == nil && (firstAt < 0 || at < firstAt) {
			firstAt, p.first = at, n
		}
		if _, dup := p.entries[n]; dup {
			continue
		}
		p.entries[n] = f
		p.order = append(p.order, n)
	}
	if p.first == "" && len(p.order) > 0 {
		p.first = p.order[0]
	}
	return p, nil
}

// RootLayer returns the name of the package's first file, which must be
// a USD layer (usd, usda, usdc, or a nested usdz whose own first file is
// then the root), as OpenUSD's UsdUsdzFileFormat reads a package: it takes
// the first file of the archive and finds its file format by extension
// (SdfFileFormat::FindByExtension, case-insensitive); a package whose
// first file is an image or anything else does not open.
func (p *Package) RootLayer() (string, error) {
	if p.first == "" {
		return "", fmt.Errorf("%s: package is empty", p.Name)
	}
	n := p.first
	switch strings.ToLower(path.Ext(n)) {
	case ".usd", ".usda", ".usdc", ".usdz":
		return n, nil
	}
	return "", fmt.Errorf("%s: the package's first file %q is not a USD layer (a usdz opens by its first file)", p.Name, n)
}

// Has reports whether the package has an entry.
func (p *Package) Has(name string) bool { _, ok := p.entries[path.Clean(name)]; return ok }

// Entries lists the entry names in archive order.
func (p *Package) Entries() []string { return append([]string(nil), p.order...) }

// Read returns the bytes of an entry.
func (p *Package) Read(name string) ([]byte, error) {
	f, ok := p.entries[path.Clean(name)]
	if !ok {
		return nil, fmt.Errorf("%s: no entry %q in package", p.Name, name)
	}
	if f.UncompressedSize64 > MaxEntry {
		return nil, fmt.Errorf("%s[%s]: entry too large (%d bytes)", p.Name, name, f.UncompressedSize64)
	}
	// usdz entries are stored; a compressed one that claims to expand
	// enormously is refused rather than inflated.
	if f.Method != zip.Store && f.UncompressedSize64 > 1024*f.CompressedSize64+1<<20 {
		return nil, fmt.Errorf("%s[%s]: compressed entry claims %d bytes from %d", p.Name, name, f.UncompressedSize64, f.CompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s[%s]: %w", p.Name, name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%s[%s]: %w", p.Name, name, err)
	}
	return b, nil
}

// SplitPackagePath splits "a.usdz[b/c.usda]" into "a.usdz" and
// "b/c.usda". Nested packages nest brackets: "a.usdz[b.usdz[c.usda]]".
func SplitPackagePath(p string) (pkg, inner string, ok bool) {
	if !strings.HasSuffix(p, "]") {
		return "", "", false
	}
	i := strings.IndexByte(p, '[')
	if i < 0 {
		return "", "", false
	}
	return p[:i], p[i+1 : len(p)-1], true
}

// JoinPackagePath is the inverse of SplitPackagePath; joining into a path
// that is already inside a package nests the brackets.
func JoinPackagePath(pkg, inner string) string {
	if outer, in, ok := SplitPackagePath(pkg); ok {
		return outer + "[" + JoinPackagePath(in, inner) + "]"
	}
	return pkg + "[" + inner + "]"
}
