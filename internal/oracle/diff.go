package oracle

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// FirstDiff compares two canonical JSON documents (as decoded by
// encoding/json into any: maps, slices, float64, string, bool, nil) and
// names the first difference by its path, "" when they are equal.
// Numbers compare exactly: both sides print floats so that equal values
// decode to equal float64s (non-finite ones as the strings "nan", "inf",
// "-inf"). Map keys are visited in sorted order, so the answer is stable.
func FirstDiff(ours, ref any) string {
	return firstDiff("$", ours, ref, 0)
}

// FirstDiffTol is FirstDiff with numbers taken as equal when they differ by
// at most rel times max(1, |ours|, |ref|), for facts that both sides
// compute with floating point in a different order. path names the root
// in the answer ("$" for a whole document).
func FirstDiffTol(path string, ours, ref any, rel float64) string {
	return firstDiff(path, ours, ref, rel)
}

func firstDiff(path string, a, b any, rel float64) string {
	switch av := a.(type) {
	case float64:
		bv, ok := b.(float64)
		if !ok || rel == 0 {
			break
		}
		if math.Abs(av-bv) > rel*max(1, math.Abs(av), math.Abs(bv)) {
			return fmt.Sprintf("%s: ours %v, reference %v", path, av, bv)
		}
		return ""
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: ours %s, reference %s", path, short(a), short(b))
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			x, inA := av[k]
			y, inB := bv[k]
			p := path + "." + k
			if strings.ContainsAny(k, ". []") {
				p = fmt.Sprintf("%s[%q]", path, k)
			}
			switch {
			case !inA:
				return fmt.Sprintf("%s: missing in ours, reference %s", p, short(y))
			case !inB:
				return fmt.Sprintf("%s: ours %s, missing in reference", p, short(x))
			}
			if d := firstDiff(p, x, y, rel); d != "" {
				return d
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: ours %s, reference %s", path, short(a), short(b))
		}
		for i := 0; i < len(av) && i < len(bv); i++ {
			if d := firstDiff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i], rel); d != "" {
				return d
			}
		}
		if len(av) != len(bv) {
			return fmt.Sprintf("%s: ours has %d elements, reference %d", path, len(av), len(bv))
		}
		return ""
	}
	if a != b {
		return fmt.Sprintf("%s: ours %s, reference %s", path, short(a), short(b))
	}
	return ""
}

func short(v any) string {
	if v == nil {
		return "null"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(data) > 120 {
		return string(data[:117]) + "..."
	}
	return string(data)
}

// DiffJSON decodes two canonical JSON documents and returns FirstDiff of
// them; a document that does not decode is itself the difference.
func DiffJSON(ours, ref []byte) string {
	var a, b any
	if err := json.Unmarshal(ours, &a); err != nil {
		return fmt.Sprintf("ours is not JSON: %v", err)
	}
	if err := json.Unmarshal(ref, &b); err != nil {
		return fmt.Sprintf("reference is not JSON: %v", err)
	}
	return FirstDiff(a, b)
}
