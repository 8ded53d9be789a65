package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/owner"
	"github.com/rgallery/rgallery/server"
)

var serveOpts struct {
	addr  string
	roots []string
	token string
	team  bool
	// advertise is where other servers of a team gallery reach this one.
	advertise string
}

var cmdServe = &cobra.Command{
	Use:   "serve",
	Short: "Serve the web gallery and own the gallery's live renders",
	Long: `Serve the gallery to a browser (http://127.0.0.1:8700 by default) and own
its live renders: renders started from the web page, and from other
terminals with ` + "`rgallery render`" + `, run in this process.

Scene files can be picked and rendered from the --root dirs only (default:
the current directory). Binding to an address that is not loopback needs a
token: give one with --token, or one is generated and printed with the URL
to open.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		roots := serveOpts.roots
		if len(roots) == 0 {
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			roots = []string{wd}
		}
		loopback := server.IsLoopback(serveOpts.addr)
		team := serveOpts.team || gallery.IsPostgres(galleryDB())
		token := serveOpts.token
		if team && token != "" {
			return errors.New("--token is for a single-user gallery; a team gallery's users sign in with their own tokens (rgallery user add NAME)")
		}
		if !loopback && token == "" && !team {
			token = server.NewToken()
		}

		// Listen first: a busy port must not cost the gallery's ownership.
		ln, err := net.Listen("tcp", serveOpts.addr)
		if err != nil {
			return fmt.Errorf("serve on %s: %w", serveOpts.addr, err)
		}
		defer ln.Close()
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		teamURL = serveOpts.advertise
		if teamURL == "" {
			teamURL = "http://" + displayAddr(ln.Addr().String())
		}
		sess, err := becomeOwner(ctx, g)
		if errors.Is(err, owner.ErrOwned) {
			return fmt.Errorf("%w (pid %s) and runs its renders; stop it, or let its renders finish, then serve", err, ownerPID(g.Dir()))
		}
		if err != nil {
			return err
		}
		defer sess.Close()
		stopDisplay, err := startDisplay(sess, displayOpts.inServe) // cmd_display.go
		if err != nil {
			return err
		}
		defer stopDisplay()

		// The web API is a second API over the same manager: it confines
		// scenes to the roots, which the owner socket's API must not.
		api := server.NewAPI(sess.m, sess.disc, logger())
		if sess.team != nil {
			api.SetServer(sess.team.ID, sess.team.Key)
		}
		api.EnableMetrics()
		h, err := api.Handler(server.WebConfig{Roots: roots, Token: token, Loopback: loopback, Team: team})
		if err != nil {
			return err
		}
		// Cancelling base ends the event streams, which never end by
		// themselves, so that Shutdown does not wait for them.
		base, endStreams := context.WithCancel(context.Background())
		defer endStreams()
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
			BaseContext: func(net.Listener) context.Context { return base }}
		url := "http://" + displayAddr(ln.Addr().String()) + "/"
		if token != "" {
			url += "?token=" + token
		}
		fmt.Fprintf(os.Stderr, "rgallery: serving %s on %s\n", g.Dir(), url)
		if team {
			if users, err := g.Users(ctx); err == nil && len(users) == 0 {
				fmt.Fprintln(os.Stderr, "rgallery: team gallery without users: nobody can sign in until `rgallery user add NAME --admin` makes one")
			} else {
				fmt.Fprintln(os.Stderr, "rgallery: team gallery: users sign in with the token `rgallery user add` printed for them")
			}
		}
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case <-ctx.Done():
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		endStreams()
		srv.Shutdown(sctx)
		return nil
	},
}

// displayAddr turns a listen address into one a browser can open: an
// unspecified IP becomes this host's name.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	return net.JoinHostPort(host, port)
}

func init() {
	f := cmdServe.Flags()
	f.StringVar(&serveOpts.addr, "addr", "127.0.0.1:8700", "address to listen on")
	f.StringArrayVar(&serveOpts.roots, "root", nil, "directory scene files may be picked from (repeatable; default the current directory)")
	f.StringVar(&serveOpts.token, "token", "", "token every request must carry (generated when --addr is not loopback)")
	f.StringVar(&serveOpts.advertise, "advertise", "", "team gallery: the URL other servers reach this one at (default http://HOST:PORT of --addr)")
	f.BoolVar(&serveOpts.team, "team", false, "team mode: every request signs in as a user (rgallery user add); on by itself when the gallery's database is PostgreSQL")
	cmdRoot.AddCommand(cmdServe)
}
