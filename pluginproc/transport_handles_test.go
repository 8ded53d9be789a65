//go:build linux || darwin

package pluginproc

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The Python host's Windows transport, run on Linux: with
// RGALLERY_PLUGIN_HANDLES set, the host takes its protocol fds from
// msvcrt.open_osfhandle (here a stand-in that checks the flags and hands
// back the fds 3 and 4 Linux passed), and the plugin no longer sees the
// variable. Only the Go side's handle inheritance is left to Windows.
func TestPythonHostOpensHandlesFromEnv(t *testing.T) {
	needPython(t)
	fake := t.TempDir()
	os.WriteFile(filepath.Join(fake, "msvcrt.py"), []byte(`import os

def open_osfhandle(h, flags):
    want = {3: os.O_RDONLY, 4: os.O_WRONLY}[h]
    if flags != want:
        raise ValueError("open_osfhandle(%d, %#x): want %#x (binary, no O_TEXT)" % (h, flags, want))
    return h
`), 0o644)
	plugin := filepath.Join(t.TempDir(), "handles.py")
	os.WriteFile(plugin, []byte(`import os
from husd.backgroundrenderer import BackgroundRenderer

class R(BackgroundRenderer):
    pass

def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Handles " + os.environ.get("RGALLERY_PLUGIN_HANDLES", "gone"), R)
`), 0o644)
	t.Setenv("RGALLERY_PLUGIN_HANDLES", "3,4")
	t.Setenv("PYTHONPATH", fake)
	cfg := testConfig(t)
	cfg.CacheDir = t.TempDir()
	ps := loadPython(t, cfg, plugin)
	if got := labels(ps); !reflect.DeepEqual(got, []string{"Handles gone"}) {
		t.Fatalf("labels = %v, want [Handles gone]: the host must take the protocol from the named handles and hide the variable from the plugin", got)
	}
}
