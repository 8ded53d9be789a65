package crate

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sharedDir(t testing.TB) string {
	d, ok := findSharedDir()
	if !ok {
		t.Skip("shared dir (corpus) not found; set RGALLERY_SHARED")
	}
	return d
}

// findSharedDir is sharedDir without the skip, for callers that go on
// without the corpus (t.Skip ends the goroutine; recover cannot stop it).
func findSharedDir() (string, bool) {
	if d := os.Getenv("RGALLERY_SHARED"); d != "" {
		return d, true
	}
	d, _ := filepath.Abs("../../../../shared")
	if _, err := os.Stat(d); err != nil {
		return "", false
	}
	return d, true
}

// corpusCrates returns every crate file of the corpus.
func corpusCrates(t testing.TB) map[string][]byte {
	return corpusCratesIn(sharedDir(t))
}

// corpusCratesIn returns every crate file under shared's usd-corpus/dev.
func corpusCratesIn(shared string) map[string][]byte {
	out := map[string][]byte{}
	dir := filepath.Join(shared, "usd-corpus", "dev")
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.HasPrefix(b, []byte("PXR-USDC")) {
			out[p] = b
		}
		return nil
	})
	return out
}

func TestCorpusCrates(t *testing.T) {
	vers := map[string]int{}
	refused := 0
	for p, b := range corpusCrates(t) {
		l, err := Read(p, b)
		if len(b) > 10 && b[8] == 0 && b[9] < 4 {
			// Older than 0.4.0: obsolete, refused as usd-core 26.11 refuses it.
			if err == nil || !strings.Contains(err.Error(), "obsolete crate version") {
				t.Errorf("%s (crate 0.%d.%d): read, want refused as obsolete (%v)", p, b[9], b[10], err)
			}
			refused++
			continue
		}
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		vers[l.Version]++
		// Decode every lazy value too.
		for path, s := range l.Specs {
			for _, f := range s.Fields {
				if _, _, err := s.GetErr(f.Name); err != nil {
					t.Errorf("%s %s.%s: %v", p, path, f.Name, err)
				}
			}
		}
	}
	t.Logf("crate versions read: %v; %d obsolete files refused", vers, refused)
}

// TestHostileCounts: counts that would allocate gigabytes are refused
// before allocating, with the section named in the error.
func TestHostileCounts(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(sharedDir(t), "usd-corpus", "dev", "usdc-aousd-generated-0.10-0.12", "gen_vec3f.usdc"))
	if err != nil {
		t.Skip(err)
	}
	f := &file{name: "x", data: src}
	if err := f.readStructure(); err != nil {
		t.Fatal(err)
	}
	for _, sec := range []string{"PATHS", "TOKENS", "FIELDS", "FIELDSETS", "SPECS", "STRINGS"} {
		s := f.section(sec)
		if s == nil {
			t.Fatalf("no %s section", sec)
		}
		bad := append([]byte(nil), src...)
		binary.LittleEndian.PutUint64(bad[s.start:], 1<<40)
		_, err := Read("hostile.usdc", bad)
		if err == nil || !strings.Contains(err.Error(), sec) {
			t.Errorf("%s count 2^40: error %v", sec, err)
		}
	}
}
