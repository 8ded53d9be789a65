package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/owner"
	"github.com/rgallery/rgallery/server"
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
others still are, and the exit code is 1. When the gallery has an owner
(rgallery serve), the owner imports the files, so open browsers show them
at once.`,
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
		results, viaOwner := importViaOwner(ctx, g.Dir(), args)
		if !viaOwner {
			for _, f := range args {
				r := importResult{File: f}
				s, err := g.ImportFile(ctx, f, gallery.ImportOptions{Label: importOpts.label, Tags: importOpts.tags, Notes: importOpts.note, User: cliUser(g)})
				if err != nil {
					r.Error = err.Error()
				} else {
					r.Snapshot = &s
				}
				results = append(results, r)
			}
		}
		failed := 0
		for _, r := range results {
			if r.Error != "" {
				failed++
				fmt.Fprintf(os.Stderr, "rgallery: import %s: %s\n", r.File, r.Error)
			} else if !importOpts.json {
				s := r.Snapshot
				fmt.Printf("imported %s as snapshot %d (%s %dx%d, %d layers)\n", r.File, s.ID, s.Metadata["format"], s.ResX, s.ResY, layerCount(*s))
			}
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

// importViaOwner hands the files to the gallery's owner when one runs
// (`rgallery serve`, a render): it imports them the same way, and tells
// the browsers watching it at once. It reports false when no owner took
// them (none runs, or an older one without the endpoint), and the caller
// imports them itself.
func importViaOwner(ctx context.Context, dir string, files []string) ([]importResult, bool) {
	if !owner.Alive(ctx, dir) {
		return nil, false
	}
	req := server.ImportRequest{Label: importOpts.label, Tags: importOpts.tags, Note: importOpts.note}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, false
		}
		req.Paths = append(req.Paths, abs)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, false
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://owner/api/import", bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := owner.Client(dir).Do(hreq)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var out server.ImportResponse
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&out) != nil || len(out.Results) != len(files) {
		return nil, false // not an answer of this endpoint: import here
	}
	results := make([]importResult, len(files))
	for i, r := range out.Results {
		results[i] = importResult{File: files[i], Snapshot: r.Snapshot, Error: r.Error}
	}
	return results, true
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
