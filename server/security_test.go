//go:build linux || darwin

package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/server"
)

// raw sends a request with full control over headers; path is sent as is
// (not cleaned), so that encoded and dotted paths reach the server.
func raw(t *testing.T, base, method, path string, hdr map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	u, _ := url.Parse(base)
	req := &http.Request{Method: method, URL: &url.URL{Scheme: "http", Host: u.Host, Opaque: path}, Header: http.Header{}, Host: u.Host}
	if body != "" {
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8700": true, "[::1]:8700": true, "localhost:80": true, "127.1.2.3:1": true,
		":8700": false, "0.0.0.0:8700": false, "192.168.1.5:8700": false, "[::]:8700": false, "example.com:80": false,
	} {
		if got := server.IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestCSRFProtection(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	body := `{"star": true}`
	snap := f.render(map[string]any{"passes": 1, "interval": "1ms", "size": "64x48"})
	f.wait(snap.ID)
	for _, c := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"no custom header (a plain cross-site form post)", map[string]string{"Content-Type": "text/plain"}, 403},
		{"custom header from another origin", map[string]string{"X-Rgallery": "1", "Origin": "http://evil.example"}, 403},
		{"custom header, cross-site fetch metadata", map[string]string{"X-Rgallery": "1", "Sec-Fetch-Site": "cross-site"}, 403},
		{"custom header, same origin", map[string]string{"X-Rgallery": "1", "Origin": f.srv.URL, "Content-Type": "application/json"}, 200},
		{"custom header, no origin (curl)", map[string]string{"X-Rgallery": "1"}, 200},
	} {
		code, _, b := raw(t, f.srv.URL, "PATCH", "/api/snapshots/1", c.hdr, body)
		if code != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, code, c.want, b)
		}
	}
	// Reads need no header, but other sites may not read either.
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots/1", nil, ""); code != 200 {
		t.Errorf("GET: %d", code)
	}
	for site, want := range map[string]int{"cross-site": 403, "same-site": 403, "same-origin": 200, "none": 200} {
		if code, _, _ := raw(t, f.srv.URL, "GET", "/api/renderers/Progressive/form", map[string]string{"Sec-Fetch-Site": site}, ""); code != want {
			t.Errorf("GET with Sec-Fetch-Site %s: %d, want %d", site, code, want)
		}
	}
	// DELETE is protected as well.
	if code, _, _ := raw(t, f.srv.URL, "DELETE", "/api/snapshots/1", nil, ""); code != 403 {
		t.Errorf("DELETE without header: %d, want 403", code)
	}
	if s := f.get(1); !s.Star {
		t.Error("the allowed PATCH did not star the snapshot")
	}
}

func TestHostCheckAgainstDNSRebinding(t *testing.T) {
	f := newFixture(t, fixtureOpts{loopback: true})
	for host, want := range map[string]int{"evil.example:8700": 403, "127.0.0.1:8700": 200, "localhost:8700": 200, "[::1]:8700": 200} {
		if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots", map[string]string{"Host": host}, ""); code != want {
			t.Errorf("Host %s: %d, want %d", host, code, want)
		}
	}
}

func TestToken(t *testing.T) {
	const tok = "s3cret-token"
	f := newFixture(t, fixtureOpts{token: tok})
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots", nil, ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/", nil, ""); code != 401 {
		t.Errorf("page without token: %d, want 401", code)
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots", map[string]string{"Authorization": "Bearer wrong"}, ""); code != 401 {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots", map[string]string{"Authorization": "Bearer " + tok}, ""); code != 200 {
		t.Errorf("bearer token: %d, want 200", code)
	}
	// The URL that serve prints: the token becomes a strict cookie and
	// leaves the address bar.
	code, hdr, _ := raw(t, f.srv.URL, "GET", "/?token="+tok, nil, "")
	if code != http.StatusSeeOther || hdr.Get("Location") != "/" {
		t.Fatalf("token URL: %d to %q, want 303 to /", code, hdr.Get("Location"))
	}
	c := hdr.Get("Set-Cookie")
	if !strings.Contains(c, server.TokenCookie+"="+tok) || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Fatalf("cookie %q", c)
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots", map[string]string{"Cookie": server.TokenCookie + "=" + tok}, ""); code != 200 {
		t.Errorf("cookie: %d, want 200", code)
	}
	// A token does not replace the CSRF check.
	if code, _, _ := raw(t, f.srv.URL, "POST", "/api/renders", map[string]string{"Cookie": server.TokenCookie + "=" + tok}, `{}`); code != 403 {
		t.Errorf("POST with cookie, no header: %d, want 403", code)
	}
}

func TestBodySizeLimit(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	big := `{"label": "` + strings.Repeat("x", 2<<20) + `"}`
	code, _, b := raw(t, f.srv.URL, "POST", "/api/renders", map[string]string{"X-Rgallery": "1"}, big)
	if code < 400 || !strings.Contains(b, "too large") {
		t.Fatalf("2 MiB body: %d %s", code, b)
	}
}

