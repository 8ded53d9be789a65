package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
)

// The edit commands change what the user says about a snapshot. They write
// to the gallery directly: SQLite in WAL mode lets them run beside the
// gallery's owner.

// snapshotCommand makes a command whose first argument is a snapshot id and
// that works on the gallery.
func snapshotCommand(use, short string, nargs int, edit func(ctx context.Context, g *gallery.Gallery, id int64, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.MinimumNArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			g, err := openGallery(ctx)
			if err != nil {
				return err
			}
			defer g.Close()
			return edit(ctx, g, id, args[1:])
		},
	}
}

var tagRemove bool

func init() {
	cmdRoot.AddCommand(
		snapshotCommand("star ID", "Star a snapshot", 1, func(ctx context.Context, g *gallery.Gallery, id int64, _ []string) error {
			return g.SetStar(ctx, id, true)
		}),
		snapshotCommand("unstar ID", "Unstar a snapshot", 1, func(ctx context.Context, g *gallery.Gallery, id int64, _ []string) error {
			return g.SetStar(ctx, id, false)
		}),
		snapshotCommand("label ID TEXT", "Set a snapshot's label", 2, func(ctx context.Context, g *gallery.Gallery, id int64, a []string) error {
			return g.SetLabel(ctx, id, a[0])
		}),
		snapshotCommand("colour ID COLOUR", "Set a snapshot's colour label (\"\" clears it)", 2, func(ctx context.Context, g *gallery.Gallery, id int64, a []string) error {
			return g.SetColour(ctx, id, a[0])
		}),
		snapshotCommand("note ID TEXT", "Set a snapshot's notes", 2, func(ctx context.Context, g *gallery.Gallery, id int64, a []string) error {
			return g.SetNotes(ctx, id, a[0])
		}),
		cmdTag,
		snapshotCommand("rm ID...", "Remove snapshots and their files", 1, func(ctx context.Context, g *gallery.Gallery, id int64, rest []string) error {
			ids := []int64{id}
			for _, a := range rest {
				n, err := parseID(a)
				if err != nil {
					return err
				}
				ids = append(ids, n)
			}
			for _, id := range ids {
				if err := g.Delete(ctx, id); err != nil {
					return err
				}
				fmt.Printf("removed snapshot %d\n", id)
			}
			return nil
		}),
		snapshotCommand("export ID PATH", "Copy a snapshot's image to PATH (.exr, .png or .jpg)", 2, func(ctx context.Context, g *gallery.Gallery, id int64, a []string) error {
			return g.Export(ctx, id, a[0])
		}),
	)
}

var cmdTag = func() *cobra.Command {
	c := snapshotCommand("tag ID TAG...", "Add tags to a snapshot (--remove takes them off)", 2, func(ctx context.Context, g *gallery.Gallery, id int64, tags []string) error {
		if tagRemove {
			return g.RemoveTags(ctx, id, tags...)
		}
		return g.AddTags(ctx, id, tags...)
	})
	c.Flags().BoolVar(&tagRemove, "remove", false, "remove the tags instead")
	return c
}()
