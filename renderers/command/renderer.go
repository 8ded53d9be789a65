package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

// logTailLines is how many lines of the command's output a failed render's
// error carries (the whole output is in the render log).
const logTailLines = 20

// logLimit bounds how much of a command's output goes to the render log.
const logLimit = 64 << 20

// clickTimeout bounds writing a click to the command's stdin when the
// caller's context has no deadline.
const clickTimeout = 2 * time.Second

// Renderer runs one render of a manifest's command.
type Renderer struct {
	m    *Manifest
	host bgrender.Host

	p       *proc.Process
	stdin   *os.File // write end of the command's stdin; nil unless the manifest has click
	program string   // argv[0] as written, for messages
	argv    []string
	env     []string
	vals    map[string]string
	tmpDirs []string // ours, removed on Close
	watches []*imageWatch
	started time.Time
	ended   time.Time

	// percent is the last percentage the progress regex found, as float64
	// bits; NaN until one is found. It is written from proc's output
	// goroutine, hence atomic.
	percent atomic.Uint64

	lastImageCheck time.Time
	lastMd         time.Time // last metadata update
	lastPct        uint64    // percent bits in the last update
	lastPeak       uint64    // peakMemory in the last update
	imageSent      bool      // an image was reported since the last update

	imageSet     bool
	firstPix     time.Duration
	firstPixSent bool
	finished     bool
	finishErr    error
}

var (
	_ bgrender.Renderer      = (*Renderer)(nil)
	_ bgrender.Closer        = (*Renderer)(nil)
	_ bgrender.OptionSchemer = (*Renderer)(nil)
	_ bgrender.InlinePoller  = (*Renderer)(nil)
)

// NewRenderer returns a renderer for m bound to host. It starts nothing.
func NewRenderer(m *Manifest, host bgrender.Host) *Renderer {
	r := &Renderer{m: m, host: host}
	r.percent.Store(math.Float64bits(math.NaN()))
	return r
}

// Factory returns the bgrender.Factory of m.
func (m *Manifest) Factory() bgrender.Factory {
	return func(host bgrender.Host) (bgrender.Renderer, error) { return NewRenderer(m, host), nil }
}

// PollFrequency returns the manifest's poll interval.
func (r *Renderer) PollFrequency() time.Duration { return r.m.poll }

// OptionSchema describes the manifest's options.
func (r *Renderer) OptionSchema() []bgrender.OptionSpec { return r.m.Schema() }

// GetConfigOptions returns the old options completed with the defaults of
// options they lack; a Command renderer has no dialog of its own, the form
// is drawn from OptionSchema.
func (r *Renderer) GetConfigOptions(_ context.Context, old map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, o := range r.m.Options {
		if o.Default != nil {
			out[o.Name] = o.Default
		}
	}
	for k, v := range old {
		out[k] = v
	}
	return out, nil
}

// onLine runs on proc's output goroutine for each line of output.
func (r *Renderer) onLine(line string) {
	re := r.m.progress
	if re == nil {
		return
	}
	sm := re.FindStringSubmatch(line)
	if sm == nil {
		return
	}
	var pct float64
	if d, t := re.SubexpIndex("done"), re.SubexpIndex("total"); d >= 0 && t >= 0 {
		done, err1 := strconv.ParseFloat(sm[d], 64)
		total, err2 := strconv.ParseFloat(sm[t], 64)
		if err1 != nil || err2 != nil || total <= 0 {
			return
		}
		pct = 100 * done / total
	} else {
		i := re.SubexpIndex("percent")
		if i < 0 {
			i = 1
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(sm[i]), 64)
		if err != nil {
			return
		}
		pct = v
	}
	if math.IsNaN(pct) {
		return
	}
	r.percent.Store(math.Float64bits(min(100, max(0, pct))))
}

// PollsInline implements bgrender.InlinePoller: while the command runs, a
// poll reads what is at hand (output pipe, memory) without waiting. Polls
// that look at the images (which reads a new image whole, possibly a
// large EXR) and the end of the command, with its clean-up, are left to
// the render's own goroutine.
func (r *Renderer) PollsInline() bool {
	if r.p == nil || r.finished || r.imagesDue() {
		return false
	}
	_, exited := r.p.Status()
	return !exited
}

