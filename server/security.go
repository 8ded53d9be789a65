package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
)

// The web server's defences, applied to every request by Guard:
//
//   - a token, when one is set (required for non-loopback binds): given as
//     "Authorization: Bearer T", or once as ?token=T on a page, which then
//     sets an HttpOnly SameSite=Strict cookie so that the UI, its images and
//     its event stream need nothing more;
//   - a Host check on loopback binds, so that a web page on another site
//     cannot reach the gallery through DNS rebinding;
//   - cross-site request protection for anything that changes state: the
//     request must carry the custom header X-Rgallery (a browser sends a
//     custom header cross-origin only after a CORS preflight, which this
//     server never grants), and its Origin, when present, must be this host;
//   - no API request at all from another site, as browsers tell with
//     Sec-Fetch-Site;
//   - a bound on request bodies (larger for image uploads to /api/import);
//   - headers that keep the UI out of frames and forbid foreign scripts.

// TokenCookie is the cookie that carries the token after the first visit.
const TokenCookie = "rgallery_token"

// CSRFHeader must be present on every mutating request.
const CSRFHeader = "X-Rgallery"

// NewToken returns a random token for a non-loopback bind.
func NewToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// IsLoopback reports whether a listen address only accepts local clients.
// An empty host ("":8700, which listens everywhere) is not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// GuardConfig configures Guard.
type GuardConfig struct {
	// Token, when not empty, is required on every request.
	Token string
	// Loopback enables the Host check against DNS rebinding.
	Loopback bool
	// MaxBody bounds request bodies (default 1 MiB).
	MaxBody int64
	// Users, when set, turns on team mode (team.go): every request is
	// authenticated as a user by their token, instead of by Token.
	Users UserLookup
	// ServerKey, in team mode, authenticates requests forwarded by the
	// gallery's other servers (ServerKeyHeader).
	ServerKey string
}

// Guard wraps h with the checks described above.
func Guard(cfg GuardConfig, h http.Handler) http.Handler {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = maxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

		if cfg.Loopback && !loopbackHost(r.Host) {
			http.Error(w, "forbidden: this gallery only answers to localhost names (host "+r.Host+")", http.StatusForbidden)
			return
		}
		if cfg.Users != nil {
			if r = teamAuth(cfg.Users, cfg.ServerKey, w, r); r == nil {
				return
			}
		} else if cfg.Token != "" {
			ok, fromQuery := tokenOK(r, cfg.Token)
			if !ok {
				hdr.Set("WWW-Authenticate", `Bearer realm="rgallery"`)
				http.Error(w, "unauthorized: this gallery needs its token (open the URL that `rgallery serve` printed)", http.StatusUnauthorized)
				return
			}
			if fromQuery {
				http.SetCookie(w, &http.Cookie{Name: TokenCookie, Value: cfg.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
				if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") {
					// Drop the token from the address bar and history.
					u := *r.URL
					q := u.Query()
					q.Del("token")
					u.RawQuery = q.Encode()
					http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
					return
				}
			}
		}
		// No other site may use the API, not even to read: a GET can
		// have effects too (a Python plugin's form starts its process).
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
				http.Error(w, "forbidden: the gallery's API is not for other sites", http.StatusForbidden)
				return
			}
		}
		if mutating(r.Method) {
			if r.Header.Get(CSRFHeader) == "" {
				http.Error(w, "forbidden: a request that changes the gallery needs the "+CSRFHeader+" header", http.StatusForbidden)
				return
			}
			if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
				http.Error(w, "forbidden: cross-origin request from "+o, http.StatusForbidden)
				return
			}
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				http.Error(w, "forbidden: cross-site request", http.StatusForbidden)
				return
			}
		}
		if r.Body != nil {
			limit := cfg.MaxBody
			if r.Method == http.MethodPost && r.URL.Path == "/api/import" {
				limit = max(limit, maxUpload) // image uploads (import.go)
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h.ServeHTTP(w, r)
	})
}

func mutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func tokenOK(r *http.Request, token string) (ok, fromQuery bool) {
	eq := func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), []byte(token)) == 1 }
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") && eq(strings.TrimPrefix(a, "Bearer ")) {
		return true, false
	}
	if c, err := r.Cookie(TokenCookie); err == nil && eq(c.Value) {
		return true, false
	}
	if q := r.URL.Query().Get("token"); q != "" && eq(q) {
		return true, true
	}
	return false, false
}

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether an Origin header names the host the request
// was sent to.
func sameOrigin(origin, host string) bool {
	for _, scheme := range []string{"http://", "https://"} {
		if strings.HasPrefix(origin, scheme) {
			return strings.EqualFold(strings.TrimPrefix(origin, scheme), host)
		}
	}
	return false
}
