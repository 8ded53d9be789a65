package usda

import (
	"math"
	"strconv"
	"strings"

	"github.com/rgallery/rgallery/usd/sdf"
)

// fieldKind is the value type of a registered metadata field: the type of
// its fallback in SdfSchema (sdf/schema.cpp _RegisterStandardFields) or in
// a plugin's SdfMetadata (plugInfo.json "type").
type fieldKind int

const (
	fkBool fieldKind = iota + 1
	fkString
	fkToken
	fkDouble
	fkInt   // int32
	fkInt64 // int64
	fkAsset
	fkDict
	fkStringArray
	fkTokenArray
	fkAssetArray
	fkStringListOp
	fkTokenListOp
	fkInt64ListOp
)

func (k fieldKind) String() string {
	return [...]string{"", "bool", "string", "token", "double", "int", "int64", "asset", "dictionary",
		"string[]", "token[]", "asset[]", "stringlistop", "tokenlistop", "int64listop"}[k]
}

func (k fieldKind) listOp() bool { return k >= fkStringListOp }
func (k fieldKind) array() bool  { return k >= fkStringArray && k <= fkAssetArray }

// The metadata fields usd-core 26.11 registers for each spec type
// (SdfSpec.GetMetaDataInfoKeys of a pseudo-root, prim, attribute and
// relationship spec; the sdf, usd, usdGeom, usdShade, usdSkel, usdUI,
// usdRender and usdPhysics plugins add theirs). A variant spec has the
// prim's. The text parser reads a registered field's value as its type
// (textParserHelpers.cpp _GenericMetadataStart/_GenericMetadataEnd).
var (
	layerMetaFields = map[string]fieldKind{
		"colorConfiguration": fkAsset, "colorManagementSystem": fkToken,
		"customLayerData": fkDict, "defaultPrim": fkToken, "documentation": fkString,
		"endFrame": fkDouble, "endTimeCode": fkDouble, "expressionVariables": fkDict,
		"fallbackPrimTypes": fkDict, "framePrecision": fkInt, "framesPerSecond": fkDouble,
		"hasOwnedSubLayers": fkBool, "kilogramsPerUnit": fkDouble, "metersPerUnit": fkDouble,
		"owner": fkString, "renderSettingsPrimPath": fkString, "sessionOwner": fkString,
		"startFrame": fkDouble, "startTimeCode": fkDouble, "timeCodesPerSecond": fkDouble,
		"upAxis": fkToken,
	}
	primMetaFields = map[string]fieldKind{
		"active": fkBool, "apiSchemas": fkTokenListOp, "assetInfo": fkDict,
		"clipSets": fkStringListOp, "clips": fkDict, "customData": fkDict,
		"displayGroupOrder": fkStringArray, "displayName": fkString, "documentation": fkString,
		"hidden": fkBool, "inactiveIds": fkInt64ListOp, "instanceable": fkBool, "kind": fkToken,
		"payloadAssetDependencies": fkAssetArray, "prefix": fkString, "sdrMetadata": fkDict,
		"suffix": fkString, "symmetricPeer": fkString, "symmetryArguments": fkDict,
		"typeName": fkToken, "uiHints": fkDict,
	}
	attrMetaFields = map[string]fieldKind{
		"allowedTokens": fkTokenArray, "arraySizeConstraint": fkInt64, "assetInfo": fkDict,
		"colorSpace": fkToken, "connectability": fkToken, "constraintTargetIdentifier": fkToken,
		"customData": fkDict, "displayGroup": fkString, "displayName": fkString,
		"documentation": fkString, "elementSize": fkInt, "hidden": fkBool,
		"interpolation": fkToken, "limits": fkDict, "prefix": fkString, "renderType": fkToken,
		"sdrMetadata": fkDict, "suffix": fkString, "symmetricPeer": fkString,
		"symmetryArguments": fkDict, "uiHints": fkDict, "unauthoredValuesIndex": fkInt,
		"weight": fkDouble,
	}
	relMetaFields = map[string]fieldKind{
		"assetInfo": fkDict, "bindMaterialAs": fkToken, "customData": fkDict,
		"displayGroup": fkString, "displayName": fkString, "documentation": fkString,
		"hidden": fkBool, "noLoadHint": fkBool, "outputName": fkToken, "prefix": fkString,
		"renderType": fkToken, "suffix": fkString, "symmetricPeer": fkString,
		"symmetryArguments": fkDict, "uiHints": fkDict,
	}
	// Fields of a spec type that are not metadata (SdfSchema's _Define
	// ".Field"): the parser refuses them as metadata keys ("is registered
	// as a non-metadata field").
	nonMetaFields = map[metaContext]map[string]bool{
		metaLayer: {"comment": true, "primChildren": true, "layerRelocates": true,
			"primOrder": true, "subLayerOffsets": true},
		metaPrim: {"specifier": true, "comment": true, "inheritPaths": true, "primChildren": true,
			"primOrder": true, "propertyOrder": true, "variantSelection": true,
			"variantSetChildren": true, "variantSetNames": true},
		metaAttribute: {"variability": true, "comment": true, "typeName": true,
			"connectionChildren": true, "connectionPaths": true},
		metaRelationship: {"variability": true, "comment": true, "targetChildren": true,
			"targetPaths": true},
	}
)