// imagesDue reports whether the next poll looks at the watched images:
// on every poll until the first image (time to first pixel matters to
// the user), then every update_interval.
func (r *Renderer) imagesDue() bool {
	return !r.imageSet || time.Since(r.lastImageCheck) >= r.slack(r.m.updateEvery)
}

// IsRenderFinished reports progress and images, and ends the render when
// the command has exited: exit status 0 with an image is finished; a
// non-zero status, or no image at all, is an error carrying the last lines
// of the output. Processes the command left behind in its group are stopped.
func (r *Renderer) IsRenderFinished(ctx context.Context) (bool, error) {
	if r.p == nil {
		return false, errors.New("command renderer: render not started")
	}
	if r.finished {
		return true, r.finishErr
	}
	r.p.DrainOutput()
	_, exited := r.p.Status()
	if !exited {
		r.p.SampleMemoryIfDue(r.slack(r.m.memEvery))
	} else {
		// The render is over when the command exits; helpers it left in its
		// group go too, and the output is read to its end before the last
		// progress line and the last image are taken.
		if err := r.p.Stop(ctx, r.m.stopGrace); err != nil {
			return false, fmt.Errorf("command renderer %q: clean up after exit: %w", r.m.Label, err)
		}
		r.ended = time.Now()
	}
	st, _ := r.p.Status()
	if err := r.pollImages(exited, exited && st.Success()); err != nil {
		return false, err
	}
	if !exited {
		r.sendProgress()
		return false, nil
	}
	md := r.metadata()
	md["exitStatus"] = st.String()
	if st.Success() {
		md[bgrender.KeyPercentDone] = 100.0
	}
	r.host.UpdateMetadata(md)
	r.finished = true
	switch {
	case !st.Success():
		r.finishErr = fmt.Errorf("command %s failed: %s%s", r.program, st, r.tail())
	case r.incomplete() != nil:
		// An earlier complete version may have been reported; it stays,
		// but the render did not end well.
		w := r.incomplete()
		r.finishErr = fmt.Errorf("command %s exited with %s but its image %s is incomplete: %v%s",
			r.program, st, w.path, w.bad, r.tail())
	case !r.imageSet:
		r.finishErr = fmt.Errorf("command %s exited with %s without writing an image (watched %s)%s",
			r.program, st, strings.Join(r.watchedPaths(), ", "), r.tail())
	}
	return true, r.finishErr
}

// pollImages reports the first watched image, in the manifest's order, that
// has a new complete version.
//
// final looks now, whatever update_interval says; settled says that the
// command has exited normally, so that a file whose completeness cannot be
// checked is taken as it is. A stopped or crashed command may have left
// such a file half written: then it must still hold still between polls.
func (r *Renderer) pollImages(final, settled bool) error {
	if !final && !r.imagesDue() {
		return nil
	}
	r.lastImageCheck = time.Now()
	for _, w := range r.watches {
		path, err := w.poll(settled)
		if err != nil {
			return fmt.Errorf("command renderer %q: %w", r.m.Label, err)
		}
		if path != "" {
			if !r.imageSet {
				r.imageSet = true
				r.firstPix = time.Since(r.started)
			}
			r.host.UpdateImagePath(path)
			r.imageSent = true
			return nil
		}
		if w.reported.size != 0 {
			return nil // a preferred image exists; later ones wait
		}
	}
	return nil
}

// slack shortens an interval that is checked at polls by half a poll: the
// manager polls on a steady tick, so "a second since the last look" is
// 0.9999 s as often as 1.0001 s, and a strict check would wait a whole
// extra poll half of the time.
func (r *Renderer) slack(every time.Duration) time.Duration {
	return every - r.m.poll/2
}

// sendProgress updates the metadata when something in it changed, or when
// update_interval has passed (the clock always changes).
func (r *Renderer) sendProgress() {
	pct, peak := r.percent.Load(), r.p.PeakRSS()
	if pct == r.lastPct && peak == r.lastPeak && !r.imageSent && time.Since(r.lastMd) < r.slack(r.m.updateEvery) {
		return
	}
	r.host.UpdateMetadata(r.metadata())
}

