package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

// A team gallery (a PostgreSQL database, see gallery/servers.go) has no
// single owner: every process that runs renders is a server of the gallery
// with a lease it renews, owning the renders it started. It claims the
// renders of servers whose lease ran out, and re-attaches the farm renders
// among them.

// teamURL is the address a team server's peers reach its API at (stop and
// click of its renders are forwarded there); serve sets it, a CLI render
// has none.
var teamURL string

// defaultLease is how long a team server counts as alive after it last
// renewed its lease; RGALLERY_LEASE (a Go duration) overrides it. A dead
// server's renders are marked interrupted, or re-attached, after at most
// this plus a third of it.
const defaultLease = 15 * time.Second

// exitLeaseLost is the exit code of a team server that lost its lease.
const exitLeaseLost = 5

func teamLease() time.Duration {
	if s := os.Getenv("RGALLERY_LEASE"); s != "" {
		if d, err := time.ParseDuration(s); err == nil && d >= 300*time.Millisecond {
			return d
		}
		slog.Warn("RGALLERY_LEASE ignored: want a duration of at least 300ms", "value", s)
	}
	return defaultLease
}

// becomeTeamServer registers this process as a server of the team gallery
// g, claims the renders of dead servers and starts renewing its lease and
// claiming. A server whose lease is lost (it could not renew it in time,
// and another server took its renders over) stops its renders and exits:
// its renders are somebody else's now.
func becomeTeamServer(ctx context.Context, g *gallery.Gallery, log *slog.Logger) (*ownerSession, error) {
	lease := teamLease()
	host, _ := os.Hostname()
	self, err := g.RegisterServer(ctx, gallery.Server{URL: teamURL, Host: host, PID: os.Getpid()}, lease)
	if err != nil {
		return nil, err
	}
	m, d, err := discover(ctx, g, log)
	if err != nil {
		g.Unregister(context.WithoutCancel(ctx))
		return nil, err
	}
	claim := func(ctx context.Context) {
		c, err := g.ClaimExpired(ctx, "interrupted: the server that ran this render stopped renewing its lease")
		if err != nil {
			log.Warn("claim the renders of dead servers", "err", err)
			return
		}
		if len(c.Dead)+len(c.Interrupted)+len(c.Reattach) > 0 {
			log.Info("renders of dead servers claimed", "servers", c.Dead, "interrupted", c.Interrupted, "reattach", c.Reattach)
		}
		// The other servers hear of the claim from the database; this
		// one's own viewers from its manager.
		for _, id := range c.Interrupted {
			m.Announce(bgrender.Event{Type: bgrender.EventState, ID: id, State: gallery.Interrupted})
		}
		if len(c.Reattach) > 0 {
			if err := m.Reattach(ctx); err != nil {
				log.Warn("re-attach", "err", err)
			}
		}
	}
	claim(ctx)
	lost := func(err error) {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		m.Shutdown(sctx)
		fmt.Fprintf(os.Stderr, "rgallery: %v; exiting\n", err)
		os.Exit(exitLeaseLost)
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
			}
			if err := g.RenewLease(bg, lease); err != nil {
				if errors.Is(err, gallery.ErrLeaseLost) {
					log.Error("lease lost: another server took this one's renders over", "server", self.ID)
					lost(err)
					return
				}
				log.Warn("renew lease", "err", err)
				continue
			}
			claim(bg)
		}
	}()
	return &ownerSession{m: m, disc: d, team: &self, stopTeam: func() {
		cancel()
		<-done
	}}, nil
}

// closeTeam ends a team server: its renders are stopped (farm renders stay
// for another server, which claims them at once) and its row removed.
func (o *ownerSession) closeTeam() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := o.m.Shutdown(ctx)
	o.stopTeam()
	if uerr := o.m.Gallery().Unregister(ctx); uerr != nil && err == nil {
		err = uerr
	}
	return err
}

// teamOwnerClient is the client of the team server that runs snapshot id,
// for stop and click from the CLI.
func teamOwnerClient(ctx context.Context, g *gallery.Gallery, id int64) (*server.Client, error) {
	s, err := g.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.State.Live() || s.OwnerID == "" {
		return nil, fmt.Errorf("snapshot %d is not rendering (state %s)", id, s.State)
	}
	srv, err := g.ServerByID(ctx, s.OwnerID)
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: its server %s is gone; the render is marked interrupted when its lease runs out", id, s.OwnerID)
	}
	if srv.URL == "" {
		return nil, fmt.Errorf("snapshot %d runs in a CLI render on %s (pid %d), which takes stop and click only from its terminal", id, srv.Host, srv.PID)
	}
	return &server.Client{HTTP: &http.Client{Timeout: 2 * time.Minute}, Base: strings.TrimSuffix(srv.URL, "/"), Key: srv.Key}, nil
}

// cliUser is who a CLI render of a team gallery is recorded as made by:
// $RGALLERY_USER, else the login name. A single-user gallery records
// nobody.
func cliUser(g *gallery.Gallery) string {
	if !g.Shared() {
		return ""
	}
	if u := os.Getenv("RGALLERY_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
