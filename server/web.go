package server

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// web is the browser UI: plain HTML, CSS and JavaScript, no build step.
//
//go:embed web
var web embed.FS

// WebConfig configures the web server of `rgallery serve`.
type WebConfig struct {
	// Roots are the only directories scene files may come from (see
	// API.SetRoots); must not be empty.
	Roots []string
	// Token, when not empty, is required on every request (non-loopback
	// binds must set one).
	Token string
	// Loopback turns on the Host check that defeats DNS rebinding.
	Loopback bool
	// Team turns on team mode: users sign in with their own tokens (see
	// team.go) and Token is not used.
	Team bool
}

// Handler returns the whole web server: the UI at /, the API under /api/,
// behind Guard.
func (a *API) Handler(cfg WebConfig) (http.Handler, error) {
	if err := a.SetRoots(cfg.Roots); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	a.Register(mux)
	// The viewer's float data (pixels.go) is for the web UI only.
	a.registerPixels(mux)
	mux.HandleFunc("GET /metrics", a.serveMetrics)
	sub, err := fs.Sub(web, "web")
	if err != nil {
		return nil, err
	}
	static := http.FileServerFS(sub)
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSON(w, http.StatusNotFound, ErrorBody{Error: "no such API endpoint: " + r.URL.Path})
			return
		}
		// The UI is small and changes with the binary: revalidate always.
		w.Header().Set("Cache-Control", "no-cache")
		static.ServeHTTP(w, r)
	}))
	gc := GuardConfig{Token: cfg.Token, Loopback: cfg.Loopback}
	if cfg.Team {
		gc.Users = a.g.UserByToken
		gc.ServerKey = a.serverKey
	}
	return Guard(gc, mux), nil
}
