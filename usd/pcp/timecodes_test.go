package pcp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rgallery/rgallery/usd"
	"github.com/rgallery/rgallery/usd/pcp"
)

// TestTimeCodesPerSecondAuthoredAsIs pins that an authored
// timeCodesPerSecond is used as it is, zero and negative included
// (SdfLayer::GetTimeCodesPerSecond, PcpLayerStack layer offsets): usd-core
// 26.11 reports -1 and 0 for the stage, and scales a sublayer of 24 by
// -1/24 (its samples 0, 24, 48 land on 0, -1, -2).
func TestTimeCodesPerSecondAuthoredAsIs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("sub.usda", "#usda 1.0\n(\n    timeCodesPerSecond = 24\n)\n\ndef \"S\"\n{\n    double a.timeSamples = { 0: 0, 24: 24, 48: 48 }\n}\n")
	for _, tc := range []struct {
		authored string
		want     float64
	}{{"-1", -1}, {"0", 0}, {"48", 48}, {"12.5", 12.5}} {
		root := write("root"+tc.authored+".usda", "#usda 1.0\n(\n    timeCodesPerSecond = "+tc.authored+"\n    subLayers = [@./sub.usda@]\n)\n")
		l, err := usd.ReadLayer(root)
		if err != nil {
			t.Fatal(err)
		}
		if got := pcp.TimeCodesPerSecond(l); got != tc.want {
			t.Errorf("timeCodesPerSecond = %s: got %v, want %v", tc.authored, got, tc.want)
		}
	}
	s, err := usd.Open(filepath.Join(dir, "root-1.usda"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.TimeCodesPerSecond(); got != -1 {
		t.Errorf("stage timeCodesPerSecond: got %v, want -1", got)
	}
	if got, want := fmt.Sprint(s.PrimAtPath("/S").Attribute("a").TimeSamples()), "[-2 -1 0]"; got != want {
		t.Errorf("samples of a sublayer of 24 under -1: got %v, want %v", got, want)
	}
}
