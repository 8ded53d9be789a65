package usda

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd/sdf"
)

// TestRoundTripText checks usda -> write -> parse gives an equal layer
// for every text layer of the corpus.
func TestRoundTripText(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "usd-corpus", "dev")
	n := 0
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.Contains(path, "failcases") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || !isUsda(b) {
			return nil
		}
		l, err := Parse(path, b)
		if err != nil {
			return nil
		}
		var out bytes.Buffer
		if err := Write(&out, l); err != nil {
			t.Errorf("%s: write: %v", path, err)
			return nil
		}
		l2, err := Parse(path+" (rewritten)", out.Bytes())
		if err != nil {
			t.Errorf("%s: reparse: %v\n%s", path, err, out.String())
			return nil
		}
		if d := sdf.Diff(l, l2); len(d) > 0 {
			t.Errorf("%s: round trip differs:\n%s", path, strings.Join(d, "\n"))
		}
		n++
		return nil
	})
	t.Logf("%d text layers round-tripped", n)
}

// TestLayerOffsetScaleZeroIsWrittenAsAuthored: Sdf's text writer writes a
// layer offset's offset when it is not 0 and its scale when it is not 1,
// so a scale of 0 is written ("</f> (scale = 0)"). Ours dropped it, so
// references = [</f>, </f> (scale = 0)] (two items, as OpenUSD reads it)
// was written as two equal items that no longer parse (FuzzParse,
// 3197e25fbf24f975), and sublayer and arc offsets of scale 0 (which Pcp
// reports as invalid) were written as the identity.
func TestLayerOffsetScaleZeroIsWrittenAsAuthored(t *testing.T) {
	src := `#usda 1.0
(
    subLayers = [@a.usda@ (scale = 0), @b.usda@ (offset = 3; scale = 0), @c.usda@]
)
def "A" (
    references = [</f> (scale = 0), </f>, </f> (offset = 2; scale = 0)]
    payload = </f> (scale = 0)
)
{
}
`
	l, err := Parse("s0.usda", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, l); err != nil {
		t.Fatal(err)
	}
	back, err := Parse("s0-rewritten.usda", out.Bytes())
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, out.String())
	}
	if d := sdf.Diff(l, back); len(d) > 0 {
		t.Errorf("rewritten layer differs: %v\n%s", d, out.String())
	}
	var subs []sdf.LayerOffset
	for _, s := range back.SubLayers() {
		subs = append(subs, s.Offset)
	}
	if want := []sdf.LayerOffset{{Offset: 0, Scale: 0}, {Offset: 3, Scale: 0}, sdf.IdentityOffset}; len(subs) != 3 || subs[0] != want[0] || subs[1] != want[1] || subs[2] != want[2] {
		t.Errorf("sublayer offsets %v, want %v\n%s", subs, want, out.String())
	}
	v, _ := back.Specs["/A"].Get("references")
	refs, _ := v.(sdf.ReferenceListOp)
	if len(refs.Items) != 3 || refs.Items[0].Offset != (sdf.LayerOffset{}) || refs.Items[2].Offset != (sdf.LayerOffset{Offset: 2}) {
		t.Errorf("references %v, want offsets (0, 0), identity, (2, 0)\n%s", refs.Items, out.String())
	}
	v, _ = back.Specs["/A"].Get("payload")
	if pl, _ := v.(sdf.PayloadListOp); len(pl.Items) != 1 || pl.Items[0].Offset != (sdf.LayerOffset{}) {
		t.Errorf("payload %v, want offset (0, 0)\n%s", v, out.String())
	}
}
