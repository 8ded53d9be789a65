package sdf

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// SpecType says what a path of a layer holds. The numbers are the crate's.
type SpecType int

const (
	SpecUnknown            SpecType = 0
	SpecAttribute          SpecType = 1
	SpecConnection         SpecType = 2
	SpecExpression         SpecType = 3
	SpecMapper             SpecType = 4
	SpecMapperArg          SpecType = 5
	SpecPrim               SpecType = 6
	SpecPseudoRoot         SpecType = 7
	SpecRelationship       SpecType = 8
	SpecRelationshipTarget SpecType = 9
	SpecVariant            SpecType = 10
	SpecVariantSet         SpecType = 11
)

func (t SpecType) String() string {
	names := [...]string{"Unknown", "Attribute", "Connection", "Expression", "Mapper", "MapperArg",
		"Prim", "PseudoRoot", "Relationship", "RelationshipTarget", "Variant", "VariantSet"}
	if int(t) >= 0 && int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("SpecType(%d)", int(t))
}

// Field is one named value of a spec.
type Field struct {
	Name  string
	Value any
}

// Spec is what one layer says about one path.
type Spec struct {
	Type   SpecType
	Fields []Field
}

// Get returns the value of a field, decoding a Lazy value on first use.
// A field whose lazy value fails to decode reports false; GetErr says why.
func (s *Spec) Get(name string) (any, bool) {
	v, ok, err := s.GetErr(name)
	if err != nil {
		return nil, false
	}
	return v, ok
}

// GetErr is Get with the decoding error of a lazy value.
func (s *Spec) GetErr(name string) (any, bool, error) {
	if s == nil {
		return nil, false, nil
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			v := s.Fields[i].Value
			if lz, ok := v.(Lazy); ok {
				r, err := lz.Load()
				if err != nil {
					return nil, false, err
				}
				return r, true, nil
			}
			return v, true, nil
		}
	}
	return nil, false, nil
}

// Has reports whether the field is authored, without decoding it.
func (s *Spec) Has(name string) bool {
	if s == nil {
		return false
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return true
		}
	}
	return false
}

// Set sets a field, replacing an earlier value of the same name.
func (s *Spec) Set(name string, v any) {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			s.Fields[i].Value = v
			return
		}
	}
	s.Fields = append(s.Fields, Field{name, v})
}

// Tokens returns a []Token field ("primChildren", "properties", ...).
func (s *Spec) Tokens(name string) []Token {
	v, _ := s.Get(name)
	switch t := v.(type) {
	case []Token:
		return t
	case []string:
		out := make([]Token, len(t))
		for i, x := range t {
			out[i] = Token(x)
		}
		return out
	}
	return nil
}

// Layer is the content of one USD file.
type Layer struct {
	// Identifier is the path the layer was read from (absolute when opened
	// from disk; "pkg.usdz[inner.usdc]" for a layer inside a package).
	Identifier string
	// Format is "usda" or "usdc".
	Format string
	// Version is the usda header version ("1.0") or the crate version ("0.8.0").
	Version string
	Specs   map[string]*Spec
	// DecodeErrors holds values of the layer that failed to decode after
	// it was read (crate layers), and values refused while reading without
	// failing the layer (an ill-formed path expression, which usd-core
	// reads as the empty expression with an error); nil when there are none.
	DecodeErrors *ErrorLog
}

// NewLayer returns an empty layer with a pseudo-root spec.
func NewLayer(id string) *Layer {
	return &Layer{Identifier: id, Specs: map[string]*Spec{"/": {Type: SpecPseudoRoot}}}
}

// Spec returns the spec at path, or nil.
func (l *Layer) Spec(path string) *Spec { return l.Specs[path] }

// Root returns the pseudo-root spec, which holds the layer metadata.
func (l *Layer) Root() *Spec {
	s := l.Specs["/"]
	if s == nil {
		s = &Spec{Type: SpecPseudoRoot}
		l.Specs["/"] = s
	}
	return s
}

// Meta returns a layer metadata field.
func (l *Layer) Meta(name string) (any, bool) { return l.Root().Get(name) }

// DefaultPrim returns the defaultPrim metadata, or "".
func (l *Layer) DefaultPrim() string {
	v, _ := l.Meta("defaultPrim")
	switch t := v.(type) {
	case Token:
		return string(t)
	case string:
		return t
	}
	return ""
}

// SubLayers returns the sublayer asset paths with their offsets.
func (l *Layer) SubLayers() []SubLayer {
	v, _ := l.Meta("subLayers")
	var paths []string
	switch t := v.(type) {
	case []string:
		paths = t
	case []AssetPath:
		for _, a := range t {
			paths = append(paths, a.Authored)
		}
	}
	ov, _ := l.Meta("subLayerOffsets")
	offs, _ := ov.([]LayerOffset)
	out := make([]SubLayer, len(paths))
	for i, p := range paths {
		out[i] = SubLayer{AssetPath: p, Offset: IdentityOffset}
		if i < len(offs) {
			// As authored: a scale of 0 is a value (PcpLayerStack reports
			// it as an invalid offset), not a missing one.
			out[i].Offset = offs[i]
		}
	}
	return out
}

