package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/renderers/command"
)

var manifestOpts struct {
	scene   string
	options []string
	camera  string
	res     string
	json    bool
}

var cmdManifest = &cobra.Command{
	Use:   "manifest FILE.toml...",
	Short: "Check Command renderer manifests and show the command a render would run",
	Long: `Check Command renderer manifests (the *.toml files of backgroundrenderers/
directories) and report each error with its file and line. With --scene,
also print the command line a render of that scene would run, one argument
per line, after filling in the placeholders; nothing is started.

Exit status 1 if any manifest has an error.`,
	Args: cobra.MinimumNArgs(1),
	RunE: runManifest,
}

func init() {
	f := cmdManifest.Flags()
	f.StringVar(&manifestOpts.scene, "scene", "", "show the command line for rendering this scene")
	f.StringArrayVarP(&manifestOpts.options, "option", "o", nil, "set an option for --scene, name=value (repeatable)")
	f.StringVar(&manifestOpts.camera, "camera", "", "camera prim path for --scene")
	f.StringVar(&manifestOpts.res, "res", "", "resolution WxH for --scene")
	f.BoolVar(&manifestOpts.json, "json", false, "print JSON")
	cmdRoot.AddCommand(cmdManifest)
}

// manifestReport is the --json form of one manifest's check.
type manifestReport struct {
	File    string                `json:"file"`
	Label   string                `json:"label,omitempty"`
	Options []bgrender.OptionSpec `json:"options,omitempty"`
	Argv    []string              `json:"argv,omitempty"`
	Error   string                `json:"error,omitempty"`
}

func runManifest(cmd *cobra.Command, args []string) error {
	w, h, err := parseRes(manifestOpts.res)
	if err != nil {
		return err
	}
	plugin, err := bgrender.ParseOptionArgs(manifestOpts.options)
	if err != nil {
		return err
	}
	opts := bgrender.Options{Plugin: plugin, Viewport: bgrender.Viewport{CameraPath: manifestOpts.camera, ResX: w, ResY: h}}

	var reports []manifestReport
	failed := 0
	for _, file := range args {
		rep := manifestReport{File: file}
		m, err := command.ReadManifest(file)
		if err == nil {
			rep.Label, rep.Options = m.Label, m.Schema()
			if manifestOpts.scene != "" {
				rep.Argv, err = m.Argv(manifestOpts.scene, opts, 0)
			}
		}
		if err != nil {
			rep.Error = err.Error()
			failed++
		}
		reports = append(reports, rep)
	}

	if manifestOpts.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		for _, r := range reports {
			if r.Error != "" {
				fmt.Fprintln(os.Stderr, r.Error)
				continue
			}
			fmt.Printf("%s: ok: %q%s\n", r.File, r.Label, optionSummary(r.Options))
			for _, a := range r.Argv {
				fmt.Printf("    %s\n", a)
			}
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d manifests have errors", failed, len(args))}
	}
	return nil
}

func optionSummary(opts []bgrender.OptionSpec) string {
	if len(opts) == 0 {
		return ", no options"
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = o.Name + " " + o.Type
		if o.Default != nil {
			parts[i] += fmt.Sprintf("=%v", o.Default)
		}
	}
	return ", options: " + strings.Join(parts, ", ")
}
