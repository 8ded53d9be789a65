//go:build linux || darwin

package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

func TestImageETagFollowsImageVersion(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	s := f.wait(f.render(map[string]any{"passes": 2, "interval": "1ms", "size": "64x48"}).ID)
	code, hdr, body := raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", nil, "")
	if code != 200 || hdr.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
		t.Fatalf("image: %d %s", code, hdr.Get("Content-Type"))
	}
	etag := hdr.Get("ETag")
	if want := `"1-image-` + itoa(s.ImageVersion) + `"`; etag != want {
		t.Fatalf("ETag %s, want %s", etag, want)
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", map[string]string{"If-None-Match": etag}, ""); code != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", code)
	}
	// A new image (as a progressive render makes) changes the ETag, and
	// the old one no longer matches.
	if err := f.g.SetImage(context.Background(), 1, f.g.Path(s.Image), true); err != nil {
		t.Fatal(err)
	}
	code, hdr, _ = raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", map[string]string{"If-None-Match": etag}, "")
	if code != 200 || hdr.Get("ETag") == etag {
		t.Fatalf("after a new image: %d ETag %s (old %s)", code, hdr.Get("ETag"), etag)
	}
	code, hdr, _ = raw(t, f.srv.URL, "GET", "/api/snapshots/1/thumb", nil, "")
	if code != 200 || !strings.Contains(hdr.Get("ETag"), "thumb") {
		t.Fatalf("thumb: %d %s", code, hdr.Get("ETag"))
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots/99/image", nil, ""); code != 404 {
		t.Fatalf("missing snapshot: %d", code)
	}
	// Export as a download, converted.
	code, hdr, body = raw(t, f.srv.URL, "GET", "/api/snapshots/1/export?format=jpg", nil, "")
	if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "snapshot-1.jpg") || !strings.HasPrefix(body, "\xff\xd8") {
		t.Fatalf("export jpg: %d %s %q", code, hdr.Get("Content-Disposition"), body[:min(4, len(body))])
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots/1/export?format=gif", nil, ""); code != 400 {
		t.Fatalf("export gif: %d", code)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestEditDeleteAndRerender(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	first := f.wait(f.render(map[string]any{"passes": 2, "interval": "1ms", "size": "64x48"}).ID)

	var s gallery.Snapshot
	label, star, colour := "key light v2", true, "orange"
	if code := f.do("PATCH", "/api/snapshots/1", server.EditRequest{Label: &label, Star: &star, Colour: &colour, AddTags: []string{"hero", "lookdev"}}, &s); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if s.Label != label || !s.Star || s.Colour != "orange" || strings.Join(s.Tags, ",") != "hero,lookdev" {
		t.Fatalf("after edit: %+v", s)
	}
	if code := f.do("PATCH", "/api/snapshots/1", server.EditRequest{RemoveTags: []string{"lookdev"}}, &s); code != 200 || strings.Join(s.Tags, ",") != "hero" {
		t.Fatalf("remove tag: %d %v", code, s.Tags)
	}
	var e server.ErrorBody
	bad := "url(javascript:x)"
	if code := f.do("PATCH", "/api/snapshots/1", server.EditRequest{Colour: &bad}, &e); code != 400 || !strings.Contains(e.Error, "colour") {
		t.Fatalf("bad colour: %d %s", code, e.Error)
	}
	if code := f.do("PATCH", "/api/snapshots/1", server.EditRequest{AddTags: []string{"a\nb"}}, &e); code != 400 {
		t.Fatalf("bad tag: %d %s", code, e.Error)
	}
	if code := f.do("PATCH", "/api/snapshots/1", map[string]any{"stars": true}, &e); code != 400 || !strings.Contains(e.Error, "unknown field") {
		t.Fatalf("unknown field: %d %s", code, e.Error)
	}
	if code := f.do("PATCH", "/api/snapshots/42", server.EditRequest{Star: &star}, &e); code != 404 {
		t.Fatalf("edit missing: %d", code)
	}

	// The Background button: same scene, renderer and last options.
	var again gallery.Snapshot
	if code := f.do("POST", "/api/snapshots/1/rerender", nil, &again); code != 201 {
		t.Fatalf("rerender: %d", code)
	}
	again = f.wait(again.ID)
	if again.Source != first.Source || again.Renderer != "Progressive" || again.Options["plugin"].(map[string]any)["passes"] != 2.0 || again.State != gallery.Finished {
		t.Fatalf("rerender: %+v", again)
	}
	// The renderer menu after its form: new options.
	if code := f.do("POST", "/api/snapshots/1/rerender", server.RerenderRequest{Renderer: "Progressive", Options: map[string]any{"passes": 3}}, &again); code != 201 {
		t.Fatalf("rerender with options: %d", code)
	}
	if again = f.wait(again.ID); again.Options["plugin"].(map[string]any)["passes"] != 3.0 {
		t.Fatalf("options %v", again.Options)
	}

	// A live render cannot be deleted; a finished one can, with its files.
	long := f.render(map[string]any{"passes": 1000, "interval": "50ms"})
	if code := f.do("DELETE", "/api/snapshots/"+itoa(long.ID), nil, &e); code != 400 || !strings.Contains(e.Error, "stop it") {
		t.Fatalf("delete live: %d %s", code, e.Error)
	}
	f.do("POST", "/api/snapshots/"+itoa(long.ID)+"/stop", nil, nil)
	if code := f.do("DELETE", "/api/snapshots/1", nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if _, err := f.g.Get(context.Background(), 1); err == nil {
		t.Fatal("snapshot 1 still there")
	}
	if code, _, _ := raw(t, f.srv.URL, "GET", "/api/snapshots/1/image", nil, ""); code != 404 {
		t.Fatalf("image of a deleted snapshot: %d", code)
	}
}

// asker is a Go renderer without an option list: its form comes from
// GetConfigOptions, as a Python plugin's does.
type asker struct{ bgrender.Base }

func (asker) GetConfigOptions(_ context.Context, old map[string]any) (map[string]any, error) {
	out := map[string]any{"samples": 64.0, "denoise": true, "camera": "/cam"}
	for k, v := range old {
		out[k] = v
	}
	return out, nil
}
func (asker) StartBackgroundRender(context.Context, string, bgrender.Options) error { return nil }
func (asker) IsRenderFinished(context.Context) (bool, error)                        { return false, nil }
func (asker) StopBackgroundRender(context.Context) error                            { return nil }

func TestRendererForms(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	var form server.Form
	if code := f.do("GET", "/api/renderers/Progressive/form", nil, &form); code != 200 {
		t.Fatalf("form: %d", code)
	}
	var names []string
	for _, fd := range form.Fields {
		names = append(names, fd.Name+":"+fd.Type)
	}
	if strings.Join(names, ",") != "passes:int,interval:string,size:choice" || form.Values["passes"] != 4.0 {
		t.Fatalf("Progressive form: %v values %v", names, form.Values)
	}
	f.wait(f.render(map[string]any{"passes": 2, "interval": "1ms", "size": "64x48"}).ID)
	f.do("GET", "/api/renderers/Progressive/form", nil, &form)
	if form.Values["passes"] != 2.0 || form.Values["size"] != "64x48" {
		t.Fatalf("form after a render shows %v, want the last options", form.Values)
	}

	if err := f.m.Register("Asker", func(bgrender.Host) (bgrender.Renderer, error) { return asker{}, nil }); err != nil {
		t.Fatal(err)
	}
	if code := f.do("GET", "/api/renderers/Asker/form", nil, &form); code != 200 {
		t.Fatalf("Asker form: %d", code)
	}
	names = nil
	for _, fd := range form.Fields {
		names = append(names, fd.Name+":"+fd.Type)
	}
	if strings.Join(names, ",") != "camera:string,denoise:bool,samples:int" || form.Values["samples"] != 64.0 {
		t.Fatalf("Asker form: %v values %v", names, form.Values)
	}
	var e server.ErrorBody
	if code := f.do("GET", "/api/renderers/Nope/form", nil, &e); code != 404 || !strings.Contains(e.Error, "known: ") {
		t.Fatalf("unknown renderer form: %d %s", code, e.Error)
	}
}

// TestEventsCarrySnapshots reads the event stream while a render runs: its
// events carry the snapshot as it is, ending with the finished state. (A
// metadata change that comes with a new image is told as one "image"
// event: the stream coalesces.)
func TestEventsCarrySnapshots(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %s", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // retry
	go f.render(map[string]any{"passes": 3, "interval": "20ms", "size": "64x48"})
	seen := map[string]int{}
	stats := 0 // events whose snapshot has stats (metadata, or an image event coalesced with one)
	var last server.EventData
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") {
			continue
		}
		var d server.EventData
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d); err != nil {
			t.Fatalf("event data %q: %v", line, err)
		}
		if d.Snapshot == nil || d.Snapshot.ID != d.ID {
			t.Fatalf("event without its snapshot: %s", line)
		}
		seen[d.Type]++
		if d.Snapshot.Stats.PercentDone != nil {
			stats++
		}
		last = d
		if d.Type == "state" && d.Snapshot.State.Final() {
			break
		}
	}
	if seen["created"] != 1 || seen["image"] < 1 || stats < 1 || last.Snapshot.State != gallery.Finished || last.Snapshot.ImageVersion < 1 {
		t.Fatalf("events %v, last %+v", seen, last)
	}
}

