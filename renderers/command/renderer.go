package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
	"golang.org/x/sys/unix"
)

// logTailLines is how many lines of the command's output a failed render's
// error carries (the whole output is in the render log).
const logTailLines = 20

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

	imageSet  bool
	firstPix  time.Duration
	finished  bool
	finishErr error
}

var (
	_ bgrender.Renderer      = (*Renderer)(nil)
	_ bgrender.Closer        = (*Renderer)(nil)
	_ bgrender.OptionSchemer = (*Renderer)(nil)
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

// StartBackgroundRender expands the manifest's templates and starts the
// command (never through a shell) in its own process group.
func (r *Renderer) StartBackgroundRender(ctx context.Context, usdPath string, opts bgrender.Options) error {
	if r.p != nil {
		return errors.New("command renderer: render already started")
	}
	if err := r.prepare(usdPath, opts); err != nil {
		r.cleanup()
		return err
	}
	cmd := exec.Command(r.argv[0], r.argv[1:]...)
	cmd.Env = os.Environ()
	for _, e := range r.m.env {
		v, _ := e.val.expand(r.vals)
		cmd.Env = append(cmd.Env, e.key+"="+v)
	}
	r.env = cmd.Env
	cmd.Dir = r.vals["outdir"]
	if r.m.workdir != nil {
		cmd.Dir, _ = r.m.workdir.expand(r.vals)
	}
	// The kernel answers ENOENT both for a missing working directory and
	// for a missing program; check the directory first so that the error
	// blames the right one.
	if fi, err := os.Stat(cmd.Dir); cmd.Dir != "" && (err != nil || !fi.IsDir()) {
		r.cleanup()
		if err == nil {
			err = errors.New("not a directory")
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("command renderer %q (%s): working directory %s: %w", r.m.Label, r.m.Path, cmd.Dir, err)
	}
	var stdinR *os.File
	if r.m.click != nil {
		// An os.Pipe rather than cmd.StdinPipe: its write end takes a
		// deadline, so a command that never reads its stdin cannot block a
		// click once the pipe buffer is full.
		pr, pw, err := os.Pipe()
		if err != nil {
			r.cleanup()
			return fmt.Errorf("start %s: stdin pipe: %w", r.program, err)
		}
		cmd.Stdin, stdinR, r.stdin = pr, pr, pw
	}
	fmt.Fprintf(r.host.Log(), "command: %s\n", quoteArgv(r.argv))
	p, err := proc.Start(cmd, proc.Options{
		TailLines:      logTailLines,
		SampleInterval: r.sampleInterval(),
		Log:            r.host.Log(),
		OnLine:         r.onLine,
	})
	if stdinR != nil {
		stdinR.Close() // the child has its copy
	}
	if err != nil {
		if r.stdin != nil {
			r.stdin.Close()
			r.stdin = nil
		}
		r.cleanup()
		return r.startError(err, cmd.Path)
	}
	r.p = p
	r.started = p.Started()
	// processGroup lets a later owner stop what is left of this render if
	// the gallery's owner dies without stopping it (proc.StopStale).
	r.host.UpdateMetadata(map[string]any{"command": quoteArgv(r.argv), "pid": p.Pid(), "processGroup": p.GroupID().String()})
	return nil
}

// prepare fills r.vals, r.argv and the image watches.
func (r *Renderer) prepare(usdPath string, opts bgrender.Options) error {
	usd, err := filepath.Abs(usdPath)
	if err != nil {
		return fmt.Errorf("command renderer: scene path %s: %w", usdPath, err)
	}
	vals := map[string]string{
		"usd":            usd,
		"camera":         opts.Viewport.CameraPath,
		"rendersettings": opts.Viewport.RenderSettingsPath,
		"item":           strconv.FormatInt(r.host.ItemID(), 10),
		"source":         r.host.Source(),
		"manifest_dir":   filepath.Dir(r.m.Path),
	}
	if opts.Viewport.ResX > 0 {
		vals["res_x"] = strconv.Itoa(opts.Viewport.ResX)
	}
	if opts.Viewport.ResY > 0 {
		vals["res_y"] = strconv.Itoa(opts.Viewport.ResY)
	}
	for _, o := range r.m.Options {
		v, ok := opts.Plugin[o.Name]
		if !ok || v == nil {
			v = o.Default
		}
		if v != nil {
			c, err := o.coerce(v)
			if err != nil {
				return fmt.Errorf("command renderer %q: option %s: %w", r.m.Label, o.Name, err)
			}
			v = c
		}
		vals["option."+o.Name] = format(v)
	}
	var outdir string
	if r.m.outdir == nil {
		if outdir, err = r.mkdirTemp(""); err != nil {
			return err
		}
	} else {
		d, _ := r.m.outdir.expand(vals)
		if d == "" {
			return fmt.Errorf("command renderer %q: outdir %q expands to nothing", r.m.Label, r.m.outdir.raw)
		}
		if outdir, err = filepath.Abs(d); err != nil {
			return fmt.Errorf("command renderer %q: outdir: %w", r.m.Label, err)
		}
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return fmt.Errorf("command renderer %q: output dir: %w", r.m.Label, err)
	}
	vals["outdir"] = outdir
	vals["image"] = filepath.Join(outdir, r.m.image)
	r.vals = vals

	for _, item := range r.m.argv {
		var args []string
		full := true
		for _, t := range item.args {
			s, ok := t.expand(vals)
			full = full && ok
			args = append(args, s)
		}
		if item.group && !full {
			continue // an optional group with an empty placeholder
		}
		r.argv = append(r.argv, args...)
	}
	r.program = r.argv[0]
	// A program given relative to the manifest ("./render.sh") is found
	// beside it, so that a plugin dir can carry its own scripts.
	if strings.HasPrefix(r.argv[0], "./") || strings.HasPrefix(r.argv[0], "../") {
		r.argv[0] = filepath.Join(filepath.Dir(r.m.Path), r.argv[0])
	}

	var copies string
	for i, t := range r.m.watch {
		p, _ := t.expand(vals)
		if p == "" {
			return fmt.Errorf("command renderer %q: watch[%d] %q expands to nothing", r.m.Label, i, t.raw)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(outdir, p)
		}
		if copies == "" {
			if copies, err = r.mkdirTemp(copyBase()); err != nil {
				return err
			}
		}
		dir := filepath.Join(copies, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fmt.Errorf("command renderer %q: %w", r.m.Label, err)
		}
		r.watches = append(r.watches, &imageWatch{path: p, copy: filepath.Join(dir, filepath.Base(p))})
	}
	return nil
}

func (r *Renderer) mkdirTemp(base string) (string, error) {
	d, err := os.MkdirTemp(base, fmt.Sprintf("rgallery-command-%d-", r.host.ItemID()))
	if err != nil {
		return "", fmt.Errorf("command renderer %q: %w", r.m.Label, err)
	}
	r.tmpDirs = append(r.tmpDirs, d)
	return d, nil
}

// copyBase is where the copies of reported images go: /dev/shm when it is
// there, because creating and renaming files on a disk file system can cost
// a millisecond each (ext4 flushes data on rename over an existing file),
// which for hundreds of live renders would be most of the gallery's CPU.
// The copies are one image per watched file per live render.
func copyBase() string {
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() && unix.Access(shm, unix.W_OK) == nil {
		return shm
	}
	return ""
}

func (r *Renderer) startError(err error, path string) error {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("command renderer %q (%s): command %q not found in $PATH", r.m.Label, r.m.Path, r.program)
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(path); serr == nil {
			// The file is there, so what is missing is its interpreter.
			return fmt.Errorf("command renderer %q (%s): command %q cannot run: the interpreter on its #! line was not found", r.m.Label, r.m.Path, path)
		}
		return fmt.Errorf("command renderer %q (%s): command %q not found: no such file", r.m.Label, r.m.Path, path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("command renderer %q (%s): command %q is not executable: permission denied", r.m.Label, r.m.Path, path)
	}
	return fmt.Errorf("command renderer %q (%s): %w", r.m.Label, r.m.Path, err)
}

// sampleInterval is the background sampling interval for proc: none when
// the polls come at least as often as memory_interval, because then
// IsRenderFinished samples, which costs no timer and no goroutine wake-up
// of its own (with hundreds of live renders, wake-ups are what costs).
func (r *Renderer) sampleInterval() time.Duration {
	if r.m.poll <= r.m.memEvery {
		return -1
	}
	return r.m.memEvery
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
	_, exited := r.p.Status()
	if !exited {
		r.p.SampleMemoryIfDue(r.m.memEvery)
	} else {
		// The render is over when the command exits; helpers it left in its
		// group go too, and the output is read to its end before the last
		// progress line and the last image are taken.
		if err := r.p.Stop(ctx, r.m.stopGrace); err != nil {
			return false, fmt.Errorf("command renderer %q: clean up after exit: %w", r.m.Label, err)
		}
		r.ended = time.Now()
	}
	if err := r.pollImages(exited); err != nil {
		return false, err
	}
	if !exited {
		r.sendProgress()
		return false, nil
	}
	st, _ := r.p.Status()
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
func (r *Renderer) pollImages(exited bool) error {
	// Until the first image is there, look on every poll: time to first
	// pixel matters to the user.
	if r.imageSet && !exited && time.Since(r.lastImageCheck) < r.m.updateEvery {
		return nil
	}
	r.lastImageCheck = time.Now()
	for _, w := range r.watches {
		path, err := w.poll(exited)
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

// sendProgress updates the metadata when something in it changed, or when
// update_interval has passed (the clock always changes).
func (r *Renderer) sendProgress() {
	pct, peak := r.percent.Load(), r.p.PeakRSS()
	if pct == r.lastPct && peak == r.lastPeak && !r.imageSent && time.Since(r.lastMd) < r.m.updateEvery {
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
	if r.imageSet {
		md["timeToFirstPixel"] = r.firstPix.Seconds()
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
	if err := r.pollImages(true); err != nil {
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
