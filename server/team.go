package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/rgallery/rgallery/gallery"
)

// Team mode: every request names its user by an API token (`rgallery user
// add NAME` prints it), given as "Authorization: Bearer T", or once on the
// sign-in page (/signin) or as ?token=T, which set the HttpOnly SameSite
// cookie that the web UI then carries. Snapshots record who made them;
// a user changes only their own snapshots (edit, stop, click, delete), an
// admin anybody's. The single-user mode (no Users in the GuardConfig) is
// unchanged.

// ServerKeyHeader carries a team server's key (gallery.Server.Key) on the
// requests that other servers and the CLI forward to the server that owns
// a render: stop and click reach a render only in the process that runs
// it. The forwarding side has checked the user's right already.
const ServerKeyHeader = "X-Rgallery-Server-Key"

// UserLookup finds the user of a token; gallery.ErrNoUser when none.
type UserLookup func(ctx context.Context, token string) (gallery.User, error)

type userKey struct{}

// UserFrom returns the user a request was authenticated as, in team mode.
func UserFrom(ctx context.Context) (gallery.User, bool) {
	u, ok := ctx.Value(userKey{}).(gallery.User)
	return u, ok
}

// requestToken is the token a request carries, and whether it came in the
// query string (to be turned into a cookie).
func requestToken(r *http.Request) (tok string, fromQuery bool) {
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimPrefix(a, "Bearer "), false
	}
	if c, err := r.Cookie(TokenCookie); err == nil && c.Value != "" {
		return c.Value, false
	}
	if q := r.URL.Query().Get("token"); q != "" {
		return q, true
	}
	return "", false
}

