package usda

import (
	"strings"
	"testing"
)

// TestFramesPerSecondMustBePositive: OpenUSD's text parser refuses a layer
// whose framesPerSecond is not greater than 0 (sdf/schema.cpp,
// _ValidateFramesPerSecond), as usd-wg/assets
// foundation/stage_configuration/framesPerSecond_{0,-1}.usda show with
// usd-core 26.11; timeCodesPerSecond has no such validator and any number
// is read.
func TestFramesPerSecondMustBePositive(t *testing.T) {
	for _, c := range []struct {
		meta string
		ok   bool
	}{
		{"framesPerSecond = 24", true},
		{"framesPerSecond = 0.5", true},
		{"framesPerSecond = 0", false},
		{"framesPerSecond = -1", false},
		{"timeCodesPerSecond = -1", true},
		{"timeCodesPerSecond = 0", true},
	} {
		_, err := Parse("t.usda", []byte("#usda 1.0\n(\n    "+c.meta+"\n)\n"))
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v; want ok=%v", c.meta, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "framesPerSecond") {
			t.Errorf("%s: error %q does not name the field", c.meta, err)
		}
	}
}
