package gallery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rgallery/rgallery/imageio"
)

// ImportRenderer is the renderer label of snapshots made from existing
// image files.
const ImportRenderer = "Import"

// ImportOptions is what the user says about an imported image.
type ImportOptions struct {
	Label string // default: the file's name
	Tags  []string
	Notes string
	// Name is the file's name or path as the user gave it, recorded as the
	// snapshot's source; for ImportFile, the absolute path by default.
	Name string
	// User is who imports it (the snapshot's CreatedBy).
	User string
}

// ImportFile imports the image file at path; see Import.
func (g *Gallery) ImportFile(ctx context.Context, path string, o ImportOptions) (Snapshot, error) {
	data, err := readBounded(path, maxImageBytes)
	if err != nil {
		return Snapshot{}, &ImageError{Path: path, Err: err}
	}
	if o.Name == "" {
		if abs, err := filepath.Abs(path); err == nil {
			o.Name = abs
		} else {
			o.Name = path
		}
	}
	return g.Import(ctx, data, o)
}

// Import makes a finished snapshot (renderer "Import") of an existing image
// file held in data: OpenEXR, PNG, JPEG, TIFF or Radiance HDR, recognised
// by its first bytes. The whole file is decoded first; a file that does not
// decode gives an *ImageError and nothing is stored.
//
// The gallery keeps the file as written (DESIGN "Layers"): images/<id>/
// image.<ext> holds the same bytes, so an EXR keeps every part, layer,
// attribute and its compression, and exports as itself. Formats a browser
// cannot show (EXR, TIFF, HDR) get a PNG preview beside it, made from the
// beauty layer (linear → sRGB, clamped); the thumbnail comes from the same
// pixels. The metadata records the format, size, layers with their channels,
// the file's attributes (EXR header attributes such as compression and
// chromaticities, HDR header lines), the transfer curve and the source.
//
// The files are written under temporary names first and moved into place
// in the transaction that inserts the snapshot, so a failure leaves neither
// a row without files nor files without a row.
func (g *Gallery) Import(ctx context.Context, data []byte, o ImportOptions) (Snapshot, error) {
	name := o.Name
	if name == "" {
		name = "upload"
	}
	for _, t := range o.Tags {
		if err := ValidTag(t); err != nil {
			return Snapshot{}, err
		}
	}
	if int64(len(data)) > maxImageBytes {
		return Snapshot{}, &ImageError{Path: name, Err: fmt.Errorf("larger than %d bytes", maxImageBytes)}
	}
	im, err := imageio.Decode(data)
	if err != nil {
		return Snapshot{}, &ImageError{Path: name, Err: err}
	}
	preview := im.Preview()
	var pbuf bytes.Buffer
	if im.Format != imageio.PNG && im.Format != imageio.JPEG {
		if err := thumbEncoder.Encode(&pbuf, preview); err != nil {
			return Snapshot{}, fmt.Errorf("import %s: preview: %w", name, err)
		}
	}

	// Stage the files.
	for _, d := range []string{"images", "thumbs"} {
		if err := os.MkdirAll(filepath.Join(g.dir, d), 0o755); err != nil {
			return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
		}
	}
	stage, err := os.MkdirTemp(filepath.Join(g.dir, "images"), ".import-")
	if err != nil {
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	defer os.RemoveAll(stage) // gone once renamed; removes leftovers on failure
	if err := os.Chmod(stage, 0o755); err != nil {
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	// The file keeps its own extension when it names its format (.tif
	// stays .tif, so that export to .tif copies it), else the format's.
	ext := strings.ToLower(filepath.Ext(name))
	if imageio.ExtFormat(ext) != im.Format {
		ext = im.Format.Ext()
	}
	imageName := "image" + ext
	if err := writeFileAtomic(filepath.Join(stage, imageName), data); err != nil {
		return Snapshot{}, fmt.Errorf("import %s: store image: %w", name, err)
	}
	if pbuf.Len() > 0 {
		if err := writeFileAtomic(filepath.Join(stage, "preview.png"), pbuf.Bytes()); err != nil {
			return Snapshot{}, fmt.Errorf("import %s: store preview: %w", name, err)
		}
	}
	stageThumb := stage + ".thumb.png"
	defer os.Remove(stageThumb)
	if err := writeThumb(stageThumb, preview); err != nil {
		return Snapshot{}, fmt.Errorf("import %s: thumbnail: %w", name, err)
	}

	label := o.Label
	if label == "" {
		label = filepath.Base(name)
	}
	md := map[string]any{
		"format":     string(im.Format),
		"sourcePath": name,
		"fileSize":   len(data),
		"width":      im.Width,
		"height":     im.Height,
		"transfer":   im.Transfer,
		"layers":     layerInfo(im),
	}
	if im.Compression != "" {
		md["compression"] = im.Compression
	}
	if len(im.Attributes) > 0 {
		md["attributes"] = im.Attributes
	}
	mdJSON, err := marshalMap(md)
	if err != nil {
		return Snapshot{}, fmt.Errorf("import %s: metadata: %w", name, err)
	}

	now := time.Now().UnixNano()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, g.d.q(`INSERT INTO snapshots
		(label, created_ns, updated_ns, finished_ns, renderer, options, source, res_x, res_y, state, metadata, notes, created_by)
		VALUES (?,?,?,?,?,'{}',?,?,?,?,?,?,?) RETURNING id`),
		label, now, now, now, ImportRenderer, name, im.Width, im.Height, string(Finished), mdJSON, o.Notes, o.User).Scan(&id)
	if err != nil {
		return Snapshot{}, fmt.Errorf("import %s: insert snapshot: %w", name, err)
	}
	rel := filepath.Join("images", fmt.Sprint(id), imageName)
	thumbRel := filepath.Join("thumbs", fmt.Sprintf("%d.png", id))
	if _, err := tx.ExecContext(ctx, g.d.q(`UPDATE snapshots SET image = ?, image_version = 1, thumb = ? WHERE id = ?`), rel, thumbRel, id); err != nil {
		return Snapshot{}, fmt.Errorf("import %s: snapshot %d: %w", name, id, err)
	}
	for _, t := range o.Tags {
		if _, err := tx.ExecContext(ctx, g.d.q(`INSERT INTO tags (snapshot_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`), id, t); err != nil {
			return Snapshot{}, fmt.Errorf("import %s: snapshot %d: add tag %q: %w", name, id, t, err)
		}
	}
	dir := filepath.Join(g.dir, "images", fmt.Sprint(id))
	// A directory left by a snapshot whose row is gone must not mix with
	// this one's files.
	if err := os.RemoveAll(dir); err != nil {
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	if err := os.Rename(stage, dir); err != nil {
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	if err := os.Rename(stageThumb, filepath.Join(g.dir, thumbRel)); err != nil {
		os.RemoveAll(dir)
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	g.notifyTx(ctx, tx, id, "created")
	if err := tx.Commit(); err != nil {
		os.RemoveAll(dir)
		os.Remove(filepath.Join(g.dir, thumbRel))
		return Snapshot{}, fmt.Errorf("import %s: %w", name, err)
	}
	s, err := g.Get(ctx, id)
	if err != nil {
		return Snapshot{}, errors.Join(fmt.Errorf("import %s: stored as snapshot %d", name, id), err)
	}
	return s, nil
}

// writePreview decodes an image file that the browser cannot show and
// writes its PNG preview into dir; it returns the preview, or nil when the
// file does not decode (a renderer's half-written progressive image) or is
// PNG or JPEG already.
func writePreview(dir string, data []byte) image.Image {
	f := imageio.Sniff(data)
	if f == "" || f == imageio.PNG || f == imageio.JPEG {
		return nil
	}
	im, err := imageio.Decode(data)
	if err != nil {
		return nil
	}
	pv := im.Preview()
	var b bytes.Buffer
	if thumbEncoder.Encode(&b, pv) != nil || writeFileAtomic(filepath.Join(dir, "preview.png"), b.Bytes()) != nil {
		return nil
	}
	return pv
}

// layerInfo is the metadata's list of layers: name, part, channels, size
// and origin (no pixels).
func layerInfo(im *imageio.Image) []map[string]any {
	out := make([]map[string]any, 0, len(im.Layers))
	for _, l := range im.Layers {
		m := map[string]any{
			"name":     l.FullName(),
			"channels": l.Channels,
			"width":    l.Width,
			"height":   l.Height,
		}
		if l.Part != "" {
			m["part"] = l.Part
		}
		if l.X != 0 || l.Y != 0 {
			m["origin"] = []int{l.X, l.Y}
		}
		out = append(out, m)
	}
	return out
}
