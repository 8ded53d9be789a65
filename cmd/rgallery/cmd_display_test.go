//go:build linux || darwin

package main

import (
	"bufio"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/display"
	"github.com/rgallery/rgallery/gallery"
)

// startDisplayCmd runs rgallery with args and returns the display server's
// address it printed.
func (e *env) startDisplayCmd(args ...string) (pid int, addr string) {
	e.t.Helper()
	c := e.cmd(args...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := c.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	e.t.Cleanup(func() {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		<-done
	})
	addrs := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`tev display server on ([^\s,]+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- m[1]
			}
		}
		c.Wait()
	}()
	select {
	case a := <-addrs:
		return c.Process.Pid, a
	case <-time.After(30 * time.Second):
		e.t.Fatal("no display server address printed")
	}
	return 0, ""
}

// streamOne sends one small image with tev's protocol and closes it.
func streamOne(t *testing.T, addr, name string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b []byte
	for _, p := range []display.Packet{
		&display.CreateImage{Header: display.Header{Type: display.TypeCreateImage}, Name: name, Width: 2, Height: 1, Channels: []string{"R", "G", "B"}},
		&display.UpdateImage{Header: display.Header{Type: display.TypeUpdateImageV2}, Name: name, Channels: []string{"G"}, Width: 2, Height: 1,
			Offsets: []int64{0}, Strides: []int64{1}, Data: []float32{0.5, 0.25}},
		&display.CloseImage{Header: display.Header{Type: display.TypeCloseImage}, Name: name},
	} {
		if b, err = display.Append(b, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestDisplayCommandStreamsIntoTheGallery(t *testing.T) {
	e := newEnv(t)
	pid, addr := e.startDisplayCmd("display", "--addr", "127.0.0.1:0")
	streamOne(t, addr, "from pbrt")
	// The server creates the snapshot when the image arrives, after
	// streamOne returns: wait for it to exist, then to finish.
	waitFor(t, func() bool { s, ok := e.tryShow(1); return ok && s.State == gallery.Finished })
	if s := e.show(1); s.Renderer != display.Label || s.Label != "from pbrt" || s.OwnerPID != pid {
		t.Fatalf("snapshot 1: %q %q owner %d, want tev, from pbrt, %d", s.Renderer, s.Label, s.OwnerPID, pid)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitFor(t, func() bool { return !alive(pid) })
}

func TestServeDisplayServerFlag(t *testing.T) {
	e := newEnv(t)
	pid, addr := e.startDisplayCmd("serve", "--addr", "127.0.0.1:0", "--display-server", "127.0.0.1:0")
	streamOne(t, addr, "into serve")
	// The server creates the snapshot when the image arrives, after
	// streamOne returns: wait for it to exist, then to finish.
	waitFor(t, func() bool { s, ok := e.tryShow(1); return ok && s.State == gallery.Finished })
	if s := e.show(1); s.OwnerPID != pid {
		t.Fatalf("stream snapshot owned by %d, want serve's pid %d", s.OwnerPID, pid)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitFor(t, func() bool { return !alive(pid) })
}

func TestDisplayRefusesNonLoopbackWithoutFlag(t *testing.T) {
	e := newEnv(t)
	_, stderr, code := e.run("display", "--addr", "0.0.0.0:0")
	if code != 1 || !strings.Contains(stderr, "not a loopback address") {
		t.Fatalf("display on 0.0.0.0: exit %d, stderr %q", code, stderr)
	}
}
