//go:build linux || darwin

package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

// teamFixture is a team-mode server with users ana and bo and an admin.
type teamFixture struct {
	*fixture
	ana, bo, admin string // their tokens
}

func newTeamFixture(t *testing.T) *teamFixture {
	f := &teamFixture{fixture: newFixture(t, fixtureOpts{team: true})}
	ctx := context.Background()
	for _, u := range []struct {
		name, role string
		tok        *string
	}{{"ana", gallery.RoleUser, &f.ana}, {"bo", gallery.RoleUser, &f.bo}, {"root", gallery.RoleAdmin, &f.admin}} {
		tok, err := f.g.AddUser(ctx, u.name, u.role)
		if err != nil {
			t.Fatal(err)
		}
		*u.tok = tok
	}
	return f
}

// as sends an API request as the web UI does, as the user of token.
func (f *teamFixture) as(token, method, path string, body, out any) int {
	f.t.Helper()
	return f.doAs(token, method, path, body, out)
}

// TestTeamModeAuthenticatesEveryRequest: without a known token the API
// answers 401 and pages send the browser to the sign-in page.
func TestTeamModeAuthenticatesEveryRequest(t *testing.T) {
	f := newTeamFixture(t)
	for _, tok := range []string{"", "rgu_not-a-token", f.ana + "x"} {
		if code := f.as(tok, "GET", "/api/snapshots", nil, nil); code != http.StatusUnauthorized {
			t.Errorf("list with token %q: %d, want 401", tok, code)
		}
	}
	if code := f.as(f.ana, "GET", "/api/snapshots", nil, nil); code != http.StatusOK {
		t.Errorf("list as ana: %d", code)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("page without a token: %d to %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestTeamSignInSetsTheCookieTheUIUses: the sign-in form's POST with a
// user's token sets the HttpOnly cookie, which then authenticates; a wrong
// token and a sign-in posted from another site are refused.
func TestTeamSignInSetsTheCookieTheUIUses(t *testing.T) {
	f := newTeamFixture(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(tok, origin string) *http.Response {
		req, _ := http.NewRequest("POST", f.srv.URL+"/signin", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post("wrong", ""); r.StatusCode != http.StatusUnauthorized || len(r.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", r.StatusCode, r.Cookies())
	}
	if r := post(f.bo, "http://evil.example"); r.StatusCode != http.StatusForbidden || len(r.Cookies()) != 0 {
		t.Errorf("cross-site sign-in: %d, cookies %v", r.StatusCode, r.Cookies())
	}
	r := post(f.bo, f.srv.URL)
	if r.StatusCode != http.StatusSeeOther || len(r.Cookies()) != 1 || r.Cookies()[0].Name != server.TokenCookie || !r.Cookies()[0].HttpOnly {
		t.Fatalf("sign-in: %d, cookies %v", r.StatusCode, r.Cookies())
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/snapshots", nil)
	req.AddCookie(r.Cookies()[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("list with the sign-in cookie: %d", resp.StatusCode)
	}
}

// TestTeamUsersChangeOnlyTheirOwnSnapshots pins the edit rule: snapshots
// record who made them, others may read but not change them, an admin may
// change anybody's, and the list filters by user.
func TestTeamUsersChangeOnlyTheirOwnSnapshots(t *testing.T) {
	f := newTeamFixture(t)
	var s gallery.Snapshot
	if code := f.as(f.ana, "POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: f.scene,
		Options: map[string]any{"passes": 1, "interval": "1ms", "size": "64x48"}}, &s); code != http.StatusCreated {
		t.Fatalf("render as ana: %d", code)
	}
	if s.CreatedBy != "ana" {
		t.Fatalf("the render records %q as its maker", s.CreatedBy)
	}
	s = f.wait(s.ID)
	path := "/api/snapshots/" + itoa(s.ID)
	star := true
	if code := f.as(f.bo, "PATCH", path, server.EditRequest{Star: &star}, nil); code != http.StatusForbidden {
		t.Errorf("bo stars ana's snapshot: %d, want 403", code)
	}
	for _, op := range []struct{ method, path string }{{"POST", path + "/stop"}, {"POST", path + "/click"}, {"DELETE", path}} {
		var body any
		if strings.HasSuffix(op.path, "click") {
			body = server.ClickRequest{X: 1, Y: 1}
		}
		if code := f.as(f.bo, op.method, op.path, body, nil); code != http.StatusForbidden {
			t.Errorf("bo %s %s: %d, want 403", op.method, op.path, code)
		}
	}
	if f.get(s.ID).Star {
		t.Fatal("bo's refused star was applied")
	}
	var got gallery.Snapshot
	if code := f.as(f.bo, "GET", path, nil, &got); code != http.StatusOK || got.ID != s.ID {
		t.Errorf("bo reads ana's snapshot: %d", code)
	}
	if code := f.as(f.ana, "PATCH", path, server.EditRequest{Star: &star}, nil); code != http.StatusOK || !f.get(s.ID).Star {
		t.Errorf("ana stars her snapshot: %d", code)
	}
	var list []gallery.Snapshot
	f.as(f.bo, "GET", "/api/snapshots?user=bo", nil, &list)
	if len(list) != 0 {
		t.Errorf("bo's snapshots: %d, want 0", len(list))
	}
	f.as(f.bo, "GET", "/api/snapshots?user=ana", nil, &list)
	if len(list) != 1 || list[0].ID != s.ID {
		t.Errorf("ana's snapshots: %+v", list)
	}
	if code := f.as(f.admin, "DELETE", path, nil, nil); code >= 300 {
		t.Errorf("admin deletes ana's snapshot: %d", code)
	}
	if _, err := f.g.Get(context.Background(), s.ID); err == nil {
		t.Error("the admin's delete left the snapshot")
	}
}
