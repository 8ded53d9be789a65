package usd

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValueClipsTemplateAndAncestralMatchOpenUSD pins value clips in
// their template form (templateAssetPath with integer and with integer
// plus decimal hashes, start/end/stride, active offset) and their
// ancestral form (clips authored on an ancestor applying to descendants
// two levels down, with a times mapping), plus a local default that
// outranks the clips, against the values and time samples OpenUSD 26.11
// gives for the same stage (testdata/clips/openusd_values.py wrote
// openusd_26.11_values.json).
func TestValueClipsTemplateAndAncestralMatchOpenUSD(t *testing.T) {
	checkClipValuesAgainstOpenUSD(t, filepath.Join("testdata", "clips"), 6)
}

// TestValueClipRules pins the rules of clips.go's package comment, one
// prim each in testdata/clips/rules/root.usda, against the time samples
// and values OpenUSD 26.11 gives (openusd_values.py there wrote
// openusd_26.11_values.json):
//   - /ListOp: a stronger layer's "delete clipSets" removes a clip set
//     the clips dictionary of a weaker layer adds (_ResolveClipSetsInNode);
//   - /Offset: active and times authored in a sublayer with offset 10 are
//     mapped to stage time by it, and timecode values through the times
//     (_ApplyLayerOffsetToClipInfo, _ConvertValueForTime);
//   - /Strength: clips come right after their anchor layer: a default in
//     the stronger root layer outranks them (x), a default in a weaker
//     sublayer does not (y); without times, clip time is stage time
//     through the anchor layer's offset (_GetResolvedValueAtTimeWithClipsImpl);
//   - /Jump: two times entries at one stage time are a jump discontinuity
//     whose left side is a sample at t - SafeStep (Usd_ClipSet);
//   - /Manifest: an authored manifest decides which attributes the clips
//     answer; the anchor layer's own defaults outrank the clips
//     (_ClipsContainValueForAttribute).
func TestValueClipRules(t *testing.T) {
	checkClipValuesAgainstOpenUSD(t, filepath.Join("testdata", "clips", "rules"), 10)
}

// checkClipValuesAgainstOpenUSD opens dir/root.usda and compares the time
// samples and values of each attribute in dir/openusd_26.11_values.json
// (n of them) with OpenUSD's.
func checkClipValuesAgainstOpenUSD(t *testing.T, dir string, n int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "openusd_26.11_values.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Values  [][2]*float64 `json:"values"`
		Samples []float64     `json:"samples"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(dir, "root.usda"))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != n {
		t.Fatalf("%d attributes in the OpenUSD answers", len(want))
	}
	for path, w := range want {
		prim, name, _ := strings.Cut(path, ".")
		a := s.PrimAtPath(prim).Attribute(name)
		if a == nil {
			t.Errorf("%s: no attribute", path)
			continue
		}
		var got []float64
		for _, tc := range a.TimeSamples() {
			got = append(got, float64(tc))
		}
		if len(got) != len(w.Samples) {
			t.Errorf("%s: time samples %v, OpenUSD %v", path, got, w.Samples)
		} else {
			for i := range got {
				if math.Abs(got[i]-w.Samples[i]) > 1e-9 {
					t.Errorf("%s: time samples %v, OpenUSD %v", path, got, w.Samples)
					break
				}
			}
		}
		for _, tv := range w.Values {
			tm := *tv[0]
			v, ok := a.Float(TimeCode(tm))
			switch {
			case tv[1] == nil && ok:
				t.Errorf("%s at %v: %v, OpenUSD no value", path, tm, v)
			case tv[1] != nil && !ok:
				t.Errorf("%s at %v: no value, OpenUSD %v", path, tm, *tv[1])
			case tv[1] != nil && math.Abs(v-*tv[1]) > 1e-9*math.Max(1, math.Abs(v)):
				t.Errorf("%s at %v: %v, OpenUSD %v", path, tm, v, *tv[1])
			}
		}
	}
}