func metaFieldKind(ctx metaContext, key string) (fieldKind, bool) {
	var m map[string]fieldKind
	switch ctx {
	case metaLayer:
		m = layerMetaFields
	case metaPrim:
		m = primMetaFields
	case metaAttribute:
		m = attrMetaFields
	case metaRelationship:
		m = relMetaFields
	}
	k, ok := m[key]
	return k, ok
}

// textKeywords are the keywords of Sdf's text grammar
// (textFileFormatParser.h Keywords): an Identifier, and so a metadata
// key, is never one of them.
var textKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`add AnimationBlock append bezier class config connect
		curve custom customData default def delete dictionary displayUnit doc held hermite
		inherits kind linear loop nameChildren None none offset oscillate over payload
		permission post pre prefixSubstitutions prepend properties references relocates rel
		reorder rootPrims repeat reset scale sloped subLayers suffixSubstitutions specializes
		spline symmetryArguments symmetryFunction timeSamples uniform variantSet variantSets
		variants varying`) {
		textKeywords[w] = true
	}
}

// keywordMetadata lists the keywords that start a metadata entry of their
// own grammar rule in each context (LayerMetadataItem, PrimMetadataItem,
// AttributeMetadataItem, RelationshipMetadataItem), and opKeywordMetadata
// those that may follow a list-op keyword.
var (
	keywordMetadata = map[metaContext]map[string]bool{
		metaLayer: {"doc": true, "subLayers": true, "relocates": true},
		metaPrim: {"customData": true, "symmetryArguments": true, "doc": true, "kind": true,
			"references": true, "payload": true, "variants": true, "variantSets": true,
			"inherits": true, "specializes": true, "relocates": true,
			"prefixSubstitutions": true, "suffixSubstitutions": true, "permission": true,
			"symmetryFunction": true},
		metaAttribute: {"customData": true, "symmetryArguments": true, "doc": true,
			"displayUnit": true, "permission": true, "symmetryFunction": true},
		metaRelationship: {"customData": true, "symmetryArguments": true, "doc": true,
			"permission": true, "symmetryFunction": true},
	}
	opKeywordMetadata = map[string]bool{"references": true, "payload": true,
		"inherits": true, "specializes": true, "variantSets": true}
)

