package usda

import (
	"fmt"

	"github.com/rgallery/rgallery/usd/sdf"
)

var listOpWords = map[string]bool{"add": true, "prepend": true, "append": true, "delete": true, "reorder": true}

// property parses an attribute or relationship statement and returns its name.
func (p *parser) property(primPath string) (string, error) {
	start := p.pos
	op := ""
	if w := string(p.peekIdent()); listOpWords[w] {
		op = p.ident(false)
		if err := p.tokenSeparator("'" + op + "'"); err != nil {
			return "", err
		}
	}
	// AttributeDeclaration: [custom] [uniform | config] type name;
	// RelationshipType: [custom] [varying] rel. Each keyword once, in that
	// order, followed by a TokenSeparator (usd-core 26.11 refuses "uniform
	// custom float a", "uniform rel r" and "varying float a").
	custom := false
	variability := ""
	if p.keyword("custom") {
		if err := p.tokenSeparator("'custom'"); err != nil {
			return "", err
		}
		custom = true
	}
	if w := string(p.peekIdent()); w == "uniform" || w == "varying" || w == "config" {
		p.ident(false)
		if err := p.tokenSeparator("'" + w + "'"); err != nil {
			return "", err
		}
		variability = w
	}
	if p.keyword("rel") {
		if variability == "uniform" || variability == "config" {
			return "", p.errAt(start, "a relationship cannot be %s", variability)
		}
		if err := p.tokenSeparator("'rel'"); err != nil {
			return "", err
		}
		return p.relationship(primPath, op, custom, variability)
	}
	if variability == "varying" {
		return "", p.errAt(start, "'varying' is for relationships; an attribute is uniform, config or neither")
	}
	typeStart := p.pos
	tn := p.ident(true)
	if tn == "" {
		return "", p.errf("expected a property type, found %s", p.describe())
	}
	if textKeywords[tn] {
		// A type name is an Identifier, never a keyword ("dictionary a =
		// {}" is refused by usd-core 26.11).
		return "", p.errAt(typeStart, "%q is a keyword, not a value type name", tn)
	}
	// A type name may be C++-qualified ("ThisType::IsBogus"): unknown to
	// the registry, its value kept as text (usd-core 26.11 reads
	// testSdfParsing 183_unknown_type_and_metadata).
	for p.pos+2 < len(p.src) && p.src[p.pos] == ':' && p.src[p.pos+1] == ':' && isIdentStart(p.src[p.pos+2]) {
		p.pos += 2
		tn += "::" + p.ident(true)
	}
	// "float []" and "float[ ]" are arrays too: OpenUSD's grammar allows
	// inline padding (spaces, tabs; not a line break) around the brackets
	// (measured with usd-core 26.11).
	if end, ok := p.arrayBrackets(p.pos); ok {
		p.pos = end
		tn += "[]"
	}
	vt, array, known := lookupType(tn)
	// AttributeDeclaration: the type, a TokenSeparator, the name
	// (usd-core 26.11 refuses "float/*c*/a" and a line break there).
	if err := p.tokenSeparator("the type " + tn); err != nil {
		return "", err
	}
	nameStart := p.pos
	name := p.propName()
	if name == "" {
		return "", p.errAt(nameStart, "expected an attribute name, found %s", p.describe())
	}
	path := sdf.AppendProperty(primPath, name)
	spec := p.layer.Specs[path]
	if spec == nil {
		spec = &sdf.Spec{Type: sdf.SpecAttribute}
		spec.Set("typeName", sdf.Token(tn))
		if custom {
			spec.Set("custom", true)
		}
		if variability == "uniform" || variability == "config" {
			spec.Set("variability", sdf.VariabilityUniform)
		}
		p.layer.Specs[path] = spec
	} else if prev, ok := spec.Get("typeName"); ok && spec.Type == sdf.SpecAttribute && fmt.Sprint(prev) != tn {
		// sdf/textParserHelpers.cpp: a second statement for the same
		// attribute must keep its type.
		return "", p.errAt(nameStart, "attribute '%s' already has type '%v', cannot change to '%s'", name, prev, tn)
	} else if spec.Type == sdf.SpecAttribute {
		// ... and its variability (usd-core 26.11 refuses "double foo"
		// then "uniform double foo.connect", testSdfParsing 103).
		_, wasUniform := spec.Get("variability")
		if isUniform := variability == "uniform" || variability == "config"; isUniform != wasUniform {
			return "", p.errAt(nameStart, "attribute '%s' already has another variability, cannot change to %s", name, map[bool]string{true: "uniform", false: "varying"}[isUniform])
		}
	}
	// Suffixes: .connect, .timeSamples, .spline, .default. A statement's
	// tokens are separated by InlinePadding only: after a line break the
	// declaration has ended (usd-core 26.11 refuses "float a" then
	// "= 1" or ".connect = </x.c>" on the next line).
	suffix := ""
	ended := p.newlineAhead()
	if !ended && p.peek() == '.' {
		p.pos++
		suffixStart := p.pos
		suffix = p.ident(false)
		if err := p.expect('='); err != nil {
			return "", err
		}
		if err := p.sameLine("'='"); err != nil {
			return "", err
		}
		if suffix == "default" {
			// AttributeSpec: after the name a '.' leads to timeSamples,
			// connect or spline only (usd-core 26.11 refuses
			// "float a.default = 1"; "rel r.default" stays).
			return "", p.errAt(suffixStart, "unknown attribute suffix .default (an attribute's default is written \"float a = 1\")")
		}
		if !known && suffix != "connect" {
			return "", p.errAt(typeStart, "unknown attribute type %q", tn)
		}
		switch suffix {
		case "connect":
			if err := p.pathListOp(spec, "connectionPaths", op, primPath); err != nil {
				return "", err
			}
		case "timeSamples":
			if op != "" {
				return "", p.errAt(start, "list op %q on timeSamples", op)
			}
			ts, err := p.timeSamples(vt, array)
			if err != nil {
				return "", err
			}
			spec.Set("timeSamples", ts)
		case "spline":
			switch tn {
			case "double", "float", "half", "timecode":
			default:
				// Splines hold scalar floating-point values only (usd-core
				// 26.11: "Unsupported spline value type int").
				return "", p.errAt(typeStart, "unsupported spline value type %s", tn)
			}
			sp, err := p.spline(tn)
			if err != nil {
				return "", err
			}
			spec.Set("spline", sp)
		case "default":
			v, err := p.attrValue(vt, array, known)
			if err != nil {
				return "", err
			}
			spec.Set("default", v)
		default:
			return "", p.errAt(suffixStart, "unknown attribute suffix .%s", suffix)
		}
	} else {
		if op != "" {
			return "", p.errAt(start, "list op %q is only valid on connections and relationships", op)
		}
		if !ended && p.accept('=') {
			if err := p.sameLine("'='"); err != nil {
				return "", err
			}
			v, err := p.attrValue(vt, array, known)
			if err != nil {
				return "", err
			}
			spec.Set("default", v)
		}
	}
	if p.metadataAhead() {
		if suffix != "" {
			// AttributeSpec: metadata follow a declaration or a default
			// value only, not .connect, .timeSamples or .spline (usd-core
			// 26.11 refuses "float a.timeSamples = {1: 1} (doc = "")").
			return "", p.errf("no metadata after an attribute's .%s statement (metadata go on the declaration: \"float a (...)\")", suffix)
		}
		p.pos++
		if err := p.metadataList(spec, path, metaAttribute); err != nil {
			return "", err
		}
	}
	return name, nil
}

