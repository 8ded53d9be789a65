package bgrender

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ParseOptionArgs turns "name=value" arguments (the CLI's --option) into a
// map of strings; applyOptions converts them to the schema's types.
func ParseOptionArgs(args []string) (map[string]any, error) {
	out := map[string]any{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("option %q: want name=value", a)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// applyOptions sets overrides on top of base. With a schema, names must be
// known and string values are converted to the option's type; without one
// (plugins whose options only getConfigOptions knows) values are kept as
// given, with numbers and booleans recognised.
func applyOptions(base, overrides map[string]any, schema []OptionSpec) (map[string]any, error) {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	specs := map[string]OptionSpec{}
	for _, s := range schema {
		specs[s.Name] = s
	}
	for k, v := range overrides {
		if len(schema) == 0 {
			out[k] = guessType(v)
			continue
		}
		spec, ok := specs[k]
		if !ok {
			names := slices.Sorted(maps.Keys(specs))
			return nil, fmt.Errorf("unknown option %q (options: %s)", k, strings.Join(names, ", "))
		}
		cv, err := convertOption(spec, v)
		if err != nil {
			return nil, err
		}
		out[k] = cv
	}
	return out, nil
}

func guessType(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return float64(i)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
		return b
	}
	return s
}

func convertOption(spec OptionSpec, v any) (any, error) {
	bad := func(err error) error {
		return fmt.Errorf("option %s=%v: want %s: %v", spec.Name, v, spec.Type, err)
	}
	s, isString := v.(string)
	var f float64
	switch spec.Type {
	case "int", "float":
		switch x := v.(type) {
		case string:
			var err error
			f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, bad(err)
			}
		case float64:
			f = x
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		default:
			return nil, bad(fmt.Errorf("got %T", v))
		}
		if spec.Type == "int" && f != float64(int64(f)) {
			return nil, bad(fmt.Errorf("not a whole number"))
		}
		if spec.Min != nil && f < *spec.Min {
			return nil, fmt.Errorf("option %s=%v: below the minimum %v", spec.Name, v, *spec.Min)
		}
		if spec.Max != nil && f > *spec.Max {
			return nil, fmt.Errorf("option %s=%v: above the maximum %v", spec.Name, v, *spec.Max)
		}
		return f, nil
	case "bool":
		if isString {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return nil, bad(err)
			}
			return b, nil
		}
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, bad(fmt.Errorf("got %T", v))
	case "choice":
		str := fmt.Sprint(v)
		if !slices.Contains(spec.Choices, str) {
			return nil, fmt.Errorf("option %s=%v: want one of %s", spec.Name, v, strings.Join(spec.Choices, ", "))
		}
		return str, nil
	default:
		return fmt.Sprint(v), nil
	}
}

// IntOption reads an integer option from a renderer's plugin options: def
// when it is absent, an error naming the option when it is not a whole
// number (JSON numbers, Go ints and numeric strings are accepted) or not in
// [lo, hi]. It is for renderers that read their own options.
func IntOption(opts map[string]any, name string, def, lo, hi int) (int, error) {
	v, ok := opts[name]
	if !ok || v == nil {
		return def, nil
	}
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("option %s = %v: want an integer", name, v)
		}
		n = int(x)
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return 0, fmt.Errorf("option %s = %v: want an integer", name, v)
		}
		n = int(i)
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("option %s = %q: want an integer", name, x)
		}
		n = i
	default:
		return 0, fmt.Errorf("option %s = %v: want an integer", name, v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("option %s = %d: out of range [%d, %d]", name, n, lo, hi)
	}
	return n, nil
}

// FloatOption reads a number option as IntOption reads an integer: def
// when it is absent, an error naming the option when it is not a number
// (JSON numbers, Go numbers and numeric strings are accepted) or not in
// [lo, hi].
func FloatOption(opts map[string]any, name string, def, lo, hi float64) (float64, error) {
	v, ok := opts[name]
	if !ok || v == nil {
		return def, nil
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return 0, fmt.Errorf("option %s = %v: want a number", name, v)
		}
		f = g
	case string:
		g, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("option %s = %q: want a number", name, x)
		}
		f = g
	default:
		return 0, fmt.Errorf("option %s = %v: want a number", name, v)
	}
	if !(f >= lo && f <= hi) {
		return 0, fmt.Errorf("option %s = %v: out of range [%v, %v]", name, v, lo, hi)
	}
	return f, nil
}