func (r *Renderer) metadata() map[string]any {
	r.lastMd = time.Now()
	r.lastPct, r.lastPeak = r.percent.Load(), r.p.PeakRSS()
	r.imageSent = false
	end := r.ended
	if end.IsZero() {
		end = time.Now()
	}
	md := map[string]any{
		bgrender.KeyTotalClockTime: end.Sub(r.started).Seconds(),
		bgrender.KeyPeakMemory:     int64(r.p.PeakRSS()),
	}
	if pct := math.Float64frombits(r.percent.Load()); !math.IsNaN(pct) {
		md[bgrender.KeyPercentDone] = pct
	}
	if r.imageSet && !r.firstPixSent {
		// Sent once: metadata merges, and a key other than the three stats
		// makes the gallery rewrite the snapshot's metadata document.
		md["timeToFirstPixel"] = r.firstPix.Seconds()
		r.firstPixSent = true
	}
	return md
}

func (r *Renderer) tail() string {
	lines := r.p.Tail()
	if len(lines) == 0 {
		return " (it printed nothing)"
	}
	return "; last lines of its output:\n" + strings.Join(lines, "\n")
}

// incomplete returns the watched image whose final version failed its
// completeness check, or nil.
func (r *Renderer) incomplete() *imageWatch {
	for _, w := range r.watches {
		if w.bad != nil && w.seen != w.reported {
			return w
		}
	}
	return nil
}

func (r *Renderer) watchedPaths() []string {
	out := make([]string, len(r.watches))
	for i, w := range r.watches {
		out[i] = w.path
	}
	return out
}

// MouseClick writes the manifest's click line to the command's stdin; with
// no click line in the manifest, clicks are ignored.
func (r *Renderer) MouseClick(ctx context.Context, x, y float64) error {
	if r.m.click == nil || r.stdin == nil || r.finished {
		return nil
	}
	vals := map[string]string{
		"x": strconv.FormatFloat(x, 'f', -1, 64),
		"y": strconv.FormatFloat(y, 'f', -1, 64),
	}
	for k, v := range r.vals {
		vals[k] = v
	}
	line, _ := r.m.click.expand(vals)
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(clickTimeout)
	}
	if err := r.stdin.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("command renderer %q: send click: %w", r.m.Label, err)
	}
	if _, err := io.WriteString(r.stdin, line+"\n"); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("command renderer %q: send click: the command does not read its stdin", r.m.Label)
		}
		return fmt.Errorf("command renderer %q: send click: %w", r.m.Label, err)
	}
	return nil
}

// StopBackgroundRender sends SIGTERM to the command's process group, waits
// the manifest's stop_grace, then SIGKILLs, and returns only when no process
// of the group is left. The last complete image is still reported.
func (r *Renderer) StopBackgroundRender(ctx context.Context) error {
	if r.p == nil {
		return nil
	}
	if err := r.p.Stop(ctx, r.m.stopGrace); err != nil {
		return fmt.Errorf("command renderer %q: stop: %w", r.m.Label, err)
	}
	if r.ended.IsZero() {
		r.ended = time.Now()
	}
	if err := r.pollImages(true, false); err != nil {
		return err
	}
	r.host.UpdateMetadata(r.metadata())
	return nil
}

// Close kills whatever is left of the command and removes the renderer's
// temporary files, including the image copies it reported: the gallery must
// have taken the final image before Close.
func (r *Renderer) Close() error {
	var errs []error
	if r.p != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := r.p.Kill(ctx); err != nil {
			errs = append(errs, fmt.Errorf("command renderer %q: close: %w", r.m.Label, err))
		}
		cancel()
	}
	if r.stdin != nil {
		r.stdin.Close()
	}
	if err := r.cleanup(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (r *Renderer) cleanup() error {
	var errs []error
	for _, d := range r.tmpDirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("command renderer %q: remove temporary files: %w", r.m.Label, err))
		}
	}
	r.tmpDirs = nil
	return errors.Join(errs...)
}

// quoteArgv renders argv for a log line; it is never run by a shell.
func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]{}#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
