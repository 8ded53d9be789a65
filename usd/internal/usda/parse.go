package usda

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/sdf"
)

// MaxSize is the largest usda file Parse accepts.
const MaxSize = 2 << 30

// Parse reads a usda layer from src. name is used in errors and becomes
// the layer identifier.
func Parse(name string, src []byte) (layer *sdf.Layer, err error) {
	p := &parser{scanner: scanner{src: src, file: name}}
	p.layer = sdf.NewLayer(name)
	p.layer.Format = "usda"
	if err := p.header(); err != nil {
		return nil, err
	}
	if err := p.layerBody(); err != nil {
		return nil, err
	}
	if len(p.valueErrs) > 0 {
		p.layer.DecodeErrors = &sdf.ErrorLog{}
		for _, e := range p.valueErrs {
			p.layer.DecodeErrors.Add(e)
		}
	}
	return p.layer, nil
}

type parser struct {
	scanner
	layer *sdf.Layer
	depth int
}

func (p *parser) header() error {
	src := p.src
	if bytes.HasPrefix(src, []byte{0xEF, 0xBB, 0xBF}) {
		p.pos = 3
	}
	line := src[p.pos:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, "\r \t")
	var version string
	// The version is the first word after the cookie: usd-core 26.11
	// reads "#usda 1.0 junk" and refuses "#usda 1.0junk".
	switch {
	case bytes.HasPrefix(line, []byte("#usda ")):
		version, _, _ = strings.Cut(strings.TrimLeft(string(line[6:]), " \t"), " ")
	case bytes.HasPrefix(line, []byte("#sdf ")):
		version, _, _ = strings.Cut(strings.TrimLeft(string(line[5:]), " \t"), " ")
	default:
		return p.errAt(p.pos, "not a usda file: expected a '#usda 1.0' header line")
	}
	if version == "" || !(version[0] >= '0' && version[0] <= '9') {
		return p.errAt(p.pos, "bad usda header version %q", version)
	}
	if bytes.HasPrefix(line, []byte("#usda ")) {
		if err := checkUsdaVersion(version); err != nil {
			return p.errAt(p.pos, "%v", err)
		}
	}
	p.layer.Version = version
	p.skipLine()
	return nil
}

func (p *parser) layerBody() error {
	root := p.layer.Root()
	if p.peek() == '(' {
		p.pos++
		if err := p.metadataList(root, "/", metaLayer); err != nil {
			return err
		}
	}
	return p.primList(root, "/", 0)
}

