package usd

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFlattenWritesNoRelocates: relocations are composed into the
// flattened namespace, so the flattened layer carries no layerRelocates
// (UsdStage::Flatten writes none); carrying them would relocate twice.
func TestFlattenWritesNoRelocates(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root.usda")
	src := "#usda 1.0\n(\n    relocates = {\n        </Ref/a>: </Ref/b>\n    }\n)\n\ndef \"Ref\" (\n    references = </Src>\n)\n{\n}\n\ndef \"Src\"\n{\n    def \"a\"\n    {\n    }\n}\n"
	if err := os.WriteFile(root, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if s.PrimAtPath("/Ref/b") == nil {
		t.Fatalf("/Ref/b missing: the relocation did not compose")
	}
	flat := s.Flatten()
	if _, ok := flat.Root().Get("layerRelocates"); ok {
		t.Errorf("flattened layer has layerRelocates")
	}
	if flat.Spec("/Ref/b") == nil || flat.Spec("/Ref/a") != nil {
		t.Errorf("flattened /Ref children: b %v, a %v; want b only", flat.Spec("/Ref/b") != nil, flat.Spec("/Ref/a") != nil)
	}
}