// metaKey scans a metadata key: an Identifier of the text grammar, that
// is identifiers joined by "::" (C++ qualified), none of them a keyword
// unless the context gives that keyword a rule of its own.
func (p *parser) metaKey(op string, ctx metaContext) (string, error) {
	start := p.pos
	key := p.ident(false)
	if key == "" {
		return "", p.errf("expected a metadata key, found %s", p.describe())
	}
	parts := 1
	for p.pos+2 < len(p.src) && p.src[p.pos] == ':' && p.src[p.pos+1] == ':' && isIdentStart(p.src[p.pos+2]) {
		p.pos += 2
		key += "::" + p.ident(false)
		parts++
	}
	if parts > 1 {
		for _, part := range strings.Split(key, "::") {
			if textKeywords[part] {
				return "", p.errAt(start, "metadata key %q has the keyword %q as a part", key, part)
			}
		}
		return key, nil
	}
	if key == "variantSet" {
		return "", p.errAt(start, "variantSet statements belong in the prim body, not in metadata")
	}
	if textKeywords[key] && (!keywordMetadata[ctx][key] || op != "" && !opKeywordMetadata[key]) {
		what := map[metaContext]string{metaLayer: "layer", metaPrim: "prim", metaAttribute: "attribute", metaRelationship: "relationship"}[ctx]
		if op != "" {
			return "", p.errAt(start, "%q is a keyword of the text format, not a key of %s metadata after %q", key, what, op)
		}
		return "", p.errAt(start, "%q is a keyword of the text format, not a key of %s metadata", key, what)
	}
	if p.pos < len(p.src) && p.src[p.pos] == ':' {
		// A metadata key is not a namespaced name (usd-core 26.11 refuses
		// "a:b = 1" in metadata).
		return "", p.errAt(start, "metadata key %q cannot be namespaced with ':'", key+":")
	}
	return key, nil
}

// opListAhead checks the value of a list-edited generic metadata entry:
// None or a non-empty list (GeneralListOpMetadata, ListOpKeyValueMetadata:
// "prepend apiSchemas = []" and "prepend x = 1" are refused).
func (p *parser) opListAhead(op, key string) error {
	if p.peek() == '[' {
		i := p.pos + 1
		for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t' || p.src[i] == '\n' || p.src[i] == '\r') {
			i++
		}
		if i < len(p.src) && p.src[i] != ']' {
			return nil
		}
	} else if string(p.peekIdent()) == "None" {
		return nil
	}
	return p.errf("%s %s: expected None or a non-empty list, found %s", op, key, p.describe())
}

// typedMeta parses the value of a registered metadata field as its type,
// as OpenUSD's parser value context does (parserHelpers.h Value::Get):
//   - None only for list-op fields;
//   - a dictionary for any field but a list op (usd-core 26.11 stores
//     "hidden = {}" as authored) and the only value of a dictionary field;
//   - a path for any field but a list op, kept as authored;
//   - a list for array and list-op fields only, an atomic value for the
//     others: bools from numbers (nonzero) or true/false/yes/no/1/0,
//     strings and tokens from quoted strings only, doubles from numbers or
//     "inf"/"-inf"/"nan", ints from numbers in range (finite doubles
//     truncate), assets from asset references or strings.
//
// It returns the value in the representation the untyped parser gives
// (int64, float64, string, sdf.AssetPath, []any) and its form.
func (p *parser) typedMeta(key string, k fieldKind) (v any, form valueForm, err error) {
	start := p.pos
	switch c := p.peek(); {
	case c == '{':
		if k.listOp() {
			return nil, formValue, p.errf("%s: a %s value cannot be a dictionary", key, k)
		}
		d, err := p.dictionary(1)
		return d, formDict, err
	case c == '<':
		if k.listOp() {
			return nil, formValue, p.errf("%s: a %s value cannot be a path", key, k)
		}
		s, err := p.path()
		return s, formPath, err
	case c == '(':
		return nil, formValue, p.errf("%s: a %s value cannot be a tuple", key, k)
	case c == '[':
		if !k.array() && !k.listOp() {
			return nil, formValue, p.errf("%s: a %s value cannot be a list", key, k)
		}
		p.pos++
		out := []any{}
		for {
			if p.accept(']') {
				return out, formValue, nil
			}
			x, err := p.typedAtom(key, k)
			if err != nil {
				return nil, formValue, err
			}
			out = append(out, x)
			if !p.accept(',') {
				if err := p.expect(']'); err != nil {
					return nil, formValue, err
				}
				return out, formValue, nil
			}
		}
	}
	if string(p.peekIdent()) == "None" {
		if !k.listOp() {
			return nil, formValue, p.errAt(start, "invalid value for field %q: None", key)
		}
		p.ident(false)
		return []any{}, formNone, nil
	}
	if k == fkDict {
		return nil, formValue, p.errf("%s: expected a dictionary, found %s", key, p.describe())
	}
	if k.array() || k.listOp() {
		return nil, formValue, p.errf("%s: a %s value must be a list, found %s", key, k, p.describe())
	}
	x, err := p.typedAtom(key, k)
	return x, formValue, err
}