// primList parses prim statements (and, inside prims, property and
// variantSet statements) until '}' or EOF at the top level.
func (p *parser) primList(parent *sdf.Spec, parentPath string, level int) error {
	var children []sdf.Token
	var props []sdf.Token
	var seen, seenProp map[string]bool // duplicate checks without quadratic scans
	for {
		c := p.peek()
		if c == 0 {
			if level > 0 {
				return p.errf("unexpected end of file: missing '}'")
			}
			break
		}
		if c == '}' {
			if level == 0 {
				return p.errf("unexpected '}'")
			}
			break
		}
		start := p.pos
		word := string(p.peekIdent())
		// Statement ends (Sdf's text grammar, usd-core 26.11): a prim
		// ends with its '}' and a line break; other statements with one
		// ';' or a line break, also before the body's closing '}'.
		prim := word == "def" || word == "over" || word == "class"
		switch word {
		case "def", "over", "class":
			name, err := p.prim(parentPath)
			if err != nil {
				return err
			}
			if seen[name] {
				return p.errAt(start, "duplicate prim %q", name)
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[name] = true
			children = append(children, sdf.Token(name))
		case "variantSet":
			if level == 0 {
				return p.errAt(start, "variantSet outside of a prim")
			}
			if err := p.variantSet(parent, parentPath); err != nil {
				return err
			}
		case "reorder":
			p.ident(false)
			if level == 0 {
				// "reorder rootPrims = [...]" orders the layer's root prims.
				if string(p.peekIdent()) != "rootPrims" {
					return p.errAt(start, "reorder outside of a prim")
				}
				p.ident(false)
				if err := p.expect('='); err != nil {
					return err
				}
				list, err := p.tokenList()
				if err != nil {
					return err
				}
				parent.Set("primOrder", list)
				break
			}
			if w := string(p.peekIdent()); w != "nameChildren" && w != "properties" {
				// "reorder rel r = [...]" or "reorder T a.connect": a
				// property statement with a reorder list op.
				p.pos = start
				if err := p.propertyStatement(parentPath, &seenProp, &props); err != nil {
					return err
				}
				break
			}
			what := p.ident(false)
			if err := p.expect('='); err != nil {
				return err
			}
			list, err := p.tokenList()
			if err != nil {
				return err
			}
			switch what {
			case "nameChildren":
				parent.Set("primOrder", list)
			case "properties":
				parent.Set("propertyOrder", list)
			default:
				return p.errAt(start, "expected 'reorder nameChildren' or 'reorder properties'")
			}
		case "":
			return p.errf("expected a prim or property, found %s", p.describe())
		default:
			if level == 0 {
				return p.errAt(start, "expected 'def', 'over' or 'class', found %s", p.describe())
			}
			if err := p.propertyStatement(parentPath, &seenProp, &props); err != nil {
				return err
			}
		}
		if err := p.statementEnd(prim); err != nil {
			return err
		}
	}
	if len(children) > 0 {
		parent.Set("primChildren", children)
	}
	if len(props) > 0 {
		parent.Set("properties", props)
	}
	return nil
}

// statementEnd consumes the end of a statement in a prim body or at the
// top level: after a prim, a line break (or the end of the file); after
// any other statement, one ';' or a line break.
func (p *parser) statementEnd(prim bool) error {
	p.skipSpace()
	nl := p.newlineBefore()
	if p.eof() {
		return nil
	}
	if prim {
		if !nl {
			return p.errf("expected a line break after the prim's '}', found %s", p.describe())
		}
		return nil
	}
	if p.accept(';') || nl {
		return nil
	}
	return p.errf("expected ';' or a line break after the statement, found %s", p.describe())
}

// tokenList parses a NameList: a string or a non-empty list of strings
// (usd-core 26.11 refuses "reorder properties = []").
func (p *parser) tokenList() ([]sdf.Token, error) {
	if c := p.peek(); c == '"' || c == '\'' {
		s, err := p.str()
		return []sdf.Token{sdf.Token(s)}, err
	}
	if err := p.opListAhead("reorder", "names"); err != nil || p.wordAhead("None") {
		return nil, p.errf("expected a string or a non-empty list of strings, found %s", p.describe())
	}
	return arrayOf(&p.scanner, func() (sdf.Token, error) { s, err := p.str(); return sdf.Token(s), err })
}

func (p *parser) prim(parentPath string) (string, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth*4 {
		return "", p.errf("prims nested too deeply")
	}
	spec := &sdf.Spec{Type: sdf.SpecPrim}
	specifier := p.ident(false)
	switch specifier {
	case "def":
		spec.Set("specifier", sdf.SpecifierDef)
	case "over":
		spec.Set("specifier", sdf.SpecifierOver)
	case "class":
		spec.Set("specifier", sdf.SpecifierClass)
	}
	// PrimSpec: the specifier, a TokenSeparator, an optional type name and
	// another TokenSeparator, then the quoted name.
	if err := p.tokenSeparator("'" + specifier + "'"); err != nil {
		return "", err
	}
	if isIdentStart(p.peek()) {
		tn := p.ident(true)
		for p.pos < len(p.src) && p.src[p.pos] == '.' { // dotted type names
			p.pos++
			tn += "." + p.ident(true)
		}
		if err := p.tokenSeparator("the prim type name"); err != nil {
			return "", err
		}
		spec.Set("typeName", sdf.Token(tn))
	}
	nameStart := p.pos
	name, err := p.str()
	if err != nil {
		return "", p.errAt(nameStart, "expected the prim name as a quoted string, found %s", p.describe())
	}
	if !validIdent(name) {
		return "", p.errAt(nameStart, "invalid prim name %q", name)
	}
	path := sdf.AppendChild(parentPath, name)
	if p.peek() == '(' {
		p.pos++
		if err := p.metadataList(spec, path, metaPrim); err != nil {
			return "", err
		}
	}
	if err := p.expect('{'); err != nil {
		return "", err
	}
	p.layer.Specs[path] = spec
	if err := p.primList(spec, path, 1); err != nil {
		return "", err
	}
	if err := p.expect('}'); err != nil {
		return "", err
	}
	return name, nil
}

// validIdent is SdfPath's identifier rule for prim names (usd-core 26.11
// refuses "㤼01৪∫": '∫' is neither XID_Start nor XID_Continue;
// testSdfParsing 218).
func validIdent(s string) bool { return sdf.IsValidIdentifier(s) }

func (p *parser) variantSet(prim *sdf.Spec, primPath string) error {
	p.ident(false)
	// VariantSetStatement: variantSet TokenSeparator String.
	if err := p.tokenSeparator("'variantSet'"); err != nil {
		return err
	}
	nameStart := p.pos
	setName, err := p.str()
	if err != nil {
		return err
	}
	if !validVariantName(setName) {
		// The set name is checked as a variant name (usd-core 26.11
		// refuses "v:w", reads "1v").
		return p.errAt(nameStart, "%q is not a valid variant set name", setName)
	}
	if err := p.expect('='); err != nil {
		return err
	}
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		// usd-core 26.11 refuses a variantSet statement with no variant.
		return p.errf("variantSet %q has no variant", setName)
	}
	setPath := primPath + "{" + setName + "=}"
	setSpec := p.layer.Specs[setPath]
	if setSpec == nil {
		setSpec = &sdf.Spec{Type: sdf.SpecVariantSet}
		p.layer.Specs[setPath] = setSpec
		sets := prim.Tokens("variantSetChildren")
		prim.Set("variantSetChildren", append(append([]sdf.Token(nil), sets...), sdf.Token(setName)))
	}
	var variants []sdf.Token
	for {
		if p.accept('}') {
			break
		}
		vstart := p.pos
		vname, err := p.str()
		if err != nil {
			return err
		}
		if !validVariantName(vname) {
			return p.errAt(vstart, "%q is not a valid variant name", vname)
		}
		if vname == "" {
			// An empty variant name would share the set's path ({v=}).
			// usd-core 26.11 reads the layer but silently drops the whole
			// variant set; refusing it keeps that loss visible.
			return p.errAt(vstart, "variant name is empty in variantSet %q", setName)
		}
		vpath := sdf.AppendVariant(primPath, setName, vname)
		vspec := &sdf.Spec{Type: sdf.SpecVariant}
		if p.peek() == '(' {
			p.pos++
			if err := p.metadataList(vspec, vpath, metaPrim); err != nil {
				return err
			}
		}
		if err := p.expect('{'); err != nil {
			return err
		}
		p.layer.Specs[vpath] = vspec
		if err := p.primList(vspec, vpath, 1); err != nil {
			return err
		}
		if err := p.expect('}'); err != nil {
			return err
		}
		variants = append(variants, sdf.Token(vname))
	}
	setSpec.Set("variantChildren", append(setSpec.Tokens("variantChildren"), variants...))
	return nil
}