func setTokenCookie(w http.ResponseWriter, tok string) {
	http.SetCookie(w, &http.Cookie{Name: TokenCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// teamAuth authenticates r in team mode. It serves the sign-in page itself
// and answers unauthenticated requests; it returns the request with its
// user, or nil when it has answered.
func teamAuth(users UserLookup, serverKey string, w http.ResponseWriter, r *http.Request) *http.Request {
	if k := r.Header.Get(ServerKeyHeader); k != "" {
		if serverKey == "" || subtle.ConstantTimeCompare([]byte(k), []byte(serverKey)) != 1 {
			http.Error(w, "unauthorized: wrong server key", http.StatusUnauthorized)
			return nil
		}
		return r.WithContext(context.WithValue(r.Context(), userKey{}, gallery.User{Name: "", Role: gallery.RoleAdmin}))
	}
	if r.URL.Path == "/signin" {
		signIn(users, w, r)
		return nil
	}
	tok, fromQuery := requestToken(r)
	u, err := users(r.Context(), tok)
	if err != nil {
		if !errors.Is(err, gallery.ErrNoUser) {
			http.Error(w, "sign-in failed: "+err.Error(), http.StatusServiceUnavailable)
			return nil
		}
		if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return nil
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="rgallery"`)
		http.Error(w, "unauthorized: this team gallery needs your token (rgallery user add NAME prints one)", http.StatusUnauthorized)
		return nil
	}
	if fromQuery {
		setTokenCookie(w, tok)
	}
	return r.WithContext(context.WithValue(r.Context(), userKey{}, u))
}

const signInPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>rgallery: sign in</title></head>
<body><h1>rgallery</h1><form method="post" action="/signin">
<p>%s</p>
<label>Your token <input name="token" type="password" autocomplete="current-password" autofocus size="72"></label>
<button type="submit">Sign in</button></form>
<p>An administrator makes one with <code>rgallery user add NAME</code>.</p></body></html>`

// signIn serves /signin: the form, and its POST, which sets the cookie.
// The form needs no X-Rgallery header (a browser form cannot send one), so
// it is checked by Origin instead: signing in from another site is refused.
func signIn(users UserLookup, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.Method {
	case http.MethodGet:
		fmt.Fprintf(w, signInPage, "Sign in to this team gallery.")
	case http.MethodPost:
		if !sameSiteForm(r) {
			http.Error(w, "forbidden: sign-in from another site ("+r.Header.Get("Origin")+")", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		tok := r.PostFormValue("token")
		u, err := users(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, signInPage, html.EscapeString("That token is not known here."))
			return
		}
		setTokenCookie(w, strings.TrimSpace(tok))
		_ = u
		http.Redirect(w, r, "/", http.StatusSeeOther)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// sameSiteForm reports whether a form was posted from this server's own
// page. Browsers say so in Sec-Fetch-Site; the Origin of a form posted from
// a page with Referrer-Policy no-referrer (ours) is "null", so Origin alone
// can only refuse a foreign origin.
func sameSiteForm(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
		o := r.Header.Get("Origin")
		return o == "" || sameOrigin(o, r.Host)
	}
	return false
}

// mayChange answers 403 and returns false when the request's user (team
// mode) may not change snapshot id: only its maker or an admin may.
func (a *API) mayChange(w http.ResponseWriter, r *http.Request, id int64) bool {
	u, team := UserFrom(r.Context())
	if !team {
		return true
	}
	s, err := a.g.Get(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return false
	}
	if !u.CanEdit(s) {
		who := s.CreatedBy
		if who == "" {
			who = "nobody (an admin may change it)"
		}
		writeJSON(w, http.StatusForbidden, ErrorBody{Error: fmt.Sprintf("snapshot %d was made by %s: only they or an admin may change it", id, who)})
		return false
	}
	return true
}

// requestUser is the name of the request's user ("" in single-user mode).
func requestUser(r *http.Request) string {
	u, _ := UserFrom(r.Context())
	return u.Name
}

// SetServer makes the API a team server's: id is its gallery.Server id and
// key the key its peers forward stop and click with. Stop and click of a
// render that another server owns are forwarded to that server.
func (a *API) SetServer(id, key string) {
	a.serverID, a.serverKey = id, key
}

// forwardIfRemote forwards a stop or click of a render that another team
// server runs to that server and relays its answer; it reports whether it
// answered the request.
func (a *API) forwardIfRemote(w http.ResponseWriter, r *http.Request, id int64, body any) bool {
	if a.serverID == "" {
		return false
	}
	s, err := a.g.Get(r.Context(), id)
	if err != nil || s.OwnerID == "" || s.OwnerID == a.serverID || !s.State.Live() {
		return false
	}
	owner, err := a.g.ServerByID(r.Context(), s.OwnerID)
	if err != nil {
		writeJSON(w, http.StatusConflict, ErrorBody{Error: fmt.Sprintf("snapshot %d: its server %s is gone; the render is marked interrupted when its lease runs out", id, s.OwnerID)})
		return true
	}
	if owner.URL == "" {
		writeJSON(w, http.StatusConflict, ErrorBody{Error: fmt.Sprintf("snapshot %d runs in a CLI render on %s (pid %d), which takes stop and click only from its terminal", id, owner.Host, owner.PID)})
		return true
	}
	c := &Client{HTTP: a.forwardClient(), Base: strings.TrimSuffix(owner.URL, "/"), Key: owner.Key}
	var out gallery.Snapshot
	if body == nil {
		out, err = c.Stop(r.Context(), id)
	} else {
		cr := body.(ClickRequest)
		err = c.Click(r.Context(), id, cr.X, cr.Y)
	}
	if err != nil {
		var re *RemoteError
		if errors.As(err, &re) {
			writeJSON(w, re.Status, ErrorBody{Error: fmt.Sprintf("server %s: %s", owner.ID, re.Msg)})
		} else {
			writeJSON(w, http.StatusBadGateway, ErrorBody{Error: fmt.Sprintf("snapshot %d: its server %s at %s: %v", id, owner.ID, owner.URL, err)})
		}
		return true
	}
	if body == nil {
		writeJSON(w, http.StatusOK, out)
	} else {
		writeJSON(w, http.StatusOK, body)
	}
	return true
}

func (a *API) forwardClient() *http.Client {
	return &http.Client{Timeout: 2 * time.Minute}
}