// Children returns the child prim names of the prim (or variant) at path.
func (l *Layer) Children(path string) []Token { return l.Specs[path].Tokens("primChildren") }

// SortedPaths returns all spec paths sorted, for deterministic output.
func (l *Layer) SortedPaths() []string {
	out := make([]string, 0, len(l.Specs))
	for p := range l.Specs {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Path helpers. Paths are strings in Sdf syntax: "/A/B", "/A.attr",
// "/A{set=variant}B", "/A.rel[/target]".

// AppendChild returns parent/child, handling the root and variant paths.
func AppendChild(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	if strings.HasSuffix(parent, "}") {
		return parent + name
	}
	return parent + "/" + name
}

// AppendProperty returns prim.name.
func AppendProperty(prim, name string) string { return prim + "." + name }

// AppendVariant returns prim{set=variant}.
func AppendVariant(prim, set, variant string) string {
	return prim + "{" + set + "=" + variant + "}"
}

// ParentPath returns the prim path that contains path ("/" for top-level
// prims). Variant selections are stripped from the result's tail only when
// path itself is a variant path.
func ParentPath(path string) string {
	if path == "/" || path == "" {
		return ""
	}
	if i := strings.LastIndexByte(path, '.'); i > strings.LastIndexAny(path, "/}") {
		return path[:i]
	}
	if strings.HasSuffix(path, "}") {
		return path[:strings.LastIndexByte(path, '{')]
	}
	i := strings.LastIndexAny(path, "/}")
	if i <= 0 {
		return "/"
	}
	if path[i] == '}' {
		return path[:i+1]
	}
	return path[:i]
}

// NameOf returns the last element of path: the prim or property name.
func NameOf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i > strings.LastIndexAny(path, "/}") {
		return path[i+1:]
	}
	i := strings.LastIndexAny(path, "/}")
	return path[i+1:]
}

// StripVariants removes every {set=sel} from path.
func StripVariants(path string) string {
	if strings.IndexByte(path, '{') < 0 {
		return path
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '{':
			depth++
			// A variant selection separates a prim from its child: keep a slash.
		case c == '}':
			depth--
			if i+1 < len(path) && path[i+1] != '.' && path[i+1] != '{' {
				b.WriteByte('/')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// HasPrefix reports whether path is prefix or lies beneath it in namespace.
func HasPrefix(path, prefix string) bool {
	if prefix == "/" {
		return strings.HasPrefix(path, "/")
	}
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	if len(path) == len(prefix) {
		return true
	}
	c := path[len(prefix)]
	return c == '/' || c == '.' || c == '{' || c == '['
}

// ReplacePrefix maps path from under oldPrefix to under newPrefix. ok is
// false if path is not under oldPrefix.
func ReplacePrefix(path, oldPrefix, newPrefix string) (string, bool) {
	if !HasPrefix(path, oldPrefix) {
		return "", false
	}
	rest := path[len(oldPrefix):]
	if oldPrefix == "/" {
		rest = path[1:]
		if rest == "" {
			return newPrefix, true
		}
		if newPrefix == "/" {
			return "/" + rest, true
		}
		return newPrefix + "/" + rest, true
	}
	if rest == "" {
		return newPrefix, true
	}
	if newPrefix == "/" {
		if rest[0] == '/' {
			return rest, true
		}
		return "", false
	}
	if strings.HasSuffix(newPrefix, "}") && rest[0] == '/' {
		return newPrefix + rest[1:], true
	}
	return newPrefix + rest, true
}

// MakeAbsolute resolves a relative path (with ../ and ./ elements, or a
// leading '.' for a property) against anchor, a prim path.
func MakeAbsolute(path, anchor string) string {
	if path == "" || path[0] == '/' {
		return path
	}
	if path == "." {
		// The reflexive relative path is the anchor itself (a path
		// expression's ".//" is the anchor and its descendants).
		return anchor
	}
	if path[0] == '.' && path[1] != '.' && path[1] != '/' {
		return anchor + path
	}
	cur := anchor
	rest := path
	for {
		switch {
		case strings.HasPrefix(rest, "../"):
			cur = ParentPath(cur)
			rest = rest[3:]
			continue
		case rest == "..":
			return ParentPath(cur)
		case strings.HasPrefix(rest, "./"):
			rest = rest[2:]
			continue
		}
		break
	}
	if rest == "" {
		return cur
	}
	if rest[0] == '.' {
		return cur + rest
	}
	return AppendChild(cur, rest)
}

// ErrorLog collects the errors met while decoding a layer's values after
// the layer was read (the crate reader decodes large values when first
// asked for): Spec.Get reports such a field as absent, and the error waits
// here, so that no value is lost without an error. Safe for concurrent
// use; a nil ErrorLog drops what is added.
type ErrorLog struct {
	mu   sync.Mutex
	errs []error
}

// Add records err.
func (e *ErrorLog) Add(err error) {
	if e == nil || err == nil {
		return
	}
	e.mu.Lock()
	e.errs = append(e.errs, err)
	e.mu.Unlock()
}

// Errors returns the errors recorded so far.
func (e *ErrorLog) Errors() []error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}
