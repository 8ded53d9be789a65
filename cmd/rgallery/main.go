// Command rgallery is a render snapshot gallery with pluggable background
// renderers. Each subcommand lives in its own cmd_*.go file and adds itself to
// cmdRoot from an init function, as restic's commands do.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	_ "github.com/rgallery/rgallery/pluginproc"        // Python and executable plugins
	_ "github.com/rgallery/rgallery/renderers/command" // Command renderer manifests
	_ "github.com/rgallery/rgallery/renderers/local"   // Local: the built-in path tracer
	_ "github.com/rgallery/rgallery/renderers/slurm"   // Slurm Farm renderer
)

var cmdRoot = &cobra.Command{
	Use:           "rgallery",
	Short:         "Render snapshot gallery with pluggable background renderers",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// exitError carries a process exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	if err := cmdRoot.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "rgallery: %v\n", err)
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}
