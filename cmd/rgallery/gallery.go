package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/internal/proc"
	"github.com/rgallery/rgallery/owner"
	"github.com/rgallery/rgallery/server"
	"github.com/rgallery/rgallery/usd"
)

var globalOpts struct {
	gallery  string
	db       string
	logLevel string
}

func init() {
	f := cmdRoot.PersistentFlags()
	f.StringVar(&globalOpts.gallery, "gallery", "", "gallery directory (default $RGALLERY_DIR, else the system's data dir: $XDG_DATA_HOME/rgallery on Linux, ~/Library/Application Support/rgallery on macOS, %LOCALAPPDATA%\\rgallery on Windows)")
	f.StringVar(&globalOpts.db, "db", "", "the gallery's database: a postgres:// URL for a team gallery shared by several machines (default $RGALLERY_DB, else the SQLite file in the gallery dir)")
	f.StringVar(&globalOpts.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
}

func logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(globalOpts.logLevel)); err != nil {
		lvl = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

func galleryDir() (string, error) {
	if globalOpts.gallery != "" {
		return globalOpts.gallery, nil
	}
	return gallery.DefaultDir()
}

// galleryDB is the gallery's database: --db, else $RGALLERY_DB, else ""
// (the SQLite file in the gallery dir).
func galleryDB() string {
	if globalOpts.db != "" {
		return globalOpts.db
	}
	return os.Getenv("RGALLERY_DB")
}

func openGallery(ctx context.Context) (*gallery.Gallery, error) {
	dir, err := galleryDir()
	if err != nil {
		return nil, err
	}
	return gallery.OpenDB(ctx, dir, galleryDB())
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("snapshot id %q: not a positive number", s)
	}
	return id, nil
}

// ownerSession is this process owning a gallery: its manager runs the live
// renders, and its socket takes requests from other rgallery processes.
type ownerSession struct {
	lock *owner.Lock
	m    *bgrender.Manager
	disc bgrender.Discovery
	api  *server.API
	srv  *http.Server
	ln   net.Listener
	// team is this process as a server of a team gallery (team.go), which
	// has no lock, socket or srv; stopTeam ends its lease renewal.
	team     *gallery.Server
	stopTeam func()
}

// discover builds a manager with every renderer on the search path.
func discover(ctx context.Context, g *gallery.Gallery, log *slog.Logger) (*bgrender.Manager, bgrender.Discovery, error) {
	m := bgrender.NewManager(g, log)
	m.SceneDeps = sceneDeps
	d := bgrender.Discover(ctx, bgrender.SearchPath())
	for _, e := range d.Errors {
		log.Warn("plugin not loaded", "file", e.File, "err", e.Err)
	}
	if err := m.AddDiscovered(d); err != nil {
		return nil, d, err
	}
	return m, d, nil
}

// becomeOwner takes ownership of the gallery, or returns owner.ErrOwned.
// A new owner re-attaches to farm renders its predecessor left and marks
// the other renders it left as interrupted.
func becomeOwner(ctx context.Context, g *gallery.Gallery) (*ownerSession, error) {
	if g.Shared() {
		return becomeTeamServer(ctx, g, logger())
	}
	lock, err := owner.TryAcquire(g.Dir())
	if err != nil {
		return nil, err
	}
	log := logger()
	m, d, err := discover(ctx, g, log)
	if err != nil {
		lock.Release()
		return nil, err
	}
	if err := m.Reattach(ctx); err != nil {
		log.Warn("re-attach", "err", err)
	}
	if ids, err := g.MarkInterrupted(ctx, "interrupted: the process that ran this render ended before it did"); err != nil {
		log.Warn("mark interrupted", "err", err)
	} else if len(ids) > 0 {
		log.Info("renders of a previous owner marked interrupted", "ids", ids)
		stopLeftovers(ctx, g, ids, log)
	}
	ln, err := owner.Listen(g.Dir())
	if err != nil {
		lock.Release()
		return nil, err
	}
	api := server.NewAPI(m, d, log)
	mux := http.NewServeMux()
	api.Register(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &ownerSession{lock: lock, m: m, disc: d, api: api, srv: srv, ln: ln}, nil
}

// Close stops the live renders (farm renders stay for the next owner),
// closes the socket and gives ownership up.
func (o *ownerSession) Close() error {
	if o.team != nil {
		return o.closeTeam()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := o.m.Shutdown(ctx)
	o.srv.Shutdown(ctx)
	os.Remove(owner.SocketPath(o.m.Gallery().Dir()))
	o.lock.Release()
	return err
}

// ownerPID names the process that owns the gallery in dir, as its lock
// file records it, or "?".
func ownerPID(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "owner.lock"))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// ownerClient returns a client of the gallery's owner, or an error saying
// that no process owns the gallery.
func ownerClient(ctx context.Context, dir string) (*server.Client, error) {
	if !owner.Alive(ctx, dir) {
		return nil, errNoOwner
	}
	return &server.Client{HTTP: owner.Client(dir), Base: "http://owner"}, nil
}

// stopLeftovers stops what the interrupted renders of a dead owner left
// running: the kernel killed each render's leader with its owner, but not
// the processes the leader had started. Renderers record their process
// group in the metadata key "processGroup" for this.
func stopLeftovers(ctx context.Context, g *gallery.Gallery, ids []int64, log *slog.Logger) {
	for _, id := range ids {
		s, err := g.Get(ctx, id)
		if err != nil {
			continue
		}
		str, _ := s.Metadata["processGroup"].(string)
		if str == "" {
			continue
		}
		gid, err := proc.ParseGroupID(str)
		if err != nil {
			continue
		}
		pids, err := proc.StopStale(ctx, gid, 2*time.Second)
		if err != nil {
			log.Warn("stop leftover processes", "id", id, "err", err)
		}
		if len(pids) > 0 {
			_ = g.UpdateMetadata(ctx, id, map[string]any{"leftoverProcessesStopped": pids})
		}
	}
}

// sceneDeps lists the files a USD scene depends on, for the gallery's stored
// copy of the scene.
func sceneDeps(scene string) ([]string, error) {
	switch strings.ToLower(filepath.Ext(scene)) {
	case ".usd", ".usda", ".usdc", ".usdz":
	default:
		return nil, nil
	}
	st, err := usd.Open(scene)
	if err != nil {
		return nil, err
	}
	return st.Deps(), nil
}

var errNoOwner = errors.New("no rgallery process is running renders for this gallery")

// orphanReason is what a reader shows for a render whose owner died.
const orphanReason = "interrupted: the process that ran this render has ended (shown by this reader; the gallery's next owner records it)"

// showOrphans returns snaps with every queued or rendering snapshot of a
// dead owner shown as interrupted, as the gallery's next owner will record
// it (re-attachable farm renders excepted: the next owner re-attaches
// them). It changes nothing in the gallery: a reader must not race a
// process that is becoming the owner.
func showOrphans(ctx context.Context, g *gallery.Gallery, snaps []gallery.Snapshot) []gallery.Snapshot {
	if g.Shared() {
		return snaps // a team gallery's servers claim each other's renders (team.go)
	}
	dir := g.Dir()
	gone, asked := false, false
	for i, s := range snaps {
		if !s.State.Live() || s.AttachToken != "" {
			continue
		}
		if !asked {
			gone, asked = owner.Gone(ctx, dir), true
		}
		if !gone {
			return snaps
		}
		snaps[i].State = gallery.Interrupted
		snaps[i].Error = orphanReason
	}
	return snaps
}