// arrayBrackets reports whether "[]" follows at off, with spaces or tabs
// allowed before and between the brackets, and where it ends.
func (p *parser) arrayBrackets(off int) (int, bool) {
	pad := func(i int) int {
		for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
			i++
		}
		return i
	}
	i := pad(off)
	if i >= len(p.src) || p.src[i] != '[' {
		return off, false
	}
	i = pad(i + 1)
	if i >= len(p.src) || p.src[i] != ']' {
		return off, false
	}
	return i + 1, true
}

// attrValue reads an attribute's default value. A value of a type the
// registry does not know is kept as its text, as OpenUSD's text parser
// keeps it (SdfUnregisteredValue): the layer still opens.
func (p *parser) attrValue(vt valueType, array, known bool) (any, error) {
	if known {
		return p.value(vt, array, 0)
	}
	p.skipSpace()
	if p.peek() == '<' {
		// A path value (OpenUSD keeps it as an SdfPath).
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return sdf.UnregisteredValue{Text: "<" + path + ">"}, nil
	}
	start := p.pos
	if err := p.skipRawValue(); err != nil {
		return nil, err
	}
	return sdf.UnregisteredValue{Text: string(p.src[start:p.pos])}, nil
}

// skipRawValue skips one value of any shape: a bracketed tuple or list
// (nested, with strings and asset paths inside), a string, an asset path,
// or a bare word or number.
func (p *parser) skipRawValue() error {
	switch c := p.peek(); c {
	case '"', '\'':
		_, err := p.str()
		return err
	case '@':
		_, err := p.asset()
		return err
	case '(', '[':
		depth := 0
		for p.pos < len(p.src) {
			switch p.src[p.pos] {
			case '(', '[':
				depth++
			case ')', ']':
				depth--
				if depth == 0 {
					p.pos++
					return nil
				}
			case '"', '\'':
				if _, err := p.str(); err != nil {
					return err
				}
				continue
			case '@':
				if _, err := p.asset(); err != nil {
					return err
				}
				continue
			}
			p.pos++
		}
		return p.errf("unterminated value")
	}
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == ',' || c == '}' {
			break
		}
		p.pos++
	}
	if p.pos == start {
		return p.errf("expected a value, found %s", p.describe())
	}
	return nil
}

