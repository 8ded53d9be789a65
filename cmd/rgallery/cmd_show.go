package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/rgallery/rgallery/gallery"
)

var showOpts struct {
	json bool
	log  bool
}

var cmdShow = snapshotCommand("show ID", "Show a snapshot with all its stats and metadata", 1,
	func(ctx context.Context, g *gallery.Gallery, id int64, _ []string) error {
		s, err := g.Get(ctx, id)
		if err != nil {
			return err
		}
		s = showOrphans(ctx, g, []gallery.Snapshot{s})[0]
		if showOpts.json {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(s)
		}
		p := func(k, v string) {
			if v != "" {
				fmt.Printf("%-16s %s\n", k+":", v)
			}
		}
		p("Snapshot", fmt.Sprint(s.ID))
		p("Label", s.Label)
		p("State", string(s.State))
		p("Error", s.Error)
		p("Renderer", s.Renderer)
		p("Scene", s.Source)
		p("Stored scene", g.Path(s.StoredScene))
		p("Camera", s.Camera)
		p("RenderSettings", s.RenderSettings)
		if s.ResX > 0 {
			p("Resolution", fmt.Sprintf("%dx%d", s.ResX, s.ResY))
		}
		p("Created", s.Created.Format("2006-01-02 15:04:05"))
		if !s.Finished.IsZero() {
			p("Ended", s.Finished.Format("2006-01-02 15:04:05"))
		}
		p("Image", g.Path(s.Image))
		p("Thumbnail", g.Path(s.Thumb))
		p("Log", g.Path(s.LogPath))
		if s.Stats.TotalClockTime != nil {
			p("Elapsed", fmt.Sprintf("%.2f s", *s.Stats.TotalClockTime))
		}
		if s.Stats.PercentDone != nil {
			p("Done", fmt.Sprintf("%.1f %%", *s.Stats.PercentDone))
		}
		if s.Stats.PeakMemory != nil {
			p("Peak memory", humanize.IBytes(uint64(*s.Stats.PeakMemory)))
		}
		if s.Star {
			p("Star", "yes")
		}
		p("Colour", s.Colour)
		p("Tags", strings.Join(s.Tags, ", "))
		p("Notes", s.Notes)
		if opts, err := json.Marshal(s.Options); err == nil {
			p("Options", string(opts))
		}
		if len(s.Metadata) > 0 {
			fmt.Println("Metadata:")
			for _, k := range slices.Sorted(maps.Keys(s.Metadata)) {
				v, _ := json.Marshal(s.Metadata[k])
				fmt.Printf("  %-20s %s\n", k, v)
			}
		}
		if showOpts.log || s.State == "failed" {
			if b, err := os.ReadFile(g.Path(s.LogPath)); err == nil && len(b) > 0 {
				lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
				if !showOpts.log && len(lines) > 20 {
					lines = lines[len(lines)-20:]
				}
				fmt.Println("Log:")
				for _, l := range lines {
					fmt.Println("  " + l)
				}
			}
		}
		return nil
	})

func init() {
	cmdShow.Flags().BoolVar(&showOpts.json, "json", false, "print JSON")
	cmdShow.Flags().BoolVar(&showOpts.log, "log", false, "print the whole render log")
	cmdRoot.AddCommand(cmdShow)
}