// TestFilePickerConfinement checks that the picker lists only what is under
// the roots, however the path is spelled.
func TestFilePickerConfinement(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	// A link inside the root to a dir outside it, and one to a file inside.
	if err := os.Symlink(f.outside, filepath.Join(f.root, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(f.outside, "secret.usda"), filepath.Join(f.root, "secret-link.usda")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(f.root, "seq"), filepath.Join(f.root, "seq-link")); err != nil {
		t.Fatal(err)
	}
	root := f.root
	q := url.QueryEscape
	for _, c := range []struct {
		name, path string
		want       int
	}{
		{"the root", "/api/files?path=" + q(root), 200},
		{"a subdir", "/api/files?path=" + q(root+"/seq"), 200},
		{"a link to a subdir", "/api/files?path=" + q(root+"/seq-link"), 200},
		{"dot-dot out of the root", "/api/files?path=" + q(root+"/.."), 403},
		{"dot-dot to the sibling", "/api/files?path=" + q(root+"/../outside"), 403},
		{"dot-dot in the middle", "/api/files?path=" + q(root+"/seq/../../outside"), 403},
		{"encoded dot-dot", "/api/files?path=" + strings.ReplaceAll(q(root), "%2F", "/") + "/%2e%2e/outside", 403},
		{"double-encoded dot-dot is a name", "/api/files?path=" + q(root+"/%2e%2e/outside"), 404},
		{"a link out of the root", "/api/files?path=" + q(root+"/escape"), 403},
		{"an absolute path elsewhere", "/api/files?path=" + q("/etc"), 403},
		{"a relative path", "/api/files?path=" + q("seq"), 400},
		{"a NUL byte", "/api/files?path=" + q(root+"\x00/x"), 400},
	} {
		code, _, b := raw(t, f.srv.URL, "GET", c.path, nil, "")
		if code != c.want {
			t.Errorf("%s (%s): %d, want %d: %s", c.name, c.path, code, c.want, b)
		}
		if code != 200 && strings.Contains(b, "secret") && !strings.Contains(b, "path ") {
			t.Errorf("%s: the answer shows the outside dir: %s", c.name, b)
		}
	}
	var l server.Listing
	if code := f.do("GET", "/api/files?path="+q(root), nil, &l); code != 200 {
		t.Fatal(code)
	}
	var names []string
	for _, e := range l.Entries {
		names = append(names, e.Name)
	}
	// Dirs first, then scenes; no .txt, no link that leads out.
	if got := strings.Join(names, ","); got != "seq,seq-link,shot.usda" {
		t.Errorf("root listing = %s, want seq,seq-link,shot.usda", got)
	}
	if l.Parent != "" {
		t.Errorf("the root has a parent %q in the picker", l.Parent)
	}
}

// TestRenderSceneConfinement checks that the web API renders only scenes
// under the roots.
func TestRenderSceneConfinement(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	if err := os.Symlink(filepath.Join(f.outside, "secret.usda"), filepath.Join(f.root, "secret-link.usda")); err != nil {
		t.Fatal(err)
	}
	for scene, want := range map[string]int{
		filepath.Join(f.outside, "secret.usda"):   403,
		f.root + "/../outside/secret.usda":        403,
		filepath.Join(f.root, "secret-link.usda"): 403,
		"/etc/hostname":                       403,
		"shot.usda":                           400,
		filepath.Join(f.root, "missing.usda"): 404,
	} {
		var e server.ErrorBody
		code := f.do("POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: scene}, &e)
		if code != want {
			t.Errorf("render %s: %d (%s), want %d", scene, code, e.Error, want)
		}
	}
	if n, _ := f.g.Count(context.Background()); n != 0 {
		t.Fatalf("%d snapshots were created for refused scenes", n)
	}
}

// TestOutsidePathsAnswerAlikeWhetherTheyExist pins the rule that a path
// outside the roots is refused before the file system is consulted: a
// missing and an existing file outside get the same status and the same
// message shape, so the API is no existence oracle for the machine.
func TestOutsidePathsAnswerAlikeWhetherTheyExist(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	answer := func(scene string) (int, string) {
		var e server.ErrorBody
		code := f.do("POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: scene}, &e)
		return code, strings.ReplaceAll(e.Error, scene, "PATH")
	}
	exists := filepath.Join(f.outside, "secret.usda")
	missing := filepath.Join(f.outside, "no-such-file.usda")
	c1, m1 := answer(exists)
	c2, m2 := answer(missing)
	if c1 != 403 || c2 != 403 || m1 != m2 {
		t.Errorf("existing outside file: %d %q; missing one: %d %q (want the same 403)", c1, m1, c2, m2)
	}
	for _, p := range []string{exists, missing} {
		code, _, b := raw(t, f.srv.URL, "GET", "/api/files?path="+url.QueryEscape(p), nil, "")
		if code != 403 {
			t.Errorf("picker %s: %d %s, want 403", p, code, b)
		}
	}
}

// TestStaticAndGalleryFileConfinement checks the UI's file server and the
// snapshot file handlers against paths that try to leave them.
func TestStaticAndGalleryFileConfinement(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for _, p := range []string{"/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/web/../../go.mod", "/static/..%252f..%252fgo.mod"} {
		code, _, b := raw(t, f.srv.URL, "GET", p, nil, "")
		if strings.Contains(b, "root:") || strings.Contains(b, "module github.com") {
			t.Errorf("GET %s (%d) served a file outside the UI", p, code)
		}
	}
	// A snapshot whose image file was replaced by a link out of the gallery
	// is not served.
	s := f.render(map[string]any{"passes": 1, "interval": "1ms", "size": "64x48"})
	s = f.wait(s.ID)
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", nil, ""); code != 200 {
		t.Fatalf("image: %d", code)
	}
	img := f.g.Path(s.Image)
	os.Remove(img)
	if err := os.Symlink(filepath.Join(f.outside, "secret.usda"), img); err != nil {
		t.Fatal(err)
	}
	code, _, b := raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", nil, "")
	if code != 404 || strings.Contains(b, "secret") {
		t.Errorf("image linked out of the gallery: %d %q", code, b)
	}
}
