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