// typedAtom parses one atomic value (number, identifier, string or asset
// reference) as the scalar type of k.
func (p *parser) typedAtom(key string, k fieldKind) (any, error) {
	start := p.pos
	bad := func(found string) error {
		return p.errAt(start, "%s: %s is not a valid %s value", key, found, strings.TrimSuffix(strings.TrimSuffix(k.String(), "[]"), "listop"))
	}
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		switch k {
		case fkString, fkToken, fkStringArray, fkTokenArray, fkStringListOp, fkTokenListOp:
			return s, nil
		case fkAsset, fkAssetArray:
			return sdf.AssetPath{Authored: s}, nil
		case fkBool:
			if b, ok := boolWord(s); ok {
				return b, nil
			}
		case fkDouble:
			if f, ok := infNaN(s); ok {
				return f, nil
			}
		}
		return nil, bad(strconv.Quote(s))
	case c == '@':
		a, err := p.asset()
		if err != nil {
			return nil, err
		}
		if k == fkAsset || k == fkAssetArray {
			return sdf.AssetPath{Authored: a}, nil
		}
		return nil, bad("@" + a + "@")
	case c == '-' || c == '.' || c >= '0' && c <= '9' || c == 'i' && p.wordAhead("inf") || c == 'n' && p.wordAhead("nan"):
		b := p.numberBytes()
		if b == nil {
			return nil, p.errf("%s: expected a value, found %s", key, p.describe())
		}
		txt := string(b)
		isInt := !strings.ContainsAny(txt, ".eEin") && txt != "-0"
		f, ferr := strconv.ParseFloat(txt, 64)
		if ferr != nil && !isInt {
			if ne, ok := ferr.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return nil, bad(txt)
			}
		}
		switch k {
		case fkBool:
			return f != 0, nil
		case fkDouble:
			return f, nil
		case fkInt, fkInt64, fkInt64ListOp:
			lo, hi := float64(math.MinInt32), float64(math.MaxInt32)
			if k != fkInt {
				lo, hi = -9223372036854775808, 9223372036854775807
			}
			if isInt {
				n, err := strconv.ParseInt(txt, 10, 64)
				if err != nil || float64(n) < lo || float64(n) > hi {
					return nil, bad(txt)
				}
				return n, nil
			}
			// GfNumericCast of a finite double: truncated, in range.
			if math.IsInf(f, 0) || math.IsNaN(f) || math.Trunc(f) < lo || math.Trunc(f) >= -lo {
				return nil, bad(txt)
			}
			return int64(f), nil
		}
		return nil, bad(txt)
	case isIdentStart(c):
		w := p.ident(false)
		for p.pos+2 < len(p.src) && p.src[p.pos] == ':' && p.src[p.pos+1] == ':' && isIdentStart(p.src[p.pos+2]) {
			p.pos += 2
			w += "::" + p.ident(false)
		}
		if k == fkBool {
			if b, ok := boolWord(w); ok {
				return b, nil
			}
		}
		return nil, bad(w)
	}
	return nil, p.errf("%s: expected a value, found %s", key, p.describe())
}

// wordAhead reports whether the identifier ahead is w.
func (p *parser) wordAhead(w string) bool { return string(p.peekIdent()) == w }

func infNaN(s string) (float64, bool) {
	switch s {
	case "inf":
		return math.Inf(1), true
	case "-inf":
		return math.Inf(-1), true
	case "nan":
		return math.NaN(), true
	}
	return 0, false
}

// The syntactic form of a registered field's value.
type valueForm int

const (
	formValue valueForm = iota
	formNone
	formDict
	formPath
)