// propName scans a namespaced property name; it may contain ':' and, for
// old files, be a quoted string.
// propName scans a property name: a NamespacedName (identifiers joined
// by ':', or a keyword), never quoted (usd-core 26.11 refuses float "a").
func (p *parser) propName() string {
	b := p.identBytes(true)
	return string(b)
}

func (p *parser) relationship(primPath, op string, custom bool, variability string) (string, error) {
	nameStart := p.pos
	name := p.propName()
	if name == "" {
		return "", p.errAt(nameStart, "expected a relationship name, found %s", p.describe())
	}
	path := sdf.AppendProperty(primPath, name)
	spec := p.layer.Specs[path]
	if spec == nil {
		spec = &sdf.Spec{Type: sdf.SpecRelationship}
		if custom {
			spec.Set("custom", true)
		}
		if variability == "uniform" || variability == "config" {
			spec.Set("variability", sdf.VariabilityUniform)
		}
		p.layer.Specs[path] = spec
	}
	if !p.newlineAhead() && p.peek() == '[' {
		// "rel r [</T>]": the legacy form that declares a target (a
		// relationship target spec in OpenUSD, which this package does
		// not model) and sets no targets; no list op, no metadata
		// (RelationshipSpec, _RelationshipInitTarget).
		if op != "" {
			return "", p.errAt(nameStart, "%s rel %s [<path>]: no list op on a target declaration", op, name)
		}
		p.pos++
		if _, err := p.path(); err != nil {
			return "", err
		}
		if err := p.expect(']'); err != nil {
			return "", err
		}
		return name, nil
	}
	// As for attributes, a line break ends the declaration (usd-core
	// 26.11 refuses "rel r" then "= </x>" on the next line).
	ended := p.newlineAhead()
	if !ended && p.peek() == '.' {
		p.pos++
		// RelationshipSpec: only ".default = <path>" follows a
		// relationship's name (usd-core 26.11 refuses "rel r.timeSamples",
		// testSdfParsing 185).
		if suffix := p.ident(false); suffix != "default" {
			return "", p.errf("unknown relationship suffix .%s (only .default)", suffix)
		}
		if err := p.expect('='); err != nil {
			return "", err
		}
		if err := p.sameLine("'='"); err != nil {
			return "", err
		}
		// rel name.default = <path> is the relationship's legacy
		// "default" field, not its targets (usd-core 26.11 keeps it
		// beside targetPaths and composes the targets without it).
		t, err := p.path()
		if err != nil {
			return "", err
		}
		spec.Set("default", absPath(t, primPath))
		if p.metadataAhead() {
			// RelationshipSpec: no metadata after "rel r.default = <p>"
			// (usd-core 26.11 refuses it).
			return "", p.errf("no metadata after a relationship's .default statement (metadata go on the declaration: \"rel r (...)\")")
		}
		return name, nil
	} else if !ended && p.accept('=') {
		if err := p.sameLine("'='"); err != nil {
			return "", err
		}
		if err := p.pathListOp(spec, "targetPaths", op, primPath); err != nil {
			return "", err
		}
	}
	if p.metadataAhead() {
		p.pos++
		if err := p.metadataList(spec, path, metaRelationship); err != nil {
			return "", err
		}
	}
	return name, nil
}