// pathList parses <p>, [<p>, ...] or None, making paths absolute. A
// relative path that climbs above the root is refused (SdfPath::
// MakeAbsolutePath gives no path for it).
func (p *parser) pathList(anchor string) ([]string, bool, error) {
	paths, _, none, err := p.pathListAuthored(anchor)
	return paths, none, err
}

// pathListAuthored is pathList that also returns the paths as authored.
func (p *parser) pathListAuthored(anchor string) (paths, authored []string, none bool, err error) {
	one := func() (string, error) {
		start := p.pos
		s, err := p.path()
		if err != nil {
			return "", err
		}
		authored = append(authored, s)
		if climbsAboveRoot(s, anchor) {
			return "", p.errAt(start, "<%s> climbs above the root from <%s>", s, anchor)
		}
		if s == "" || s[0] == '/' {
			return s, nil
		}
		// Relative paths are anchored at the prim that holds them, in
		// its layer's namespace, variant selections included
		// (SdfPath::MakeAbsolutePath in the text parser): "../G" from
		// /A{v=x}R is /A{v=x}G, "../../X" is /A/X.
		return sdf.MakeAbsolute(s, anchor), nil
	}
	switch p.peek() {
	case '<':
		s, err := one()
		return []string{s}, authored, false, err
	case '[':
		out, err := arrayOf(&p.scanner, one)
		return out, authored, false, err
	}
	if p.keyword("None") {
		return nil, nil, true, nil
	}
	return nil, nil, false, p.errf("expected a path or a list of paths, found %s", p.describe())
}

