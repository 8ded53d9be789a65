// Package owner decides which process owns a gallery's live renders and lets
// other processes reach it.
//
// One process at a time owns a gallery: it holds an exclusive lock on
// owner.lock in the gallery dir (flock on Linux and macOS, LockFileEx on
// Windows; the system releases it when the process dies, however it dies)
// and serves the gallery's API on a unix-domain socket (AF_UNIX, which
// Windows has since Windows 10 1803).
// Other rgallery processes (a second `render`, `stop`, `click`) send their
// requests over that socket. The package does not know what the API says;
// see package server.
package owner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/internal/proc"
)

// Lock is the ownership of a gallery.
type Lock struct {
	f *os.File
}

// ErrOwned is returned by TryAcquire when another process owns the gallery.
var ErrOwned = errors.New("the gallery is owned by another process")

// TryAcquire takes ownership of the gallery in dir, or returns ErrOwned.
func TryAcquire(dir string) (*Lock, error) {
	f, err := os.OpenFile(filepath.Join(dir, "owner.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("gallery owner lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, ErrOwned
		}
		return nil, fmt.Errorf("gallery owner lock: %w", err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return &Lock{f: f}, nil
}

// Release gives ownership up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	unlockFile(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}

// SocketPath returns where the owner of the gallery in dir listens. Unix
// socket paths are limited to about 100 bytes (sun_path: 108 on Linux and
// Windows, 104 on macOS), so a long gallery path gets a socket in the temp
// dir (per user on macOS and Windows) named after a hash of the gallery's
// path.
func SocketPath(dir string) string {
	p := filepath.Join(dir, "owner.sock")
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "rgallery-"+hex.EncodeToString(sum[:8])+".sock")
}

// Listen opens the owner's socket; call it only while holding the Lock, as
// it removes a stale socket left by a dead owner.
func Listen(dir string) (net.Listener, error) {
	p := SocketPath(dir)
	os.Remove(p)
	l, err := net.Listen("unix", p)
	if err != nil {
		return nil, fmt.Errorf("owner socket %s: %w", p, err)
	}
	os.Chmod(p, 0o600) // on Windows only the read-only bit exists; the socket's ACL is the dir's
	return l, nil
}

// Client returns an HTTP client whose requests go to the gallery owner's
// socket; use it with URLs of host "owner", e.g. http://owner/api/renders.
func Client(dir string) *http.Client {
	p := SocketPath(dir)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", p)
		},
	}}
}

// Alive reports whether an owner answers on the gallery's socket.
func Alive(ctx context.Context, dir string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://owner/api/ping", nil)
	resp, err := Client(dir).Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Gone reports whether the gallery in dir has no live owner: nobody
// answers on its socket and the process recorded in owner.lock (the last
// owner) is not running. Readers use it to show the renders of a dead
// owner as interrupted before the next owner records them so; it never
// takes the lock, which would race with a process becoming the owner.
func Gone(ctx context.Context, dir string) bool {
	if Alive(ctx, dir) {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, "owner.lock"))
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return true
	}
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		return false // not ours to judge
	}
	return !proc.Alive(pid)
}
