package usd

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/rgallery/rgallery/usd/internal/usda"
	"github.com/rgallery/rgallery/usd/sdf"
)

// Prim definitions: the properties OpenUSD's schemas define, with their
// type names, variability and fallback values.
//
// The table is schemas.usda, generated from OpenUSD's UsdSchemaRegistry by
// scripts/oracle/schema_registry.py (one class per schema: typed schemas
// list the properties their parent type does not define and name the
// parent; applied API schemas list theirs, multiple-apply ones with the
// "__INSTANCE_NAME__" placeholder). A prim's definition is, as
// UsdPrimDefinition composes it (pxr/usd/usd/primDefinition.cpp,
// schemaRegistry.cpp): its typed schema with its ancestors, then each
// applied API schema in the order of the composed apiSchemas list, the
// first one defining a property winning.
//
// Rules followed (pxr/usd/usd/stage.cpp):
//   - a prim typed with an abstract schema has no typed definition;
//   - an attribute's type name is the definition's when the schema defines
//     it, whatever a layer authors (UsdStage::_GetAttrTypeImpl consumes the
//     definition's opinion before any authored one);
//   - an attribute with no authored value takes the definition's fallback
//     (UsdAttribute::Get, Usd_Resolver with fallbacks), also for fallbacks
//     that come from applied API schemas (ShapingAPI, ShadowAPI,
//     CollectionAPI:NAME, ...).

//go:embed schemas.usda
var schemasUSDA []byte

// propDef is one property of a schema.
type propDef struct {
	typeName string // attribute value type, without "uniform"
	uniform  bool
	rel      bool
	value    any // nil when the schema gives no fallback
}

type schemaDef struct {
	base     string // parent typed schema ("" for API schemas and roots)
	multiple bool   // multiple-apply API schema
	api      bool
	abstract bool // abstract typed schema: no prim definition of its own
	props    map[string]propDef
}

var schemaRegistry struct {
	once sync.Once
	defs map[string]*schemaDef
	// apiProps holds the property names of every applied API schema, with
	// the instance name of multiple-apply ones cut out ("collection:" and
	// ":expansionRule" for "collection:__INSTANCE_NAME__:expansionRule"), so
	// that a lookup for a name no API schema defines skips the prim's
	// apiSchemas list.
	apiProps  map[string]bool
	templates [][2]string
}

const instanceName = "__INSTANCE_NAME__"

func schemas() map[string]*schemaDef {
	r := &schemaRegistry
	r.once.Do(func() {
		defs, err := parseSchemas(schemasUSDA)
		if err != nil {
			// The table is embedded and tested; failing here is a build defect.
			panic(fmt.Sprintf("usd: embedded schemas.usda: %v", err))
		}
		r.defs = defs
		r.apiProps = map[string]bool{}
		for _, d := range defs {
			if !d.api {
				continue
			}
			for n := range d.props {
				if pre, post, ok := strings.Cut(n, instanceName); ok {
					r.templates = append(r.templates, [2]string{pre, post})
					continue
				}
				r.apiProps[n] = true
			}
		}
	})
	return r.defs
}

func parseSchemas(src []byte) (map[string]*schemaDef, error) {
	l, err := usda.Parse("schemas.usda", src)
	if err != nil {
		return nil, err
	}
	defs := map[string]*schemaDef{}
	for _, name := range l.Children("/") {
		path := "/" + string(name)
		spec := l.Spec(path)
		d := &schemaDef{props: map[string]propDef{}}
		if cd, ok := spec.Get("customData"); ok {
			if m, ok := cd.(map[string]any); ok {
				d.base, _ = m["rgallerySchemaBase"].(string)
				kind, _ := m["rgallerySchemaKind"].(string)
				d.api = kind != "typed" && kind != "abstractTyped"
				d.abstract = kind == "abstractTyped"
				d.multiple = kind == "multipleApply"
			}
		}
		for _, pn := range spec.Tokens("properties") {
			ps := l.Spec(path + "." + string(pn))
			if ps == nil {
				return nil, fmt.Errorf("%s.%s: no spec", path, pn)
			}
			pd := propDef{rel: ps.Type == sdf.SpecRelationship}
			if !pd.rel {
				if t, ok := ps.Get("typeName"); ok {
					pd.typeName = fmt.Sprint(t)
				}
				if v, ok := ps.Get("variability"); ok {
					pd.uniform = fmt.Sprint(v) == "uniform"
				}
				pd.value, _ = ps.Get("default")
			}
			d.props[string(pn)] = pd
		}
		defs[string(name)] = d
	}
	return defs, nil
}

