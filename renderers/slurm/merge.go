package slurm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rgallery/rgallery/imageio/exr"
	"github.com/rgallery/rgallery/render"
	"github.com/rgallery/rgallery/renderworker"
)

// films keeps the last film read from each task, so a poll re-reads only
// the files that changed.
type films struct {
	dir   string
	tasks []taskFilm
}

type taskFilm struct {
	mod  time.Time
	size int64
	film *render.Film
}

func newFilms(dir string, n int) *films {
	return &films{dir: dir, tasks: make([]taskFilm, n)}
}

func filmPath(dir string, task int) string {
	return filepath.Join(dir, fmt.Sprintf("task-%d.film", task))
}

// refresh re-reads the films that changed on disk and reports whether any
// did. A task that has not written its film yet is skipped.
func (f *films) refresh() (bool, error) {
	changed := false
	for i := range f.tasks {
		p := filmPath(f.dir, i)
		fi, err := os.Stat(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return changed, fmt.Errorf("task %d film: %w", i, err)
		}
		t := &f.tasks[i]
		if t.film != nil && fi.ModTime().Equal(t.mod) && fi.Size() == t.size {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return changed, fmt.Errorf("task %d film: %w", i, err)
		}
		film, err := render.ReadFilm(bytes.NewReader(b))
		if err != nil {
			return changed, fmt.Errorf("task %d film %s: %w", i, p, err)
		}
		t.film, t.mod, t.size = film, fi.ModTime(), fi.Size()
		changed = true
	}
	return changed, nil
}

// merged adds up the task films read so far; nil before the first.
func (f *films) merged() (*render.Film, error) {
	var out *render.Film
	for i, t := range f.tasks {
		if t.film == nil {
			continue
		}
		if out == nil {
			out = render.NewFilm(t.film.W, t.film.H)
			if t.film.HasAOVs() {
				out = render.NewFilmAOV(t.film.W, t.film.H)
			}
		}
		if err := out.Merge(t.film); err != nil {
			return nil, fmt.Errorf("merge task %d: %w", i, err)
		}
	}
	return out, nil
}

// writeImage writes the merged film as linear float EXR at exrPath and an
// sRGB PNG preview beside it with the same stem (the gallery's thumbnail
// reads that one), both atomically.
//
// With denoise, the merged film is denoised (render.Film.Denoise, the
// filter the Local worker applies to its own film) and the result is added
// as the layer "denoised" and shown in the preview, as a Local render with
// denoise=on writes them. The tasks never denoise: a sum of denoised shares
// is not the denoised sum, and the raw layers must stay exact.
func writeImage(film *render.Film, exrPath string, attrs map[string]string, denoise bool) error {
	rgb := film.RGB()
	var extra []render.Layer
	if denoise {
		den, err := film.Denoise()
		if err != nil {
			return fmt.Errorf("denoise merged image: %w", err)
		}
		extra = append(extra, render.Layer{Name: "denoised", Channels: []string{"R", "G", "B"}, Pix: den})
		rgb = den
	}
	// With the tasks' AOVs (their films carry them by default) the merged
	// EXR has the same layers a Local render writes, each the exact sum of
	// the tasks' fixed-point sums.
	if err := renderworker.WriteEXR(exrPath, film, attrs, extra...); err != nil {
		return fmt.Errorf("write merged image: %w", err)
	}
	png := exrPath[:len(exrPath)-len(filepath.Ext(exrPath))] + ".png"
	if err := exr.WriteFileAtomic(png, func(w io.Writer) error { return renderworker.EncodePNG(w, film.W, film.H, rgb) }); err != nil {
		return fmt.Errorf("write merged preview: %w", err)
	}
	return nil
}

// workerStats is the part of a worker's stats line the farm uses.
type workerStats struct {
	Event            string   `json:"event"`
	PeakMemory       int64    `json:"peakMemory"`
	TotalClockTime   float64  `json:"totalClockTime"`
	TimeToFirstPixel float64  `json:"timeToFirstPixel"`
	RaysPerSecond    float64  `json:"raysPerSecond"`
	Error            string   `json:"error"`
	Warnings         []string `json:"warnings"`
}

// lastStats reads the newest stats of a task from its JSON-lines file,
// keeping the largest peak memory and the first warnings seen.
func lastStats(dir string, task int) (workerStats, bool) {
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("task-%d.jsonl", task)))
	if err != nil || len(b) == 0 {
		return workerStats{}, false
	}
	var last workerStats
	ok := false
	for _, line := range bytes.Split(b, []byte("\n")) {
		var s workerStats
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &s) != nil {
			continue // a line being written
		}
		peak, warn := max(last.PeakMemory, s.PeakMemory), last.Warnings
		last = s
		last.PeakMemory = peak
		if len(s.Warnings) == 0 {
			last.Warnings = warn
		}
		ok = true
	}
	return last, ok
}

// lastLine returns the last non-empty line of a small text file.
func lastLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return string(bytes.TrimSpace(lines[len(lines)-1]))
}
