package bgrender

import (
	"path/filepath"
	"slices"
	"testing"
)

// The plugin search path is split with the system's list separator (":" on
// Linux and macOS, ";" on Windows), in both variables, and "&" stands for
// the default path wherever it appears. Both separators are tested here.
func TestSearchPathSeparators(t *testing.T) {
	cfgDir := filepath.Join("/", "cfg")
	def := filepath.Join(cfgDir, "rgallery")
	cases := []struct {
		name string
		sep  rune
		env  map[string]string
		want []string
	}{
		{"unset", ':', nil, []string{def, builtinMarker}},
		{"unix list", ':', map[string]string{"RGALLERY_PLUGIN_PATH": "/a:&:/b", "HOUDINI_HUSDPLUGINS_PATH": "/h1:/h2"},
			[]string{"/a", def, builtinMarker, "/b", "/h1", "/h2"}},
		{"houdini & adds nothing twice", ':', map[string]string{"HOUDINI_HUSDPLUGINS_PATH": "/h:&"},
			[]string{def, builtinMarker, "/h"}},
		{"windows list keeps drive letters", ';', map[string]string{
			"RGALLERY_PLUGIN_PATH":     `C:\plugins;&`,
			"HOUDINI_HUSDPLUGINS_PATH": `D:\houdini\husdplugins; ;E:\more`},
			[]string{`C:\plugins`, def, builtinMarker, `D:\houdini\husdplugins`, `E:\more`}},
		{"colon is not a separator on windows", ';', map[string]string{"RGALLERY_PLUGIN_PATH": `/a:/b`},
			[]string{"/a:/b"}},
	}
	for _, c := range cases {
		got := searchPath(func(k string) string { return c.env[k] }, cfgDir, c.sep)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if got := searchPath(func(string) string { return "" }, "", ':'); !slices.Equal(got, []string{builtinMarker}) {
		t.Errorf("no config dir: got %q, want only the built-ins", got)
	}
}