// climbsAboveRoot reports whether relative path s has more leading ".."
// elements than anchor has parents (a variant selection is a level of its
// own: the parent of /A{v=x}R is /A{v=x}, whose parent is /A).
func climbsAboveRoot(s, anchor string) bool {
	n := 0
	for strings.HasPrefix(s, "..") && (len(s) == 2 || s[2] == '/') {
		n++
		s = strings.TrimPrefix(s[2:], "/")
	}
	levels := 0
	for a := anchor; a != "/" && a != ""; a = sdf.ParentPath(a) {
		levels++
	}
	return n > levels
}

func absPath(s, anchor string) string {
	if s == "" || s[0] == '/' {
		return s
	}
	return sdf.MakeAbsolute(s, sdf.StripVariants(anchor))
}

func (p *parser) pathListOp(spec *sdf.Spec, field, op, anchor string) error {
	start := p.pos
	paths, authored, none, err := p.pathListAuthored(anchor)
	if err != nil {
		return err
	}
	for i, x := range paths {
		if x == "" || x == "/" || strings.HasSuffix(x, ".expression") {
			// usd-core 26.11: "'' is not a valid prim or property scene
			// path" (connections), "Relationship target paths must be
			// absolute prim, property or mapper paths" (rel r = <>,
			// <..> from a root prim, </x.c.expression>).
			return p.errAt(start, "<%s> is not a valid %s path: a target is a prim, property or mapper path", x, map[string]string{"connectionPaths": "connection", "targetPaths": "target"}[field])
		}
		// Target and connection paths are scene paths: no variant
		// selections (usd-core 26.11, testSdfParsing 181, 182) ...
		if strings.ContainsRune(x, '{') {
			if field == "connectionPaths" && !strings.ContainsRune(authored[i], '{') {
				// ... but a relative connection that the variant it
				// is authored in made variant-qualified has the
				// selection stripped (textFileFormatParser.cpp: "variant
				// selections are not meaningful in connection paths").
				paths[i] = sdf.StripVariants(x)
				continue
			}
			return p.errAt(start, "<%s> is not a valid target path: it contains a variant selection (relationship target paths cannot contain variant selections)", x)
		}
	}
	var lo sdf.PathListOp
	if v, ok := spec.Get(field); ok {
		lo, _ = v.(sdf.PathListOp)
	}
	what := map[string]string{"connectionPaths": "connection paths", "targetPaths": "relationship targets"}[field]
	if what == "" {
		what = field
	}
	if err := setArcListOp(&lo, what, op, paths, none); err != nil {
		return p.errAt(start, "%v", err)
	}
	spec.Set(field, lo)
	return nil
}

// setArcListOp is setListOp for the list ops of arcs and paths
// (inherits, specializes, references, payload, relationship targets,
// connections): None or an empty list is only allowed as the explicit
// list, not as a list edit (sdf/textParserHelpers.cpp: "Setting ... to
// None (or an empty list) is only allowed when setting explicit ...").
func setArcListOp[T any](lo *sdf.ListOp[T], what, op string, items []T, none bool) error {
	if op != "" && len(items) == 0 {
		return fmt.Errorf("setting %s to None (or an empty list) is only allowed when setting explicit %s, not for list editing (%s)", what, what, op)
	}
	if err := noDuplicates(what, items); err != nil {
		return err
	}
	return setListOp(lo, op, items, none)
}

// noDuplicates refuses a list-op item list with an item twice, as
// SdfListOp::SetItems does for the text parser ("Duplicate items exist
// for field"): references, payloads, inherits, specializes, variant set
// names, relationship targets and connections.
func noDuplicates[T any](what string, items []T) error {
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		k := fmt.Sprintf("%#v", it)
		if seen[k] {
			return fmt.Errorf("duplicate items exist for field %s: %v", what, it)
		}
		seen[k] = true
	}
	return nil
}

