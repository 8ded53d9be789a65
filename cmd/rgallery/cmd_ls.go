package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
)

var lsOpts struct {
	json bool
	q    gallery.Query
	star bool
	st   string
}

var cmdLs = &cobra.Command{
	Use:   "ls",
	Short: "List snapshots, newest first",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		q := lsOpts.q
		q.Starred = lsOpts.star
		q.State = gallery.State(lsOpts.st)
		snaps, err := listShowingOrphans(ctx, g, q)
		if err != nil {
			return err
		}
		if lsOpts.json {
			if snaps == nil {
				snaps = []gallery.Snapshot{}
			}
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(snaps)
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCREATED\tRENDERER\tSTATE\tDONE\tTIME\tSTAR\tLABEL\tSCENE\tTAGS")
		for _, s := range snaps {
			done, clock, star := "", "", ""
			if s.Stats.PercentDone != nil {
				done = fmt.Sprintf("%.0f%%", *s.Stats.PercentDone)
			}
			if s.Stats.TotalClockTime != nil {
				clock = fmt.Sprintf("%.1fs", *s.Stats.TotalClockTime)
			}
			if s.Star {
				star = "*"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Created.Format("2006-01-02 15:04:05"),
				s.Renderer, s.State, done, clock, star, s.Label, filepath.Base(s.Source), joinTags(s.Tags))
		}
		return tw.Flush()
	},
}

func joinTags(t []string) string {
	out := ""
	for i, s := range t {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func init() {
	f := cmdLs.Flags()
	f.BoolVar(&lsOpts.json, "json", false, "print JSON")
	f.IntVarP(&lsOpts.q.Limit, "limit", "n", 50, "at most this many snapshots")
	f.Int64Var(&lsOpts.q.BeforeID, "before", 0, "only snapshots with an id below this (paging)")
	f.StringVarP(&lsOpts.q.Text, "query", "q", "", "text in the label, scene, renderer or notes")
	f.StringVar(&lsOpts.q.Tag, "tag", "", "only snapshots with this tag")
	f.StringVar(&lsOpts.q.Renderer, "renderer", "", "only snapshots of this renderer")
	f.StringVar(&lsOpts.st, "state", "", "only snapshots in this state")
	f.StringVar(&lsOpts.q.User, "user", "", "only snapshots made by this user (team galleries)")
	f.BoolVar(&lsOpts.star, "starred", false, "only starred snapshots")
	cmdRoot.AddCommand(cmdLs)
}

// listShowingOrphans lists like g.List, with the renders of a dead owner
// shown as interrupted (showOrphans), also under a state filter: they leave
// the queued and rendering lists and join the interrupted one.
func listShowingOrphans(ctx context.Context, g *gallery.Gallery, q gallery.Query) ([]gallery.Snapshot, error) {
	snaps, err := g.List(ctx, q)
	if err != nil {
		return nil, err
	}
	snaps = showOrphans(ctx, g, snaps)
	switch q.State {
	case gallery.Queued, gallery.Rendering:
		return slices.DeleteFunc(snaps, func(s gallery.Snapshot) bool { return s.State != q.State }), nil
	case gallery.Interrupted:
		for _, live := range []gallery.State{gallery.Queued, gallery.Rendering} {
			lq := q
			lq.State = live
			more, err := g.List(ctx, lq)
			if err != nil {
				return nil, err
			}
			for _, s := range showOrphans(ctx, g, more) {
				if s.State == gallery.Interrupted {
					snaps = append(snaps, s)
				}
			}
		}
		slices.SortFunc(snaps, func(a, b gallery.Snapshot) int { return cmp.Compare(b.ID, a.ID) })
		if len(snaps) > q.Limit && q.Limit > 0 {
			snaps = snaps[:q.Limit]
		}
	}
	return snaps, nil
}