// TestPythonPluginForm checks the form of a real Python plugin (the seed's
// template shape): its fields are what its getConfigOptions returns,
// asked of a throwaway plugin process that is gone afterwards.
func TestPythonPluginForm(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	f := newFixture(t, fixtureOpts{})
	abs, _ := filepath.Abs("testdata/python")
	d := bgrender.Discover(context.Background(), []string{abs})
	if len(d.Errors) > 0 || len(d.Plugins) != 1 {
		t.Fatalf("discovery: %+v", d)
	}
	if err := f.m.AddDiscovered(d); err != nil {
		t.Fatal(err)
	}
	before := children()
	var form server.Form
	if code := f.do("GET", "/api/renderers/Python%20Asker/form", nil, &form); code != 200 {
		t.Fatalf("form: %d %+v", code, form)
	}
	var names []string
	for _, fd := range form.Fields {
		names = append(names, fd.Name+":"+fd.Type)
	}
	if strings.Join(names, ",") != "denoise:bool,quality:string,samples:int" || form.Values["quality"] != "draft" || form.Kind != "python" {
		t.Fatalf("form %v values %v kind %s", names, form.Values, form.Kind)
	}
	// The plugin process that answered is gone.
	for i := 0; i < 100 && len(children()) > len(before); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if after := children(); len(after) > len(before) {
		t.Fatalf("plugin processes left after the form: %v (before %v)", after, before)
	}
	// Rendering with the form's values passes them to the plugin as
	// options["plugin"], without asking it again.
	var s gallery.Snapshot
	if code := f.do("POST", "/api/renders", server.RenderRequest{Renderer: "Python Asker", Scene: f.scene, Options: map[string]any{"samples": 64, "quality": "final", "denoise": true}}, &s); code != 201 {
		t.Fatalf("render: %d", code)
	}
	deadline := time.Now().Add(20 * time.Second)
	for f.get(s.ID).Metadata["startedWith"] == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got, _ := json.Marshal(f.get(s.ID).Metadata["startedWith"])
	if string(got) != `{"denoise":true,"quality":"final","samples":64}` {
		t.Fatalf("the plugin started with %s", got)
	}
	f.do("POST", "/api/snapshots/"+itoa(s.ID)+"/stop", nil, nil)
}

// children lists this process's live child processes.
func children() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b)[strings.LastIndexByte(string(b), ')')+1:])
		if len(f) > 1 && f[0] != "Z" && f[1] == strconv.Itoa(os.Getpid()) {
			out = append(out, pid)
		}
	}
	return out
}
