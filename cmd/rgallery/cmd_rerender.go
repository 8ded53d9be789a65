package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/server"
)

var rerenderOpts struct{ stored bool }

var cmdRerender = &cobra.Command{
	Use:   "rerender ID",
	Short: "Render a snapshot's scene again, with its camera and resolution",
	Long: `Render a snapshot's scene again with the same renderer (or -r), camera and
resolution. Options are the renderer's last ones, as with render. The scene
is the snapshot's source file, or with --stored (or when the source is gone)
the gallery's copy of the scene as it was rendered.`,
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		id, err := parseID(args[0])
		if err != nil {
			return err
		}
		opts, err := bgrender.ParseOptionArgs(renderOpts.options)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		s, err := g.Get(ctx, id)
		if err != nil {
			return err
		}
		scene := s.Source
		if _, err := os.Stat(scene); err != nil || rerenderOpts.stored {
			if s.StoredScene == "" {
				return fmt.Errorf("snapshot %d: its scene %s is gone and the gallery has no copy", id, s.Source)
			}
			scene = g.Path(s.StoredScene)
		}
		req := server.RenderRequest{Renderer: s.Renderer, Scene: scene, Configure: renderOpts.configure, Options: opts,
			Label: renderOpts.label, Tags: renderOpts.tags,
			Viewport: bgrender.Viewport{CameraPath: s.Camera, RenderSettingsPath: s.RenderSettings, ResX: s.ResX, ResY: s.ResY}}
		if cmd.Flags().Changed("renderer") {
			req.Renderer = renderOpts.renderer
		}
		if renderOpts.res != "" {
			if req.Viewport.ResX, req.Viewport.ResY, err = parseRes(renderOpts.res); err != nil {
				return err
			}
		}
		return startAndFollow(ctx, g, req)
	},
}

func init() {
	f := cmdRerender.Flags()
	f.BoolVar(&rerenderOpts.stored, "stored", false, "render the gallery's stored copy of the scene")
	// The render flags that make sense again.
	for _, name := range []string{"renderer", "configure", "option", "res", "detach", "label", "tag", "json"} {
		f.AddFlag(cmdRender.Flags().Lookup(name))
	}
	cmdRoot.AddCommand(cmdRerender)
}
