package slurm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/usd"
)

// TestPackageScene packages a scene whose closure reaches outside its own
// directory (a sublayer, a reference one level up, a texture) and opens the
// copy: every dependency must resolve inside the job dir.
func TestPackageScene(t *testing.T) {
	src := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shot/shot.usda", `#usda 1.0
(
    subLayers = [@./layers/light.usda@]
)
def Xform "World" (
    prepend references = @../assets/prop.usda@
)
{
}
`)
	write("shot/layers/light.usda", `#usda 1.0
def DistantLight "Sun"
{
}
`)
	write("assets/prop.usda", `#usda 1.0
(
    defaultPrim = "Prop"
)
def Xform "Prop"
{
    def Shader "Tex"
    {
        uniform token info:id = "UsdUVTexture"
        asset inputs:file = @./tex/wood.png@
    }
}
`)
	write("assets/tex/wood.png", "not really a png")
	write("unrelated/big.bin", "must not be copied")

	job := t.TempDir()
	scene, n, warnings, err := packageScene(filepath.Join(src, "shot", "shot.usda"), job)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if want := filepath.Join(job, "scene", "shot", "shot.usda"); scene != want {
		t.Errorf("packaged scene %s, want %s", scene, want)
	}
	if n != 4 {
		t.Errorf("%d files packaged, want 4", n)
	}
	for _, rel := range []string{"shot/layers/light.usda", "assets/prop.usda", "assets/tex/wood.png"} {
		if _, err := os.Stat(filepath.Join(job, "scene", rel)); err != nil {
			t.Errorf("not packaged: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(job, "scene", "unrelated")); err == nil {
		t.Error("a file outside the closure was copied")
	}
	st, err := usd.Open(scene)
	if err != nil {
		t.Fatal(err)
	}
	deps := st.Deps()
	for _, d := range deps {
		if !strings.HasPrefix(d, job+string(filepath.Separator)) {
			t.Errorf("dependency %s of the copy resolves outside the job dir", d)
		}
	}
	if !slices.Contains(deps, filepath.Join(job, "scene", "assets", "tex", "wood.png")) {
		t.Errorf("texture missing from the copy's deps: %v", deps)
	}
}

// TestPackageSceneMissingDep reports a dependency that is not there.
func TestPackageSceneMissingDep(t *testing.T) {
	src := t.TempDir()
	p := filepath.Join(src, "s.usda")
	os.WriteFile(p, []byte("#usda 1.0\n(\n    subLayers = [@./gone.usda@]\n)\n"), 0o644)
	_, n, warnings, err := packageScene(p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(warnings) != 1 || !strings.Contains(warnings[0], `"./gone.usda"`) {
		t.Errorf("n=%d warnings=%q, want one about ./gone.usda", n, warnings)
	}
}

// TestPackageSceneCopiesEveryVariant packages a scene whose variant set has
// no authored selection: the files of every variant are copied (the
// closure is read from the layers, as UsdUtilsComputeAllDependencies does),
// so whichever one a worker's variant fallback selects is on the nodes,
// with or without the fallbacks given to packageScene.
func TestPackageSceneCopiesEveryVariant(t *testing.T) {
	src := t.TempDir()
	for rel, text := range map[string]string{
		"shot.usda": `#usda 1.0
def Xform "World" (
    variantSets = "standin"
)
{
    variantSet "standin" = {
        "proxy" {
            def Xform "Geo" (
                prepend references = @./proxy.usda@
            )
            {
            }
        }
        "render" {
            def Xform "Geo" (
                prepend references = @./render.usda@
            )
            {
            }
        }
    }
}
`,
		"proxy.usda":  "#usda 1.0\n(\n    defaultPrim = \"P\"\n)\ndef Xform \"P\"\n{\n}\n",
		"render.usda": "#usda 1.0\n(\n    defaultPrim = \"R\"\n)\ndef Xform \"R\"\n{\n}\n",
	} {
		if err := os.WriteFile(filepath.Join(src, rel), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, opts := range [][]usd.OpenOption{nil, {usd.WithVariantFallbacks(map[string][]string{"standin": {"render"}})}} {
		job := t.TempDir()
		_, n, _, err := packageScene(filepath.Join(src, "shot.usda"), job, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"shot.usda", "proxy.usda", "render.usda"} {
			if _, err := os.Stat(filepath.Join(job, "scene", f)); err != nil {
				t.Errorf("fallbacks %v: %s not packaged: %v", len(opts) > 0, f, err)
			}
		}
		if n != 3 {
			t.Errorf("fallbacks %v: %d files packaged, want 3", len(opts) > 0, n)
		}
	}
}
