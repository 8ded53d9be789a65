package gallery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/draw"
)

// ThumbSize is the longest side of a thumbnail, in pixels.
const ThumbSize = 256

// maxImageBytes bounds the image files the gallery copies (1 GiB).
const maxImageBytes = 1 << 30

// ImageError says why a renderer's image could not be taken into the
// gallery; the snapshot keeps the image it had before.
type ImageError struct {
	Path string
	Err  error
}

func (e *ImageError) Error() string { return fmt.Sprintf("image %s: %v", e.Path, e.Err) }
func (e *ImageError) Unwrap() error { return e.Err }

// SetImage copies the image file at src into the gallery as the snapshot's
// image and, when thumb is true, refreshes its thumbnail. Images in a format
// the gallery can decode are decoded first, so that a half-written file is
// refused (an *ImageError) instead of replacing a good image. An image a
// browser cannot show (OpenEXR, TIFF, Radiance HDR) is copied as is; its
// preview and thumbnail come from a PNG beside it with the same stem, if
// there is one (renderers that write EXR + PNG), else from the image itself
// when it decodes (imageio).
func (g *Gallery) SetImage(ctx context.Context, id int64, src string, thumb bool) error {
	data, err := readBounded(src, maxImageBytes)
	if err != nil {
		return &ImageError{Path: src, Err: err}
	}
	img, _, decErr := image.Decode(bytes.NewReader(data))
	if decErr != nil && knownImageExt(src) {
		return &ImageError{Path: src, Err: fmt.Errorf("not a complete %s image: %w", strings.TrimPrefix(filepath.Ext(src), "."), decErr)}
	}
	dir := filepath.Join(g.dir, "images", fmt.Sprint(id))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("snapshot %d: store image: %w", id, err)
	}
	ext := strings.ToLower(filepath.Ext(src))
	rel := filepath.Join("images", fmt.Sprint(id), "image"+ext)
	if err := writeFileAtomic(filepath.Join(g.dir, rel), data); err != nil {
		return fmt.Errorf("snapshot %d: store image: %w", id, err)
	}
	if !knownImageExt(src) {
		// Keep a decodable preview beside an image the browser cannot
		// show: the renderer's PNG of the same stem, else one made from the
		// image itself (EXR, TIFF, Radiance HDR) as an import does.
		var pimg image.Image
		preview := strings.TrimSuffix(src, filepath.Ext(src)) + ".png"
		if pdata, err := readBounded(preview, maxImageBytes); err == nil {
			if p, err := png.Decode(bytes.NewReader(pdata)); err == nil {
				pimg = p
				_ = writeFileAtomic(filepath.Join(dir, "preview.png"), pdata)
			}
		}
		if pimg == nil {
			pimg = writePreview(dir, data) // import.go
		}
		if pimg != nil {
			img = pimg
		}
	}
	thumbRel := ""
	if thumb && img != nil {
		thumbRel = filepath.Join("thumbs", fmt.Sprintf("%d.png", id))
		if err := writeThumb(filepath.Join(g.dir, thumbRel), img); err != nil {
			return fmt.Errorf("snapshot %d: thumbnail: %w", id, err)
		}
	}
	q := `UPDATE snapshots SET image = ?, image_version = image_version + 1, updated_ns = ? WHERE id = ?`
	args := []any{rel, time.Now().UnixNano(), id}
	if thumbRel != "" {
		q = `UPDATE snapshots SET image = ?, image_version = image_version + 1, updated_ns = ?, thumb = ? WHERE id = ?`
		args = []any{rel, time.Now().UnixNano(), thumbRel, id}
	}
	return g.exec(ctx, id, "set image", q, args...)
}

