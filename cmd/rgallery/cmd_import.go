package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
)

var importOpts struct {
	label string
	tags  []string
	note  string
	json  bool
}

// importResult is one file's line of `import --json`.
type importResult struct {
	File     string            `json:"file"`
	Snapshot *gallery.Snapshot `json:"snapshot,omitempty"`
	Error    string            `json:"error,omitempty"`
}

var cmdImport = &cobra.Command{
	Use:   "import FILE...",
	Short: "Make finished snapshots of existing images (OpenEXR, PNG, JPEG, TIFF, Radiance HDR)",
	Long: `Import makes each file a finished snapshot (renderer "Import") that lists,
shows, exports and compares like a rendered one. The gallery keeps the file as
written (an EXR keeps every part, layer and attribute) plus a PNG preview for
formats a browser cannot show; the metadata lists the format, size, layers and
channels, the file's attributes and where it came from.

A file that cannot be read is reported and nothing is imported for it; the
others still are, and the exit code is 1.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		for _, t := range importOpts.tags {
			if err := gallery.ValidTag(t); err != nil {
				return err
			}
		}
		g, err := openGallery(ctx)
		if err != nil {
			return err
		}
		defer g.Close()
		var results []importResult
		failed := 0
		for _, f := range args {
			s, err := g.ImportFile(ctx, f, gallery.ImportOptions{Label: importOpts.label, Tags: importOpts.tags, Notes: importOpts.note})
			r := importResult{File: f}
			if err != nil {
				failed++
				r.Error = err.Error()
				fmt.Fprintf(os.Stderr, "rgallery: import %s: %v\n", f, err)
			} else {
				r.Snapshot = &s
				if !importOpts.json {
					fmt.Printf("imported %s as snapshot %d (%s %dx%d, %d layers)\n", f, s.ID, s.Metadata["format"], s.ResX, s.ResY, layerCount(s))
				}
			}
			results = append(results, r)
		}
		if importOpts.json {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(results); err != nil {
				return err
			}
		}
		if failed > 0 {
			return &exitError{code: 1, err: fmt.Errorf("%d of %d files not imported", failed, len(args))}
		}
		return nil
	},
}

func layerCount(s gallery.Snapshot) int {
	if l, ok := s.Metadata["layers"].([]any); ok {
		return len(l)
	}
	return 0
}

func init() {
	f := cmdImport.Flags()
	f.StringVar(&importOpts.label, "label", "", "label of the snapshots (default: the file's name)")
	f.StringArrayVar(&importOpts.tags, "tag", nil, "tag the snapshots (repeatable)")
	f.StringVar(&importOpts.note, "note", "", "notes of the snapshots")
	f.BoolVar(&importOpts.json, "json", false, "print a JSON list: file and snapshot, or file and error")
	cmdRoot.AddCommand(cmdImport)
}
