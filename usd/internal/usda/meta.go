package usda

import (
	"fmt"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

type metaContext int

const (
	metaLayer metaContext = iota
	metaPrim
	metaAttribute
	metaRelationship
)

// metadataList parses the inside of ( ... ) after the '(' up to and
// including ')'.
func (p *parser) metadataList(spec *sdf.Spec, path string, ctx metaContext) error {
	if p.accept(')') {
		return nil
	}
	for {
		switch c := p.peek(); {
		case c == 0:
			return p.errf("unexpected end of file in metadata: missing ')'")
		case c == '"' || c == '\'':
			doc, err := p.str()
			if err != nil {
				return err
			}
			// A bare string is the spec's comment, in every metadata
			// context (textFileFormat.yy layer_metadata, prim_metadata,
			// attribute_metadata: TOK_STRING sets SdfFieldKeys->Comment);
			// `doc = "..."` is the documentation.
			spec.Set("comment", doc)
		default:
			if err := p.metadatum(spec, path, ctx); err != nil {
				return err
			}
		}
		// Entries are separated by one ';' or a line break, and a ';' may
		// end the last one (usd-core 26.11 refuses "(instanceable = true
		// kind = "x")", "(;a = 1)" and a doc string followed by an entry
		// on its line).
		p.skipSpace()
		sep := p.newlineBefore()
		if p.accept(';') {
			sep = true
		}
		if p.accept(')') {
			return nil
		}
		if !sep {
			return p.errf("expected ';', a line break or ')' after a metadata entry, found %s", p.describe())
		}
	}
}

func (p *parser) metadatum(spec *sdf.Spec, path string, ctx metaContext) error {
	start := p.pos
	op := ""
	if w := string(p.peekIdent()); listOpWords[w] {
		save := p.pos
		p.ident(false)
		// "reorder" etc. are also valid keys only as list ops; a key
		// cannot be named like an op and then be followed by '='.
		if p.peek() == '=' {
			p.pos = save
		} else {
			op = w
		}
	}
	keyStart := p.pos
	key, err := p.metaKey(op, ctx)
	if err != nil {
		return err
	}
	if err := p.expect('='); err != nil {
		return err
	}
	field, arcKind := metaField(key, ctx)
	if key == "symmetryFunction" {
		// symmetryFunction takes an optional identifier: "symmetryFunction
		// = " with nothing after it is the empty token (textFileFormat's
		// grammar; usd-core 26.11 reads testSdfParsing 159).
		if p.newlineAhead() || p.peek() == ')' || p.peek() == ';' {
			spec.Set(field, sdf.Token(""))
			return nil
		}
	}
	if err := p.sameLine("'='"); err != nil {
		return err
	}
	switch arcKind {
	case "references":
		return p.referencesOp(spec, op, start, false)
	case "payload":
		return p.referencesOp(spec, op, start, true)
	case "paths":
		paths, none, err := p.pathList(sdf.StripVariants(path))
		if err != nil {
			return err
		}
		for _, x := range paths {
			if (key == "inherits" || key == "specializes") && !isPrimPath(x) {
				// _InheritAppendPath/_SpecializesAppendPath: absolute prim
				// paths only (usd-core 26.11 refuses </Foo.attr>).
				return p.errAt(start, "%s paths must be prim paths: <%s>", key, x)
			}
			if strings.ContainsRune(x, '{') {
				return p.errAt(start, "%s paths cannot contain variant selections: <%s>", key, x)
			}
		}
		if len(paths) == 0 && !none && op != "" {
			return p.errAt(start, "setting %s paths to None (or an empty list) is only allowed when setting explicit %s paths, not for list editing (%s)", key, key, op)
		}
		var lo sdf.PathListOp
		if v, ok := spec.Get(field); ok {
			lo, _ = v.(sdf.PathListOp)
		}
		if err := setArcListOp(&lo, key+" paths", op, paths, none); err != nil {
			return p.errAt(start, "%v", err)
		}
		spec.Set(field, lo)
		return nil
	case "tokens", "strings":
		var items []string
		none := false
		if key == "variantSets" {
			// NameList: a string or a non-empty list of strings, never
			// None (usd-core 26.11 refuses "variantSets = None" and "= []").
			if c := p.peek(); c == '"' || c == '\'' {
				s, err := p.str()
				if err != nil {
					return err
				}
				items = []string{s}
			} else {
				if err := p.opListAhead("variantSets", "="); err != nil || p.keyword("None") {
					return p.errAt(start, "variantSets: expected a string or a non-empty list of strings")
				}
				l, err := arrayOf(&p.scanner, p.str)
				if err != nil {
					return err
				}
				items = l
			}
		} else {
			// apiSchemas, clipSets: generic list-op metadata of their item
			// type (None, a list, or with an op a non-empty list).
			if op != "" {
				if err := p.opListAhead(op, key); err != nil {
					return err
				}
			}
			k, _ := metaFieldKind(ctx, field)
			v, form, err := p.typedMeta(key, k)
			if err != nil {
				return err
			}
			none = form == formNone
			for _, x := range v.([]any) {
				items = append(items, x.(string))
			}
		}
		if arcKind == "tokens" {
			var lo sdf.TokenListOp
			if v, ok := spec.Get(field); ok {
				lo, _ = v.(sdf.TokenListOp)
			}
			toks := make([]sdf.Token, len(items))
			for i, s := range items {
				toks[i] = sdf.Token(s)
			}
			if noDuplicates(field, toks) != nil {
				// SdfListOp::SetItems refuses the items without an error
				// for generic list-op metadata: the op is left as it was
				// (usd-core 26.11: apiSchemas = ["A", "A"] applies nothing).
				spec.Set(field, lo)
				return nil
			}
			if err := setListOp(&lo, op, toks, none); err != nil {
				return p.errAt(start, "%v", err)
			}
			spec.Set(field, lo)
			return nil
		}
		var lo sdf.StringListOp
		if v, ok := spec.Get(field); ok {
			lo, _ = v.(sdf.StringListOp)
		}
		if field == "variantSetNames" {
			if err := noDuplicates(field, items); err != nil {
				return p.errAt(start, "%v", err)
			}
		}
		if err := setListOp(&lo, op, items, none); err != nil {
			return p.errAt(start, "%v", err)
		}
		spec.Set(field, lo)
		return nil
	}
	if nonMetaFields[ctx][key] {
		return p.errAt(keyStart, "%q is registered as a non-metadata field", key)
	}
	switch key {
	case "doc", "kind":
		// DocMetadata and KindMetadata: a quoted string only (usd-core
		// 26.11: kind = model is refused, testSdfParsing 150).
		if c := p.peek(); c != '"' && c != '\'' {
			return p.errAt(keyStart, "%s: expected a string, found %s", key, p.describe())
		}
	case "prefixSubstitutions", "suffixSubstitutions":
		d, err := p.stringDictionary()
		if err != nil {
			return err
		}
		spec.Set(field, d)
		return nil
	}
	kind, known := metaFieldKind(ctx, field)
	if op != "" {
		if err := p.opListAhead(op, key); err != nil {
			return err
		}
		if !known {
			// Generic list-op metadata of an unregistered field: keep the items.
			v, err := p.anyValue(0)
			if err != nil {
				return err
			}
			spec.Set(key, v)
			return nil
		}
	}
	switch field {
	case "subLayers":
		return p.subLayers(spec)
	case "variantSelection":
		d, err := p.variantSelections()
		if err != nil {
			return err
		}
		spec.Set(field, d)
		return nil
	case "relocates", "layerRelocates":
		if ctx != metaLayer {
			// OpenUSD 26.11's text grammar (textFileFormat.yy and its PEGTL
			// successor) has relocates as layer metadata only.
			return p.errAt(keyStart, "relocates are layer metadata, not %s metadata", map[metaContext]string{metaPrim: "prim", metaAttribute: "property", metaRelationship: "property"}[ctx])
		}
		r, err := p.relocates(path)
		if err != nil {
			return err
		}
		// SdfFieldKeys->LayerRelocates, the field crate files store too.
		spec.Set("layerRelocates", r)
		return nil
	}
	if !known {
		// An unregistered field keeps its value as authored.
		v, err := p.anyValue(0)
		if err != nil {
			return err
		}
		cv, err := coerceMeta(field, v)
		if err != nil {
			return p.errAt(keyStart, "%s: %v", key, err)
		}
		spec.Set(field, cv)
		return nil
	}
	v, form, err := p.typedMeta(key, kind)
	if err != nil {
		return err
	}
	switch form {
	case formNone:
		if op == "" {
			spec.Set(field, []any{})
		}
		return nil
	case formDict, formPath:
		// Stored as authored whatever the field's type (usd-core 26.11
		// keeps "hidden = {}").
		spec.Set(field, v)
		return nil
	}
	cv, err := coerceMeta(field, v)
	if err != nil {
		return p.errAt(keyStart, "%s: %v", key, err)
	}
	spec.Set(field, cv)
	return nil
}

// stringDictionary parses the { "from": "to", ... } value of
// prefixSubstitutions and suffixSubstitutions (StringDictionary).
func (p *parser) stringDictionary() (map[string]any, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	d := map[string]any{}
	for {
		if p.accept('}') {
			return d, nil
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		d[k] = v
		if !p.accept(',') {
			if err := p.expect('}'); err != nil {
				return nil, err
			}
			return d, nil
		}
	}
}

// metaField maps a usda metadata keyword to its Sdf field name and a
// parse kind for the keys that are not plain values.
func metaField(key string, ctx metaContext) (field, kind string) {
	switch key {
	case "doc":
		return "documentation", ""
	case "inherits":
		return "inheritPaths", "paths"
	case "specializes":
		return "specializes", "paths"
	case "references":
		return "references", "references"
	case "payload":
		// Only "payload": "payloads" is an unregistered key whose value
		// usd-core 26.11 keeps as text, with no arc.
		return "payload", "payload"
	case "variants":
		return "variantSelection", ""
	case "variantSets":
		return "variantSetNames", "strings"
	case "apiSchemas":
		if ctx == metaPrim {
			return "apiSchemas", "tokens"
		}
	case "clipSets":
		// A string list op (OpenUSD's usd/plugInfo.json registers it as
		// stringlistop): "delete clipSets" must stay an edit.
		if ctx == metaPrim {
			return "clipSets", "strings"
		}
	}
	return key, ""
}

func (p *parser) referencesOp(spec *sdf.Spec, op string, start int, payload bool) error {
	var items []sdf.Reference
	none := false
	switch p.peek() {
	case '[':
		p.pos++
		for {
			if p.accept(']') {
				break
			}
			r, err := p.reference()
			if err != nil {
				return err
			}
			items = append(items, r)
			if !p.accept(',') {
				if err := p.expect(']'); err != nil {
					return err
				}
				break
			}
		}
		if len(items) == 0 && op != "" {
			return p.errAt(start, "setting references/payload to None (or an empty list) is only allowed when setting explicit references/payload, not for list editing (%s)", op)
		}
	case '@', '<':
		r, err := p.reference()
		if err != nil {
			return err
		}
		items = []sdf.Reference{r}
	default:
		if !p.keyword("None") {
			return p.errf("expected a reference, found %s", p.describe())
		}
		none = true
	}
	if payload {
		var lo sdf.PayloadListOp
		if v, ok := spec.Get("payload"); ok {
			lo, _ = v.(sdf.PayloadListOp)
		}
		pl := make([]sdf.Payload, len(items))
		for i, r := range items {
			pl[i] = sdf.Payload{AssetPath: r.AssetPath, PrimPath: r.PrimPath, Offset: r.Offset}
		}
		if err := setArcListOp(&lo, "payload", op, pl, none); err != nil {
			return p.errAt(start, "%v", err)
		}
		spec.Set("payload", lo)
		return nil
	}
	var lo sdf.ReferenceListOp
	if v, ok := spec.Get("references"); ok {
		lo, _ = v.(sdf.ReferenceListOp)
	}
	if err := setArcListOp(&lo, "references", op, items, none); err != nil {
		return p.errAt(start, "%v", err)
	}
	spec.Set("references", lo)
	return nil
}

// reference parses @asset@</path> (offset = o; scale = s; customData = {...}).
func (p *parser) reference() (sdf.Reference, error) {
	r := sdf.Reference{Offset: sdf.IdentityOffset}
	if p.peek() == '@' {
		astart := p.pos
		a, err := p.asset()
		if err != nil {
			return r, err
		}
		if a == "" {
			// "Reference / payload asset path must not be empty" (usd-core
			// 26.11): an internal arc is written without the '@@'.
			return r, p.errAt(astart, "reference or payload asset path @@ is empty; an internal arc is written without it")
		}
		r.AssetPath = a
		if p.peek() == '<' {
			s, err := p.path()
			if err != nil {
				return r, err
			}
			r.PrimPath = s
		}
	} else {
		s, err := p.path()
		if err != nil {
			return r, err
		}
		if s == "" {
			// An internal reference to the default prim.
			r.PrimPath = ""
		} else {
			r.PrimPath = s
		}
	}
	if r.PrimPath != "" && r.PrimPath[0] != '/' {
		return r, p.errf("reference target path %q must be absolute", r.PrimPath)
	}
	// SdfSchema::IsValidReference / IsValidPayload, which OpenUSD's text
	// parser applies to each item.
	if strings.ContainsRune(r.PrimPath, '{') {
		return r, p.errf("reference and payload paths cannot contain variant selections: <%s>", r.PrimPath)
	}
	if r.PrimPath != "" && !isPrimPath(r.PrimPath) {
		return r, p.errf("reference or payload prim path <%s> must be either empty or an absolute prim path", r.PrimPath)
	}
	if p.peek() == '(' {
		p.pos++
		for {
			if p.accept(')') {
				break
			}
			if p.accept(';') {
				continue
			}
			key := p.ident(false)
			if err := p.expect('='); err != nil {
				return r, err
			}
			switch key {
			case "offset":
				f, err := p.float(64)
				if err != nil {
					return r, err
				}
				r.Offset.Offset = f
			case "scale":
				f, err := p.float(64)
				if err != nil {
					return r, err
				}
				r.Offset.Scale = f
			case "customData":
				d, err := p.dictionary(1)
				if err != nil {
					return r, err
				}
				r.CustomData = d
			default:
				return r, p.errf("unknown reference parameter %q", key)
			}
		}
	}
	return r, nil
}

func (p *parser) subLayers(spec *sdf.Spec) error {
	if err := p.expect('['); err != nil {
		return err
	}
	var paths []string
	var offs []sdf.LayerOffset
	for {
		if p.accept(']') {
			break
		}
		a, err := p.asset()
		if err != nil {
			return err
		}
		off := sdf.IdentityOffset
		if p.peek() == '(' {
			p.pos++
			for {
				if p.accept(')') {
					break
				}
				if p.accept(';') {
					continue
				}
				key := p.ident(false)
				if err := p.expect('='); err != nil {
					return err
				}
				f, err := p.float(64)
				if err != nil {
					return err
				}
				switch key {
				case "offset":
					off.Offset = f
				case "scale":
					off.Scale = f
				default:
					return p.errf("unknown sublayer parameter %q", key)
				}
			}
		}
		paths = append(paths, a)
		offs = append(offs, off)
		if !p.accept(',') {
			if err := p.expect(']'); err != nil {
				return err
			}
			break
		}
	}
	spec.Set("subLayers", paths)
	spec.Set("subLayerOffsets", offs)
	return nil
}

func (p *parser) variantSelections() (map[string]string, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for {
		if p.accept('}') {
			return out, nil
		}
		if p.accept(';') || p.accept(',') {
			continue
		}
		if tn := p.ident(false); tn != "string" {
			return nil, p.errf("expected 'string' in variant selections, found %q", tn)
		}
		var key string
		if c := p.peek(); c == '"' || c == '\'' {
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			key = k
		} else {
			key = p.ident(true)
		}
		if err := p.expect('='); err != nil {
			return nil, err
		}
		vstart := p.pos
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(v, "`") && !validVariantName(v) {
			return nil, p.errAt(vstart, "%q is not a valid variant name", v)
		}
		out[key] = v
	}
}

func (p *parser) relocates(anchor string) ([]sdf.Relocate, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	var out []sdf.Relocate
	for {
		if p.accept('}') {
			return out, nil
		}
		if p.accept(',') {
			continue
		}
		src, err := p.path()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		dst, err := p.path()
		if err != nil {
			return nil, err
		}
		// SdfSchema::IsValidRelocatesSourcePath / TargetPath, applied by
		// the text parser (_RelocatesAdd): prim paths without variant
		// selections; only the target may be empty.
		for _, x := range []string{src, dst} {
			if (x == "" && x == dst) || (!strings.ContainsRune(x, '{') && isPrimPath(x)) {
				continue
			}
			return nil, p.errf("'%s' is not a valid relocates path", x)
		}
		out = append(out, sdf.Relocate{Source: absPath(src, anchor), Target: absPath(dst, anchor)})
	}
}

// coerceMeta gives well-known metadata their Sdf types.
func coerceMeta(field string, v any) (any, error) {
	switch field {
	case "kind", "defaultPrim", "upAxis", "interpolation", "colorSpace", "renderSettingsPrimPath":
		// Token-valued metadata are written as quoted strings; a bare
		// identifier is refused (usd-core 26.11: kind = model, "Expected
		// string", testSdfParsing 150_bad_kind_metadata_1).
		if s, ok := v.(string); ok {
			return sdf.Token(s), nil
		}
		return nil, fmt.Errorf("expected a string")
	case "displayUnit":
		// An SdfUnit enum written as a bare name (usd-core 26.11 refuses
		// "mm" quoted and names it does not know: testSdfParsing 89).
		if t, ok := v.(sdf.Token); ok {
			switch t {
			case "deg", "rad", "default", "cm", "dm", "ft", "in", "km", "m", "mi", "mm", "yd":
				return t, nil
			}
		}
		return nil, fmt.Errorf("%v is not a valid display unit", v)
	case "active", "instanceable", "hidden", "hasOwnedSubLayers":
		switch t := v.(type) {
		case bool:
			return t, nil
		case int64:
			return t != 0, nil
		case sdf.Token:
			// Old files write True/False (Python's spelling); OpenUSD reads them.
			switch t {
			case "True":
				return true, nil
			case "False":
				return false, nil
			}
		}
		return nil, fmt.Errorf("expected a bool")
	case "metersPerUnit", "timeCodesPerSecond", "framesPerSecond", "startTimeCode", "endTimeCode",
		"startFrame", "endFrame":
		var f float64
		switch t := v.(type) {
		case float64:
			f = t
		case int64:
			f = float64(t)
		default:
			return nil, fmt.Errorf("expected a number")
		}
		// framesPerSecond must be positive; OpenUSD's text parser refuses
		// the layer otherwise (sdf/schema.cpp _ValidateFramesPerSecond).
		// timeCodesPerSecond has no validator there.
		if field == "framesPerSecond" && !(f > 0) {
			return nil, fmt.Errorf("invalid value for field framesPerSecond: %v (must be greater than 0)", f)
		}
		return f, nil
	case "elementSize":
		if t, ok := v.(int64); ok {
			return int32(t), nil
		}
		return nil, fmt.Errorf("expected an integer")
	case "permission":
		switch v {
		case sdf.Token("public"):
			return sdf.PermissionPublic, nil
		case sdf.Token("private"):
			return sdf.PermissionPrivate, nil
		}
		return nil, fmt.Errorf("expected public or private")
	case "documentation", "comment", "displayName", "displayGroup":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("expected a string")
	}
	return v, nil
}

// isPrimPath reports whether a (relative or absolute) path names a prim:
// not the absolute root, with no property part.
func isPrimPath(path string) bool {
	if path == "" || path == "/" {
		return false
	}
	last := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.LastIndexByte(last, '}'); i >= 0 {
		last = last[i+1:]
	}
	return !strings.ContainsAny(last, ".[") && last != ""
}