// checkUsdaVersion checks the version of a '#usda' header as
// Sdf_TextFileFormatParser does: two or three numeric parts, from 1.0 to
// the newest version usd-core 26.11 writes, 1.4 ("1.4.1" is newer). Each
// part is an unsigned 8-bit decimal (SdfFileVersion::FromString reads
// them with std::from_chars into uint8_t: no sign, at most 255), so
// "1.0.256" and "1.-0" do not parse.
func checkUsdaVersion(v string) error {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("unable to parse layer version from %q", v)
	}
	var n [3]int
	for i, s := range parts {
		x, err := strconv.ParseUint(s, 10, 8)
		if err != nil {
			return fmt.Errorf("unable to parse layer version from %q", v)
		}
		n[i] = int(x)
	}
	switch {
	case n[0] < 1:
		return fmt.Errorf("cannot parse layer version %q: the minimum supported version is 1.0", v)
	case n[0] > 1 || n[1] > 4 || (n[1] == 4 && n[2] > 0):
		return fmt.Errorf("cannot parse layer version %q: the maximum supported version is 1.4", v)
	}
	return nil
}

func setListOp[T any](lo *sdf.ListOp[T], op string, items []T, none bool) error {
	switch op {
	case "":
		lo.Explicit = true
		lo.Items = items
		if lo.Items == nil {
			lo.Items = []T{}
		}
	case "add":
		lo.Added = items
	case "prepend":
		lo.Prepended = items
	case "append":
		lo.Appended = items
	case "delete":
		lo.Deleted = items
	case "reorder":
		lo.Ordered = items
	default:
		return fmt.Errorf("unknown list op %q", op)
	}
	return nil
}

func (p *parser) timeSamples(vt valueType, array bool) (*sdf.TimeSamples, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	ts := &sdf.TimeSamples{}
	for {
		if p.accept('}') {
			return ts, nil
		}
		t, err := p.float(64)
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		if string(p.peekIdent()) == "AnimationBlock" {
			// TimeSample: None or a TypedValue (usd-core 26.11 refuses an
			// AnimationBlock there).
			return nil, p.errf("a time sample cannot be AnimationBlock")
		}
		var v any
		if p.peek() == '<' {
			// A path reference is a TypedValue of its own: usd-core 26.11
			// keeps "{1: </A>}" on a float attribute as authored.
			s, err := p.path()
			if err != nil {
				return nil, err
			}
			v = s
		} else {
			// Any other sample is read as the attribute's type (usd-core
			// 26.11 refuses "{1: \"x\"}" or "{1: (1, 2)}" on a float).
			x, err := p.value(vt, array, 0)
			if err != nil {
				return nil, err
			}
			v = x
		}
		ts.Times = append(ts.Times, t)
		ts.Values = append(ts.Values, v)
		if !p.accept(',') {
			if err := p.expect('}'); err != nil {
				return nil, err
			}
			ts.Sort()
			return ts, nil
		}
	}
}

// spline reads a .spline block (SplineValue in OpenUSD 26.11's text
// grammar) into the representation the crate reader gives
// (crate.parseSplineData): Extra "curveType", "preExtrapolation" and
// "postExtrapolation" (with "preSlope"/"postSlope"), "loops"
// (crate.SplineLoops), "knotData" ([]crate.SplineKnotData) and
// "knotCustomData", so that crate.EvalSpline evaluates it as Ts does. A
// knot is "time: [preValue &] value" then its parameters: "pre (width,
// slope)" ("pre (slope)" in a hermite spline), "post held|linear|none|curve
// [(width, slope)]" and a custom data dictionary. A knot without a post
// item is held (TsKnot's default), missing tangents are (0, 0) and a
// missing extrapolation is held.
func (p *parser) spline(typeName string) (*sdf.Spline, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	sp := &sdf.Spline{Type: typeName, Extra: map[string]any{}}
	curveType := "bezier"
	var knots []crate.SplineKnotData
	custom := map[float64]map[string]any{}
	for {
		c := p.peek()
		switch {
		case c == '}':
			p.pos++
			return finishSpline(sp, curveType, knots, custom), nil
		case c == ',' || c == ';':
			p.pos++
		case c == 0:
			return nil, p.errf("unterminated spline")
		case c == '-' || c == '.' || c >= '0' && c <= '9':
			k, dict, err := p.splineKnot(typeName, curveType)
			if err != nil {
				return nil, err
			}
			// TsSpline::SetKnot: a knot at the time of an earlier one
			// replaces it.
			replaced := false
			for i := range knots {
				if knots[i].Time == k.Time {
					knots[i], replaced = k, true
				}
			}
			if !replaced {
				knots = append(knots, k)
			}
			delete(custom, k.Time)
			if dict != nil {
				custom[k.Time] = dict
			}
		case isIdentStart(c):
			kstart := p.pos
			key := p.ident(true)
			if p.accept(':') {
				vstart := p.pos
				v, err := p.anyValueUntilComma()
				if err != nil {
					return nil, err
				}
				if err := splineItem(sp, key, v.(string)); err != nil {
					return nil, p.errAt(vstart, "%v", err)
				}
			} else {
				if key != "bezier" && key != "hermite" {
					// SplineCurveTypeItem: bezier or hermite.
					return nil, p.errAt(kstart, "unknown spline item %q (a curve type is bezier or hermite)", key)
				}
				if len(knots) > 0 {
					return nil, p.errAt(kstart, "spline curve type %s after its knots", key)
				}
				curveType = key
			}
		default:
			return nil, p.errf("unexpected %s in spline", p.describe())
		}
	}
}

