//go:build linux || darwin

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// serving runs `rgallery serve` and returns its process and the URL it
// printed.
func (e *env) serve(args ...string) (*os.Process, string) {
	e.t.Helper()
	c := e.cmd(append([]string{"serve"}, args...)...)
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
	urls := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`on (http://\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		c.Wait()
	}()
	select {
	case u := <-urls:
		return c.Process, u
	case <-time.After(20 * time.Second):
		e.t.Fatal("serve printed no URL")
	}
	return nil, ""
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeOwnsTheGallery(t *testing.T) {
	e := newEnv(t)
	proc, url := e.serve("--addr", "127.0.0.1:0", "--root", filepath.Dir(e.scene))
	if code, body := httpGet(t, url); code != 200 || !strings.Contains(body, "<title>rgallery</title>") {
		t.Fatalf("GET /: %d %.200s", code, body)
	}
	if code, body := httpGet(t, url+"api/renderers"); code != 200 || !strings.Contains(body, `"Progressive"`) {
		t.Fatalf("renderers: %d %.300s", code, body)
	}
	// A render from another terminal runs in serve's process.
	if out, stderr, code := e.run("render", "-r", "Progressive", "-o", "passes=2", "-o", "interval=10ms", e.scene); code != 0 {
		t.Fatalf("render: %d %s %s", code, out, stderr)
	}
	if s := e.show(1); s.OwnerPID != proc.Pid || s.State != gallery.Finished {
		t.Fatalf("snapshot 1: owner %d state %s, want serve's pid %d, finished", s.OwnerPID, s.State, proc.Pid)
	}
	// A long render from the web; serve's end stops it and leaves nothing.
	req, _ := http.NewRequest("POST", url+"api/renders", strings.NewReader(`{"renderer":"Progressive","scene":`+quote(e.scene)+`,"options":{"passes":100000}}`))
	req.Header.Set("X-Rgallery", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var s gallery.Snapshot
	json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if resp.StatusCode != 201 || s.ID != 2 {
		t.Fatalf("web render: %d %+v", resp.StatusCode, s)
	}
	pid := e.pid(2)
	proc.Signal(syscall.SIGTERM)
	waitFor(t, func() bool { return !alive(proc.Pid) })
	if alive(pid) {
		t.Fatalf("render process %d survived serve", pid)
	}
	if s := e.show(2); s.State.Live() {
		t.Fatalf("snapshot 2 is %s after serve ended", s.State)
	}
	if _, err := os.Stat(filepath.Join(e.gallery, "owner.sock")); !os.IsNotExist(err) {
		t.Fatalf("owner socket left behind: %v", err)
	}
}

func TestServeNonLoopbackNeedsToken(t *testing.T) {
	e := newEnv(t)
	_, url := e.serve("--addr", "0.0.0.0:0", "--root", filepath.Dir(e.scene))
	m := regexp.MustCompile(`:(\d+)/\?token=([0-9a-f]{32})$`).FindStringSubmatch(url)
	if m == nil {
		t.Fatalf("URL %s has no generated token", url)
	}
	base := "http://127.0.0.1:" + m[1] + "/"
	if code, _ := httpGet(t, base+"api/snapshots"); code != 401 {
		t.Fatalf("without token: %d, want 401", code)
	}
	if code, _ := httpGet(t, base+"api/snapshots?token="+m[2]); code != 200 {
		t.Fatalf("with token: %d, want 200", code)
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestServeRefusesOwnedGallery(t *testing.T) {
	e := newEnv(t)
	own := e.cmd("own", "--idle", "30s")
	own.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := own.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-own.Process.Pid, syscall.SIGKILL)
		own.Wait()
	}()
	waitFor(t, func() bool {
		b, err := os.ReadFile(filepath.Join(e.gallery, "owner.lock"))
		return err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(own.Process.Pid)
	})
	_, stderr, code := e.run("serve", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "owned by another process (pid "+strconv.Itoa(own.Process.Pid)+")") {
		t.Fatalf("serve on an owned gallery: exit %d, stderr %q", code, stderr)
	}
}
