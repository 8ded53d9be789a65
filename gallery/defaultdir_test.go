package gallery

import (
	"errors"
	"path/filepath"
	"testing"
)

// The default gallery dir follows each system's convention; RGALLERY_DIR
// wins everywhere. Run on Linux for all three systems.
func TestDefaultDirPerSystem(t *testing.T) {
	home := filepath.Join("/", "home", "ann")
	noHome := errors.New("no home")
	cases := []struct {
		goos string
		env  map[string]string
		herr error
		want string // "" means an error
	}{
		{"linux", nil, nil, filepath.Join(home, ".local", "share", "rgallery")},
		{"linux", map[string]string{"XDG_DATA_HOME": "/data"}, nil, filepath.Join("/data", "rgallery")},
		{"linux", map[string]string{"XDG_DATA_HOME": "/data"}, noHome, filepath.Join("/data", "rgallery")},
		{"linux", nil, noHome, ""},
		{"linux", map[string]string{"RGALLERY_DIR": "/g", "XDG_DATA_HOME": "/data"}, nil, "/g"},
		{"darwin", nil, nil, filepath.Join(home, "Library", "Application Support", "rgallery")},
		{"darwin", map[string]string{"XDG_DATA_HOME": "/data"}, nil, filepath.Join(home, "Library", "Application Support", "rgallery")},
		{"darwin", nil, noHome, ""},
		{"darwin", map[string]string{"RGALLERY_DIR": "/g"}, noHome, "/g"},
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\ann\AppData\Local`}, nil, filepath.Join(`C:\Users\ann\AppData\Local`, "rgallery")},
		{"windows", nil, nil, ""},
		{"windows", map[string]string{"RGALLERY_DIR": `D:\g`}, nil, `D:\g`},
	}
	for _, c := range cases {
		got, err := defaultDir(c.goos, func(k string) string { return c.env[k] }, home, c.herr)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s %v (home error %v): got %q, want an error", c.goos, c.env, c.herr, got)
		case c.want != "" && (err != nil || got != c.want):
			t.Errorf("%s %v (home error %v): got %q, %v; want %q", c.goos, c.env, c.herr, got, err, c.want)
		}
	}
}