// finishSpline sorts the knots by time and stores everything in Extra.
// Unlike its crate reader, OpenUSD 26.11's text reader does not
// de-regress Bezier tangents as it reads them (only evaluation does):
// TestOracleCrateSplines' usda half differs at 6 of 200 splines if it
// did here.
func finishSpline(sp *sdf.Spline, curveType string, knots []crate.SplineKnotData, custom map[float64]map[string]any) *sdf.Spline {
	sort.SliceStable(knots, func(i, j int) bool { return knots[i].Time < knots[j].Time })
	sp.Extra["curveType"] = curveType
	for _, k := range []string{"preExtrapolation", "postExtrapolation"} {
		if _, ok := sp.Extra[k]; !ok {
			sp.Extra[k] = "held"
		}
	}
	if knots == nil {
		knots = []crate.SplineKnotData{}
	}
	sp.Extra["knotData"] = knots
	if len(custom) > 0 {
		sp.Extra["knotCustomData"] = custom
	}
	sp.Knots = sp.Knots[:0]
	for _, k := range knots {
		sp.Knots = append(sp.Knots, sdf.SplineKnot{Time: k.Time, Value: k.Value})
	}
	return sp
}

// splineKnot reads one knot (SplineKnotItem) and its parameters.
func (p *parser) splineKnot(typeName, curveType string) (crate.SplineKnotData, map[string]any, error) {
	k := crate.SplineKnotData{NextInterp: "held", CurveType: curveType}
	var dict map[string]any
	t, err := p.float(64)
	if err != nil {
		return k, nil, err
	}
	k.Time = t
	if err := p.expect(':'); err != nil {
		return k, nil, err
	}
	v, err := p.splineNumber(typeName, t)
	if err != nil {
		return k, nil, err
	}
	k.Value, k.PreValue = v, v
	if save := p.pos; !p.accept('&') {
		p.pos = save // the blanks after the value tell whether parameters follow
	} else { // dual-valued knot: "preValue & value"
		post, err := p.splineNumber(typeName, t)
		if err != nil {
			return k, nil, err
		}
		k.Value, k.DualValued = post, true
	}
	// SplineKnotParamList: a ';' or a line break after the value starts
	// the knot's parameters (pre, post or a dictionary), which must follow
	// (usd-core 26.11 refuses "1: 2" then a line break and '}', and "1: 2;").
	if err := p.knotParamsAhead(t); err != nil {
		return k, nil, err
	}
	for {
		c := p.peek()
		switch {
		case c == ';':
			p.pos++
			continue
		case c == '{':
			d, err := p.dictionary(0)
			if err != nil {
				return k, nil, fmt.Errorf("spline knot at %v: custom data: %w", t, err)
			}
			dict = d
			continue
		case p.wordAhead("pre"):
			p.ident(false)
			w, s, algo, err := p.splineTangent(typeName, t)
			if err != nil {
				return k, nil, err
			}
			k.PreTanWidth, k.PreTanSlope, k.PreTanAlgorithm = w, s, algo
			continue
		case p.wordAhead("post"):
			p.ident(false)
			start := p.pos
			p.skipSpace()
			switch mode := p.ident(false); mode {
			case "held", "linear":
				k.NextInterp = mode
			case "none":
				k.NextInterp = "valueBlock"
			case "curve":
				k.NextInterp = "curve"
				if p.peek() == '(' {
					w, s, algo, err := p.splineTangent(typeName, t)
					if err != nil {
						return k, nil, err
					}
					k.PostTanWidth, k.PostTanSlope, k.PostTanAlgorithm = w, s, algo
				}
			default:
				return k, nil, p.errAt(start, "spline knot at %v: post interpolation %q is not held, linear, curve or none", t, mode)
			}
			continue
		}
		return k, dict, nil
	}
}

