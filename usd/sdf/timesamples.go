package sdf

import "sort"

// TimeSamples are the authored samples of an attribute, sorted by time.
// A value may be a ValueBlock (a blocked sample) or Lazy (crate).
type TimeSamples struct {
	Times  []float64
	Values []any
}

// Sort orders samples by time, keeping the last of equal times.
func (ts *TimeSamples) Sort() {
	if sort.Float64sAreSorted(ts.Times) {
		return
	}
	idx := make([]int, len(ts.Times))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ts.Times[idx[a]] < ts.Times[idx[b]] })
	t := make([]float64, 0, len(idx))
	v := make([]any, 0, len(idx))
	for _, i := range idx {
		if n := len(t); n > 0 && t[n-1] == ts.Times[i] {
			v[n-1] = ts.Values[i]
			continue
		}
		t = append(t, ts.Times[i])
		v = append(v, ts.Values[i])
	}
	ts.Times, ts.Values = t, v
}

// Value returns sample i, decoding a lazy value.
func (ts *TimeSamples) Value(i int) (any, error) {
	v := ts.Values[i]
	if lz, ok := v.(Lazy); ok {
		return lz.Load()
	}
	return v, nil
}
