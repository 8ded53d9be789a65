package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

var ownOpts struct{ idle time.Duration }

// cmdOwn is the background owner that `render --detach` starts: it owns the
// gallery, runs the renders handed to it, and exits when it has had none
// for --idle.
var cmdOwn = &cobra.Command{
	Use:    "own",
	Short:  "Own a gallery's live renders in the background (started by render --detach)",
	Hidden: true,
	Args:   cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		sess, err := becomeOwner(ctx, g)
		if err != nil {
			return err
		}
		defer sess.Close()
		fmt.Fprintf(os.Stderr, "rgallery %d owns %s\n", os.Getpid(), g.Dir())
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		idleSince := time.Now()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sig:
				return nil
			case <-tick.C:
				if len(sess.m.Live()) > 0 {
					idleSince = time.Now()
				} else if time.Since(idleSince) > ownOpts.idle {
					return nil
				}
			}
		}
	},
}

func init() {
	cmdOwn.Flags().DurationVar(&ownOpts.idle, "idle", 10*time.Second, "exit after this long without live renders")
	cmdRoot.AddCommand(cmdOwn)
}
