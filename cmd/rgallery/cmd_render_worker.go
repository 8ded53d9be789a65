package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	// The built-in Local renderer registers itself (bgrender.RegisterBuiltin)
	// from its init; it runs this very binary's render-worker.
	_ "github.com/rgallery/rgallery/renderers/local"
	"github.com/rgallery/rgallery/renderworker"
)

// render-worker keeps its own flag parsing in renderworker.Main so that the
// Local renderer's tests can run exactly this command line.
var cmdRenderWorker = &cobra.Command{
	Use:                "render-worker [flags] SCENE.usd",
	Short:              "Render one USD scene progressively with the built-in path tracer (used by Local and Slurm Farm)",
	DisableFlagParsing: true,
	RunE: func(cmd *cobra.Command, args []string) error {
		if code := renderworker.Main(args, os.Stdin, os.Stdout, os.Stderr); code != 0 {
			return &exitError{code: code, err: fmt.Errorf("render-worker exited with status %d", code)}
		}
		return nil
	},
}

func init() {
	cmdRoot.AddCommand(cmdRenderWorker)
}