// splineNumber reads a knot value or tangent slope: a number of the
// spline's value type (TsKnot refuses one that is not finite there).
func (p *parser) splineNumber(typeName string, t float64) (float64, error) {
	x, err := p.float(64)
	if err != nil {
		return 0, err
	}
	return p.checkSplineNumber(typeName, t, x)
}

// checkSplineNumber converts a knot value or slope to the spline's type.
func (p *parser) checkSplineNumber(typeName string, t, x float64) (float64, error) {
	if !splineValueFits(typeName, x) {
		return 0, p.errf("spline knot at %v: cannot set undefined value %v for a %s spline", t, x, typeName)
	}
	switch typeName {
	case "float":
		x = float64(float32(x))
	case "half":
		x = float64(crate.RoundHalf(x))
	}
	return x, nil
}

// splineTangent reads a tangent: "(width, slope[, algorithm])", or
// "(slope)" (width 0; a hermite spline's widths come from its knot
// times). The algorithm is none, custom or autoEase (usd-core 26.11 reads
// "(1, 2, autoEase)" and writes it back).
func (p *parser) splineTangent(typeName string, t float64) (w, s float64, algo string, err error) {
	if err := p.expect('('); err != nil {
		return 0, 0, "", err
	}
	first, err := p.float(64)
	if err != nil {
		return 0, 0, "", err
	}
	if !p.accept(',') {
		if err := p.expect(')'); err != nil {
			return 0, 0, "", err
		}
		if s, err = p.checkSplineNumber(typeName, t, first); err != nil {
			return 0, 0, "", err
		}
		return 0, s, "", nil
	}
	w = first
	if w < 0 {
		return 0, 0, "", p.errf("spline knot at %v: cannot set negative tangent width %v", t, w)
	}
	if s, err = p.splineNumber(typeName, t); err != nil {
		return 0, 0, "", err
	}
	if p.accept(',') {
		start := p.pos
		p.skipSpace()
		switch a := p.ident(false); a {
		case "none":
		case "custom", "autoEase":
			algo = a
		default:
			return 0, 0, "", p.errAt(start, "spline knot at %v: tangent algorithm %q is not none, custom or autoEase", t, a)
		}
	}
	if err := p.expect(')'); err != nil {
		return 0, 0, "", err
	}
	return w, s, algo, nil
}

// splineItem stores a spline's pre:, post: or loop: item
// (SplineExtrapolationType, SplineLoopItem) as the crate reader does.
func splineItem(sp *sdf.Spline, key, v string) error {
	if err := splineItemValid(key, v); err != nil {
		return err
	}
	f := strings.Fields(v)
	switch key {
	case "pre", "post":
		name := key + "Extrapolation"
		switch {
		case f[0] == "none":
			sp.Extra[name] = "valueBlock"
		case f[0] == "loop":
			sp.Extra[name] = "loop" + strings.ToUpper(f[1][:1]) + f[1][1:]
		case strings.HasPrefix(v, "sloped"):
			in := strings.TrimSpace(strings.TrimPrefix(v, "sloped"))
			if !strings.HasPrefix(in, "(") || !strings.HasSuffix(in, ")") {
				return fmt.Errorf("spline %s: %q is not sloped(slope)", key, v)
			}
			s, err := strconv.ParseFloat(strings.TrimSpace(in[1:len(in)-1]), 64)
			if err != nil {
				return fmt.Errorf("spline %s: slope of %q: %w", key, v, err)
			}
			sp.Extra[name] = "sloped"
			sp.Extra[key+"Slope"] = s
		default:
			sp.Extra[name] = f[0]
		}
	case "loop":
		parts := strings.Split(strings.TrimSpace(v[1:len(v)-1]), ",")
		var x [5]float64
		for i, s := range parts {
			n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return fmt.Errorf("spline loop %q: %w", v, err)
			}
			x[i] = n
		}
		if x[2] != math.Trunc(x[2]) || x[3] != math.Trunc(x[3]) {
			return fmt.Errorf("spline loop %q: loop counts must be integers", v)
		}
		sp.Extra["loops"] = crate.SplineLoops{ProtoStart: x[0], ProtoEnd: x[1], NumPreLoops: int32(x[2]), NumPostLoops: int32(x[3]), ValueOffset: x[4]}
	}
	return nil
}