// typedProperty finds name in typeName's typed schema and its ancestors.
//
// A prim typed with an abstract schema (PointBased, Imageable, ...) has
// no typed definition: UsdSchemaRegistry::FindConcretePrimDefinition has
// none, so UsdPrimTypeInfo builds the prim's definition from its applied
// API schemas alone (usd-core 26.11: "def PointBased" has no fallback
// properties, and its authored "Vec3f[] extent" keeps that type name;
// OpenUSD's testUsdGeomComputeAtTime).
func typedProperty(typeName, name string) (propDef, bool) {
	defs := schemas()
	if d := defs[typeName]; d != nil && d.abstract {
		return propDef{}, false
	}
	for t, n := typeName, 0; t != "" && n < 64; n++ {
		d := defs[t]
		if d == nil || d.api {
			break
		}
		if p, ok := d.props[name]; ok {
			return p, true
		}
		t = d.base
	}
	return propDef{}, false
}

// mayBeAPIProperty reports whether some applied API schema defines name.
func mayBeAPIProperty(name string) bool {
	schemas()
	if schemaRegistry.apiProps[name] {
		return true
	}
	for _, t := range schemaRegistry.templates {
		if len(name) > len(t[0])+len(t[1]) && strings.HasPrefix(name, t[0]) && strings.HasSuffix(name, t[1]) {
			return true
		}
	}
	return false
}

// apiProperty finds name in one applied API schema ("ShapingAPI",
// "CollectionAPI:lights").
func apiProperty(schema, name string) (propDef, bool) {
	base, inst, _ := strings.Cut(schema, ":")
	d := schemas()[base]
	if d == nil || !d.api {
		return propDef{}, false
	}
	if !d.multiple {
		p, ok := d.props[name]
		return p, ok
	}
	if inst == "" {
		return propDef{}, false
	}
	for n, p := range d.props {
		if strings.Contains(n, instanceName) && strings.ReplaceAll(n, instanceName, inst) == name {
			return p, true
		}
	}
	return propDef{}, false
}

// definedProperty finds name in p's prim definition: its typed schema,
// then its applied API schemas in order.
func definedProperty(p *Prim, name string) (propDef, bool) {
	if d, ok := typedProperty(p.TypeName(), name); ok {
		return d, true
	}
	if !mayBeAPIProperty(name) {
		return propDef{}, false
	}
	for _, s := range p.APISchemas() {
		if d, ok := apiProperty(s, name); ok {
			return d, true
		}
	}
	return propDef{}, false
}

// schemaFallback is the fallback value of attribute attr in p's prim
// definition, if the definition gives one.
func schemaFallback(p *Prim, attr string) (fallbackValue, bool) {
	d, ok := definedProperty(p, attr)
	if !ok || d.rel || d.value == nil {
		return fallbackValue{}, false
	}
	return fallbackValue{typeName: d.typeName, value: d.value}, true
}

// inheritsSchema reports whether typed schema typeName is base or derives
// from it.
func inheritsSchema(typeName, base string) bool {
	defs := schemas()
	for t, n := typeName, 0; t != "" && n < 64; n++ {
		if t == base {
			return true
		}
		d := defs[t]
		if d == nil {
			return false
		}
		t = d.base
	}
	return false
}

// IsGprim reports whether typeName is a UsdGeom gprim type (derives from
// UsdGeomGprim).
func IsGprim(typeName string) bool { return inheritsSchema(typeName, "Gprim") }

// IsLight reports whether typeName is a UsdLux light type (derives from
// UsdLuxBoundableLightBase or UsdLuxNonboundableLightBase).
func IsLight(typeName string) bool {
	return inheritsSchema(typeName, "BoundableLightBase") || inheritsSchema(typeName, "NonboundableLightBase")
}