// PreviewPath returns the absolute path of an image a browser can show for
// the snapshot: the image itself when it is PNG or JPEG, else the PNG
// preview kept beside it, else "".
func (g *Gallery) PreviewPath(s Snapshot) string {
	if s.Image == "" {
		return ""
	}
	if knownImageExt(s.Image) {
		return g.Path(s.Image)
	}
	p := filepath.Join(g.dir, "images", fmt.Sprint(s.ID), "preview.png")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

func knownImageExt(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	if len(data) == 0 {
		return nil, errors.New("file is empty")
	}
	return data, nil
}

// writeFileAtomic writes data to path through a temporary file and a rename,
// so that readers never see a partial file and a full disk leaves the old
// file in place.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	name := tmp.Name()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(name)
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// createTemp creates a new file beside path, readable by all (unlike
// os.CreateTemp's 0600), in one system call.
func createTemp(path string) (*os.File, error) {
	for {
		name := fmt.Sprintf("%s.tmp-%d", path, rand.Uint64())
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
}

// thumbEncoder reuses the PNG encoder's compression buffers: a thumbnail is
// small, and allocating a deflate state for each one costs more than
// encoding it.
var thumbEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}
func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

func writeThumb(path string, img image.Image) error {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return errors.New("image is empty")
	}
	tw, th := ThumbSize, ThumbSize
	if w >= h {
		th = max(1, h*ThumbSize/w)
	} else {
		tw = max(1, w*ThumbSize/h)
	}
	if w <= tw && h <= th {
		tw, th = w, h
	}
	dst := image.NewNRGBA(image.Rect(0, 0, tw, th))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := thumbEncoder.Encode(&buf, dst); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

// StoreScene keeps a content-addressed copy of a scene file and the files
// it depends on (sublayers, references, textures), so that a snapshot can be
// rendered again after its source changed or vanished. Dependencies keep
// their place relative to the scene file; those outside the scene's
// directory cannot and are returned as skipped. It returns the copy of the
// scene file, relative to the gallery dir.
func (g *Gallery) StoreScene(src string, deps []string) (rel string, skipped []string, err error) {
	base := filepath.Dir(src)
	files := map[string][]byte{}
	data, err := readBounded(src, 4<<30)
	if err != nil {
		return "", nil, fmt.Errorf("store scene %s: %w", src, err)
	}
	files[filepath.Base(src)] = data
	for _, d := range deps {
		r, err := filepath.Rel(base, d)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			skipped = append(skipped, d)
			continue
		}
		if _, ok := files[r]; ok {
			continue
		}
		b, err := readBounded(d, 4<<30)
		if err != nil {
			skipped = append(skipped, d)
			continue
		}
		files[r] = b
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	key := hex.EncodeToString(h.Sum(nil))[:32]
	dir := filepath.Join(g.dir, "scenes", key)
	rel = filepath.Join("scenes", key, filepath.Base(src))
	if _, err := os.Stat(filepath.Join(g.dir, rel)); err == nil {
		return rel, skipped, nil
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", skipped, fmt.Errorf("store scene %s: %w", src, err)
		}
		if err := writeFileAtomic(p, files[n]); err != nil {
			return "", skipped, fmt.Errorf("store scene %s: %w", src, err)
		}
	}
	return rel, skipped, nil
}

// OpenLog opens the snapshot's render log for appending.
func (g *Gallery) OpenLog(s Snapshot) (*os.File, error) {
	p := g.Path(s.LogPath)
	if p == "" {
		return nil, fmt.Errorf("snapshot %d has no log path", s.ID)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: open log: %w", s.ID, err)
	}
	return f, nil
}

// Export copies a snapshot's image to dst. The image is converted when dst's
// extension names another format the gallery can write (PNG, JPEG); an
// OpenEXR image is exported only as .exr (or as its PNG preview to .png).
func (g *Gallery) Export(ctx context.Context, id int64, dst string) error {
	s, err := g.Get(ctx, id)
	if err != nil {
		return err
	}
	if s.Image == "" {
		return fmt.Errorf("snapshot %d has no image (state %s)", id, s.State)
	}
	srcExt := strings.ToLower(filepath.Ext(s.Image))
	dstExt := strings.ToLower(filepath.Ext(dst))
	src := g.Path(s.Image)
	if dstExt != srcExt && !(dstExt == ".jpeg" && srcExt == ".jpg" || dstExt == ".jpg" && srcExt == ".jpeg") {
		src = g.PreviewPath(s)
		if src == "" {
			return fmt.Errorf("snapshot %d: cannot export a %s image as %s", id, srcExt, dstExt)
		}
		if !strings.EqualFold(filepath.Ext(src), dstExt) {
			return convertImage(src, dst)
		}
	}
	data, err := readBounded(src, maxImageBytes)
	if err != nil {
		return fmt.Errorf("snapshot %d: image file: %w", id, err)
	}
	if err := writeFileAtomic(dst, data); err != nil {
		return fmt.Errorf("export snapshot %d to %s: %w", id, dst, err)
	}
	return nil
}

func convertImage(src, dst string) error {
	data, err := readBounded(src, maxImageBytes)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode %s: %w", src, err)
	}
	var buf bytes.Buffer
	switch strings.ToLower(filepath.Ext(dst)) {
	case ".png":
		err = png.Encode(&buf, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	default:
		return fmt.Errorf("export to %s: unknown image format %q (use .png, .jpg or the image's own extension)", dst, filepath.Ext(dst))
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", dst, err)
	}
	return writeFileAtomic(dst, buf.Bytes())
}