// knotParamsAhead checks what follows a spline knot's value: when it is a
// ';' or a line break, a knot parameter (pre, post or a dictionary) must
// come next on that line.
func (p *parser) knotParamsAhead(t float64) error {
	i := p.pos
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	if i >= len(p.src) || (p.src[i] != ';' && p.src[i] != '\n' && p.src[i] != '\r') {
		return nil
	}
	i++
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	rest := p.src[i:]
	if bytes.HasPrefix(rest, []byte("pre")) || bytes.HasPrefix(rest, []byte("post")) || bytes.HasPrefix(rest, []byte("{")) {
		return nil
	}
	return p.errAt(i, "spline knot at %v: a ';' or line break after its value must be followed by its parameters", t)
}

// splineItemValid checks the value of a spline's pre:, post: or loop:
// item (SplineExtrapolationType, SplineLoopItem).
func splineItemValid(key, v string) error {
	switch key {
	case "pre", "post":
		f := strings.Fields(v)
		switch {
		case len(f) == 1 && (f[0] == "none" || f[0] == "held" || f[0] == "linear"):
			return nil
		case len(f) == 2 && f[0] == "loop" && (f[1] == "repeat" || f[1] == "reset" || f[1] == "oscillate"):
			return nil
		case strings.HasPrefix(v, "sloped"):
			return nil
		}
		return fmt.Errorf("spline %s: %q is not none, held, linear, sloped(n) or loop repeat|reset|oscillate", key, v)
	case "loop":
		if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") && strings.Count(v, ",") == 4 {
			return nil
		}
		return fmt.Errorf("spline loop: %q is not (protoStart, protoEnd, numPreLoops, numPostLoops, valueOffset)", v)
	}
	return fmt.Errorf("unknown spline item %q", key)
}

func (p *parser) anyValueUntilComma() (any, error) {
	start := p.pos
	if err := p.skipUntilComma(); err != nil {
		return nil, err
	}
	return strings.TrimSpace(string(p.src[start:p.pos])), nil
}

// skipUntilComma skips to the next ',' or '}' at nesting level zero.
func (p *parser) skipUntilComma() error {
	depth := 0
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; c {
		case '(', '[', '{':
			depth++
		case ')', ']':
			depth--
		case '}':
			if depth == 0 {
				return nil
			}
			depth--
		case ',':
			if depth == 0 {
				return nil
			}
		case '\n':
			if depth == 0 {
				return nil
			}
		}
		p.pos++
	}
	return p.errf("unterminated spline")
}

// propertyStatement parses one property statement and records its name in
// the prim's property list.
func (p *parser) propertyStatement(parentPath string, seen *map[string]bool, props *[]sdf.Token) error {
	name, err := p.property(parentPath)
	if err != nil {
		return err
	}
	if name != "" && !(*seen)[name] {
		if *seen == nil {
			*seen = map[string]bool{}
		}
		(*seen)[name] = true
		*props = append(*props, sdf.Token(name))
	}
	return nil
}

// splineValueFits reports whether a knot value is defined in the spline's
// value type: TsKnot refuses a value that is not finite once converted
// ("Cannot set undefined value"), so 1e45 in a float spline or 70000 in a
// half one makes OpenUSD's text parser fail.
func splineValueFits(typeName string, v float64) bool {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return false
	}
	switch typeName {
	case "float":
		return !math.IsInf(float64(float32(v)), 0)
	case "half":
		return math.Abs(v) < 65520 // rounds to infinity from here
	}
	return true
}

// validVariantName is the VariantName rule of Sdf's path grammar: an
// optional leading '.', then letters, digits, '_', '|' and '-' (usd-core
// 26.11 refuses "bad:name" and "bad.name", in variantSet blocks and in
// variant selections).
func validVariantName(s string) bool {
	for _, r := range strings.TrimPrefix(s, ".") {
		if !(r == '_' || r == '|' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)) {
			return false
		}
	}
	return true
}
