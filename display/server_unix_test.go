//go:build linux || darwin

package display

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rgallery/rgallery/gallery"
)

// OpenImage reads regular files only: a FIFO would block the connection.
func TestOpenImageRefusesNonRegularFiles(t *testing.T) {
	f := newFixture(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	c := f.dial(t)
	send(t, c, &OpenImage{Header: Header{Type: TypeOpenImageV2}, Path: fifo})
	if s := f.ended(t, 0); s.State != gallery.Failed || !strings.Contains(s.Error, "not a regular file") {
		t.Errorf("FIFO: %s %q", s.State, s.Error)
	}
}
