package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/bgrender"
)

var renderersJSON bool

var cmdRenderers = &cobra.Command{
	Use:   "renderers",
	Short: "List the renderers found on the plugin search path",
	Long: `List every renderer found on the plugin search path ($RGALLERY_PLUGIN_PATH,
":"-separated, "&" for the default; then $HOUDINI_HUSDPLUGINS_PATH), with
the file it came from, the files it overrode and duplicate labels.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		d := bgrender.Discover(cmd.Context(), bgrender.SearchPath())
		type entry struct {
			Label  string                `json:"label"`
			Kind   string                `json:"kind"`
			File   string                `json:"file"`
			Schema []bgrender.OptionSpec `json:"options,omitempty"`
		}
		out := struct {
			Renderers []entry `json:"renderers"`
			bgrender.Discovery
		}{Discovery: d}
		for _, p := range d.Plugins {
			out.Renderers = append(out.Renderers, entry{Label: p.Label, Kind: p.Kind, File: p.File, Schema: p.Schema})
		}
		if renderersJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LABEL\tKIND\tFILE")
		for _, e := range out.Renderers {
			file := e.File
			if file == "" {
				file = "(built in)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Label, e.Kind, file)
		}
		tw.Flush()
		for _, o := range d.Overridden {
			fmt.Printf("overridden: %s (by %s)\n", o.File, o.By)
		}
		for _, dup := range d.Duplicates {
			fmt.Printf("duplicate label %q in %s ignored (kept the one from %s)\n", dup.Label, dup.File, dup.Kept)
		}
		for _, e := range d.Errors {
			fmt.Printf("not loaded: %s: %s\n", e.File, e.Err)
		}
		return nil
	},
}

func init() {
	cmdRenderers.Flags().BoolVar(&renderersJSON, "json", false, "print JSON")
	cmdRoot.AddCommand(cmdRenderers)
}
