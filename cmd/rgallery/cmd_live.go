package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

// stop and click reach the process that owns the gallery's live renders.

var cmdStop = &cobra.Command{
	Use:   "stop ID",
	Short: "Stop a live render (returns once it has stopped)",
	Args:  cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		return withOwner(cmd, args[0], func(ctx context.Context, c *server.Client, id int64) error {
			s, err := c.Stop(ctx, id)
			if err != nil {
				return err
			}
			fmt.Printf("snapshot %d %s\n", s.ID, s.State)
			return nil
		})
	},
}

var cmdClick = &cobra.Command{
	Use:   "click ID X Y",
	Short: "Send a normalized click (0..1, from the top-left) to a live render",
	Args:  cobra.ExactArgs(3),
	RunE: func(cmd *cobra.Command, args []string) error {
		x, err1 := strconv.ParseFloat(args[1], 64)
		y, err2 := strconv.ParseFloat(args[2], 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("click %s %s: want two numbers between 0 and 1", args[1], args[2])
		}
		return withOwner(cmd, args[0], func(ctx context.Context, c *server.Client, id int64) error {
			return c.Click(ctx, id, x, y)
		})
	},
}

// withOwner runs f with a client of the gallery's owner, for the snapshot
// id in idArg.
func withOwner(cmd *cobra.Command, idArg string, f func(context.Context, *server.Client, int64) error) error {
	id, err := parseID(idArg)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if gallery.IsPostgres(galleryDB()) {
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		c, err := teamOwnerClient(ctx, g, id)
		if err != nil {
			return err
		}
		return f(ctx, c, id)
	}
	dir, err := galleryDir()
	if err != nil {
		return err
	}
	c, err := ownerClient(ctx, dir)
	if err != nil {
		return liveError(cmd, id, err)
	}
	return f(ctx, c, id)
}

// liveError explains why a live-render command found no owner, with the
// snapshot's state when the gallery knows it.
func liveError(cmd *cobra.Command, id int64, err error) error {
	g, gerr := openGallery(cmd.Context())
	if gerr != nil {
		return err
	}
	defer g.Close()
	s, gerr := g.Get(cmd.Context(), id)
	if gerr != nil {
		return gerr
	}
	return fmt.Errorf("snapshot %d is not rendering (state %s): %w", id, s.State, err)
}

func init() {
	cmdRoot.AddCommand(cmdStop, cmdClick)
}
