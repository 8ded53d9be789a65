package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/display"
	"github.com/rgallery/rgallery/owner"
	"github.com/rgallery/rgallery/server"
)

var displayOpts struct {
	addr        string
	allowRemote bool
	// inServe is serve's --display-server.
	inServe string
}

var cmdDisplay = &cobra.Command{
	Use:   "display",
	Short: "Accept images streamed with tev's protocol as live snapshots",
	Long: `Listen on tev's display-server port (127.0.0.1:14158 by default) and turn every
image a client creates into a live snapshot of renderer "tev": pbrt-v4's
--display-server, tev's Python client (tevclient) and other clients of tev's
protocol stream into the gallery instead of into tev. A snapshot refines as
tiles arrive and is finished when the client closes the image or disconnects.

This process owns the gallery while it runs, as serve does. When serve is
already running, give it the port instead: rgallery serve --display-server ADDR.

tev's protocol has no authentication: anyone who reaches the port can add
images, so an address that is not loopback needs --allow-remote.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		ln, err := listenDisplay(displayOpts.addr)
		if err != nil {
			return err
		}
		defer ln.Close()
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		sess, err := becomeOwner(ctx, g)
		if errors.Is(err, owner.ErrOwned) {
			return fmt.Errorf("%w (pid %s): if it is rgallery serve, start the display port inside it with serve --display-server %s", err, ownerPID(g.Dir()), displayOpts.addr)
		}
		if err != nil {
			return err
		}
		defer sess.Close()
		stopDisplay, err := serveDisplay(sess, ln)
		if err != nil {
			return err
		}
		defer stopDisplay()
		fmt.Fprintf(os.Stderr, "rgallery: tev display server on %s, streaming into %s\n", ln.Addr(), g.Dir())
		<-ctx.Done()
		return nil
	},
}

func listenDisplay(addr string) (net.Listener, error) {
	if !server.IsLoopback(addr) && !displayOpts.allowRemote {
		return nil, fmt.Errorf("display server on %s: not a loopback address, and tev's protocol has no authentication (give --allow-remote to listen anyway)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("display server on %s: %w", addr, err)
	}
	return ln, nil
}

// serveDisplay runs a display server on ln with the owner's manager; the
// returned function ends its streams (their renders finish) and waits for
// them, before the owner shuts the manager down.
func serveDisplay(sess *ownerSession, ln net.Listener) (func(), error) {
	srv, err := display.New(sess.m, "", logger())
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, display.ErrServerClosed) {
			logger().Error("display server", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			logger().Warn("display server close", "err", err)
		}
		<-done
	}, nil
}

// startDisplay starts serve's --display-server, if given.
func startDisplay(sess *ownerSession, addr string) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := listenDisplay(addr)
	if err != nil {
		return nil, err
	}
	stop, err := serveDisplay(sess, ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "rgallery: tev display server on %s\n", ln.Addr())
	return stop, nil
}

func init() {
	f := cmdDisplay.Flags()
	f.StringVar(&displayOpts.addr, "addr", display.DefaultAddr, "address to listen on (tev's default port)")
	f.BoolVar(&displayOpts.allowRemote, "allow-remote", false, "listen on an address that is not loopback (the protocol has no authentication)")
	cmdRoot.AddCommand(cmdDisplay)
	sf := cmdServe.Flags()
	sf.StringVar(&displayOpts.inServe, "display-server", "", "also accept tev protocol streams on this address, e.g. "+display.DefaultAddr)
	sf.BoolVar(&displayOpts.allowRemote, "display-allow-remote", false, "let --display-server listen on an address that is not loopback (no authentication)")
}
