package owner

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One owner at a time: a second TryAcquire (another open of the lock file,
// as another process would make) is refused until the first is released.
// Runs on every system: flock on Linux and macOS, LockFileEx on Windows.
func TestOneOwnerAtATime(t *testing.T) {
	dir := t.TempDir()
	l, err := TryAcquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l2, err := TryAcquire(dir); !errors.Is(err, ErrOwned) {
		l2.Release()
		t.Fatalf("second TryAcquire: err = %v, want ErrOwned", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l3, err := TryAcquire(dir)
	if err != nil {
		t.Fatalf("TryAcquire after Release: %v", err)
	}
	l3.Release()
}

// The owner's socket carries the API (AF_UNIX on every system, Windows
// 10 1803 and later included), also for a gallery path too long for a
// socket path.
func TestOwnerSocketAnswers(t *testing.T) {
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), strings.Repeat("long-gallery-name-", 8))} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if p := SocketPath(dir); len(p) >= 100 {
			t.Fatalf("socket path %s is %d bytes, want under 100", p, len(p))
		}
		ln, err := Listen(dir)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/ping" {
				http.NotFound(w, r)
			}
		})}
		go srv.Serve(ln)
		if !Alive(context.Background(), dir) {
			t.Errorf("%s: no answer on the owner socket %s", dir, SocketPath(dir))
		}
		srv.Close()
		if Alive(context.Background(), dir) {
			t.Errorf("%s: an answer after the owner closed", dir)
		}
	}
}
